#pragma once
/// Bringing a crashed or hung target back: the live fuzzer confirms and minimises findings
/// against it, and a run re-runs the cases that were in flight when it died. Two ways, one
/// shape: a function that returns once the target should be serving again, optionally at a
/// new URL (a server restarted on port 0 gets a new port).
///
/// - over stdio, for an orchestrator that owns the server process (run_suite.py):
///   we print the line `restart-request` on stdout and read one line from stdin: `restarted`
///   or `restarted URL` once the server is back, anything else (or nothing within the
///   timeout) means it could not be restarted;
/// - a shell command (`--restart-command`), e.g. `systemctl restart my-server`: it must exit
///   with status 0 once the restart is under way.

#include <chrono>
#include <functional>
#include <string>

namespace wsconform::runner {

/// Returns true when the target was restarted; sets `new_url` when it moved, `error` if not.
using restarter = std::function<bool(std::string& new_url, std::string& error)>;

restarter restart_over_stdio(std::chrono::seconds timeout = std::chrono::seconds(60));
restarter restart_with_command(std::string command,
                               std::chrono::seconds timeout = std::chrono::seconds(60));

} // namespace wsconform::runner
