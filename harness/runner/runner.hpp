#pragma once
/// Runs many cases concurrently against one target. Each case has its own connection and
/// deadline, so a slow or hung case never blocks the others; verdicts do not depend on the
/// number of jobs.

#include "harness/runner/procedures.hpp"
#include "harness/runner/restart.hpp"

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

struct run_options {
    unsigned jobs = 64; ///< cases in flight at once
    /// Called after each case is decided (on the runner's thread).
    std::function<void(const progress&)> on_progress;
    /// Called with one line when something slow happens to the run as a whole (the target
    /// stopped accepting connections, came back).
    std::function<void(const std::string&)> on_notice;
    /// Brings back a target that stopped accepting connections (--restart-command,
    /// --restart-over-stdio); empty: it may come back by itself (a supervisor restarts it).
    restarter restart;
    /// How long such a target has to accept connections again before the run gives it up.
    seconds back_within{5};
};

/// Runs `cases` with at most `options.jobs` in flight; results are in the order of `cases`.
///
/// A target that stops accepting connections during a case (it crashed) is blamed on that
/// case, not on the others in flight at that moment: when a case ends badly and the target
/// then refuses a connection, no new case starts, the target is restarted or given
/// `back_within` to come back, and the cases that were in flight run again, one at a time. The
/// one during which it dies again is FAILED "the target died during this case". If it does
/// not come back, those cases and every case not started are FAILED "target stopped accepting
/// connections: <error>" (Autobahn silently skips them); a case alone in flight is blamed.
/// A connect refused by a target that still accepts connections is tried again once.
std::vector<case_result> run_cases(std::span<const case_def* const> cases,
                                   const session_settings& settings, const run_options& options);

/// Checks that the target accepts a TCP (and TLS) connection; returns an error message or "".
std::string probe_target(const session_settings& settings);

/// Default for --jobs: enough connections in flight to hide every case's fixed waits.
unsigned default_jobs();

} // namespace wsconform::runner
