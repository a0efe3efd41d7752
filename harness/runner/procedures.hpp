#pragma once
/// Running a case: one scripted connection (session.hpp), or a procedure built from several
/// (a size-limit search, a crowd of connections, TLS checks), and the survival check after a
/// case. What runner.cpp calls for every case; defined in procedures.cpp.

#include "harness/runner/session.hpp"

#include <boost/asio/awaitable.hpp>

namespace wsconform::runner {

/// A fresh connection that must get one echo within 1 s (timers scale with
/// `session_settings::case_timers`): the server is still serving. Run it with run_connection;
/// `behavior` is OK when the echo came.
const case_def& canary_case();

/// Runs case `c`: one connection, or the procedure `c.run_as` names; then, for cases that
/// check it, whether a fresh connection still gets an echo. A FAILED result ends with the
/// requirements the case enforces, quoted (`c.musts`).
boost::asio::awaitable<case_result> run_case(const case_def& c, const session_settings& settings);

/// Testing a client: runs case `c` over the connection its client opens for it
/// (`settings.clients` starts one), and judges how a client process ended with it. Defined in
/// client_case.cpp.
boost::asio::awaitable<case_result> run_client_case(const case_def& c,
                                                    const session_settings& settings);

} // namespace wsconform::runner
