// Testing a client: a case runs when the client under test connects for it. The source of
// clients starts one (client_source), its connection runs the case with us as the server
// (run_accepted), and how a client process ended is judged with it (judge_client_exit).

#include "harness/runner/client_source.hpp"
#include "harness/runner/judge.hpp"
#include "harness/runner/procedures.hpp"

#include <csignal>

namespace wsconform::runner {

namespace asio = boost::asio;

namespace {

std::string signal_name(int sig) {
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGPIPE:
        return "SIGPIPE";
    default:
        return "signal " + std::to_string(sig);
    }
}

bool crash_signal(int sig) {
    return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
}

} // namespace

bool client_exit::crashed() const {
    return (what == how::signalled && crash_signal(status)) || !sanitizer.empty();
}

std::string client_exit::describe() const {
    std::string s;
    switch (what) {
    case how::exited:
        s = "exited with status " + std::to_string(status);
        break;
    case how::signalled:
        s = "was killed by " + signal_name(status) +
            (via_shell ? " (exit status " + std::to_string(128 + status) + " from its shell)" : "");
        break;
    case how::killed:
        s = "did not exit in time and was killed";
        break;
    case how::not_started:
        return "could not be started: " + output;
    }
    if (!sanitizer.empty())
        s += "; its sanitizer reported: " + sanitizer;
    return s;
}

std::string client_exit::last_line() const {
    auto end = output.find_last_not_of("\r\n \t");
    if (end == std::string::npos)
        return {};
    auto start = output.find_last_of('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return output.substr(start, std::min<std::size_t>(end - start + 1, 300));
}

namespace {
/// A case the client must refuse at TLS (T.1.2-T.1.5): whether its opening request came.
case_result judge_tls_refusal(const case_def& c, std::optional<accepted_connection>& connection,
                              const std::string& why) {
    if (!connection) {
        // RFC 6455 4.1: no handshake data after a failed TLS handshake. A client that exits
        // without trying wss:// at all lands here too; T.1.1 tells it apart.
        auto r = decided_without_connection(verdict::ok,
                                            "the client refused " + c.tls_must_refuse + ": " + why,
                                            "no WebSocket connection was to be opened");
        return r;
    }
    std::string why_failed =
        "the client accepted " + c.tls_must_refuse + " and sent its opening handshake";
    if (auto tls = connection->stream.peer(""); tls && !tls->protocol.empty())
        why_failed += " (over " + tls->protocol + ")";
    auto r = decided_without_connection(verdict::failed, std::move(why_failed),
                                        "we closed the connection without answering");
    r.request = connection->request_text;
    connection->stream.close();
    return r;
}
} // namespace

asio::awaitable<case_result> run_client_case(const case_def& c, const session_settings& settings) {
    auto attempt = settings.clients->start(c);
    std::string why;
    auto connection = co_await attempt->connection(why);
    case_result r;
    if (!c.tls_must_refuse.empty()) {
        r = judge_tls_refusal(c, connection, why);
        r.started_at = iso_now();
    } else if (connection) {
        r = co_await run_accepted(c, settings, std::move(*connection));
    } else {
        r = decided_without_connection(verdict::failed, why,
                                       "the opening handshake was never completed");
        if (auto waited = attempt->connect_timed_out())
            r.timeout_decided(*waited); // the runner may confirm it with the case alone
        r.started_at = iso_now();
    }
    if (auto end = co_await attempt->ended())
        judge_client_exit(*end, r);
    co_return r;
}

} // namespace wsconform::runner
