#pragma once
/// Verdict vocabulary (Autobahn|Testsuite's words, see docs/report.md).

#include <optional>
#include <string_view>

namespace wsconform::runner {

/// Outcome at message level (`behavior`) and overall (`verdict`).
enum class verdict { ok, non_strict, informational, unimplemented, failed };

/// Outcome of the closing handshake (`behavior_close`).
enum class close_verdict { ok, failed, failed_by_client, wrong_code, unclean, informational };

std::string_view to_string(verdict v);
std::string_view to_string(close_verdict v);
std::optional<verdict> verdict_from_string(std::string_view s);

/// True for the close outcomes that make the overall verdict FAILED.
constexpr bool is_failure(close_verdict v) {
    return v == close_verdict::failed || v == close_verdict::wrong_code ||
           v == close_verdict::unclean;
}

/// The overall verdict: FAILED when either axis fails (stricter than Autobahn, which ignores
/// closing in `behavior` outside 6.x/7.x); a client that had to drop TCP itself (the server
/// SHOULD close first, RFC 6455 §7.1.1) turns OK into NON-STRICT.
constexpr verdict overall(verdict behavior, close_verdict close) {
    if (behavior == verdict::failed || is_failure(close))
        return verdict::failed;
    if (behavior == verdict::ok && close == close_verdict::failed_by_client)
        return verdict::non_strict;
    return behavior;
}

} // namespace wsconform::runner
