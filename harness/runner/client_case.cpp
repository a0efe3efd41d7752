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

asio::awaitable<case_result> run_client_case(const case_def& c, const session_settings& settings) {
    auto attempt = settings.clients->start(c);
    std::string why;
    auto connection = co_await attempt->connection(why);
    case_result r;
    if (connection) {
        r = co_await run_accepted(c, settings, std::move(*connection));
    } else {
        r = decided_without_connection(verdict::failed, why,
                                       "the opening handshake was never completed");
        r.started_at = iso_now();
    }
    if (auto end = co_await attempt->ended())
        judge_client_exit(*end, r);
    co_return r;
}

} // namespace wsconform::runner
