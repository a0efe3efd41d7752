#pragma once
/// Runs many cases concurrently against one target. Each case has its own connection and
/// deadline, so a slow or hung case never blocks the others; verdicts do not depend on the
/// number of jobs.

#include "harness/runner/session.hpp"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace wsconform::runner {

struct progress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t failed = 0;
    const case_def* last = nullptr;
    const case_result* last_result = nullptr;
};

/// Runs `cases` with at most `jobs` in flight; results are in the order of `cases`.
/// `on_progress` is called after each case (on the runner's thread).
///
/// A case whose connection could not be made (refused, unreachable, connect timeout) is tried
/// again once, after a short wait and a successful reconnect. If the target cannot be reached
/// again, that case and every case not yet started are FAILED at once with the reason "target
/// stopped accepting connections: <error>" (Autobahn silently skips them).
std::vector<case_result> run_cases(std::span<const case_def* const> cases,
                                   const session_settings& settings, unsigned jobs,
                                   const std::function<void(const progress&)>& on_progress = {});

/// Checks that the target accepts a TCP (and TLS) connection; returns an error message or "".
std::string probe_target(const session_settings& settings);

/// Default for --jobs: enough connections in flight to hide every case's fixed waits.
unsigned default_jobs();

} // namespace wsconform::runner
