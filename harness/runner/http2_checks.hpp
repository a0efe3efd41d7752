#pragma once
/// The checks of WebSocket over HTTP/2 itself (case_def::run_as = http2_check): each on HTTP/2
/// connections of its own, driven by hand, since they do what a scripted connection on the
/// shared connection cannot (a malformed request, a reset, many streams, a small window, frames
/// nghttp2 refuses to write). The verdicts are FAILED only where the case quotes a MUST
/// (can_fail); elsewhere NON-STRICT at worst.

#include "harness/runner/session.hpp"

namespace wsconform::runner {

/// Whether `c` is one of these checks: run with --http2 only.
bool needs_http2(const case_def& c);

/// Runs check `check` of case `c` against `settings.http2`'s server.
boost::asio::awaitable<case_result> run_http2_check(const case_def& c, const http2_check& check,
                                                    const session_settings& settings);

} // namespace wsconform::runner
