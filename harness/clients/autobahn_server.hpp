#pragma once
/// A drop-in for Autobahn|Testsuite's `fuzzingserver`: the client under test drives the run
/// through Autobahn's control protocol, WebSocket upgrades to paths of our URL
/// (../shared/reference/autobahn-testsuite.md §1.3):
///
///   /getCaseCount                         one text message: the number of selected cases
///   /runCase?case=N&agent=A               runs case N (1-based, selected order); also
///   /runCase?casetuple=X.Y.Z&agent=A      by id. The client echoes every message.
///   /getCaseInfo?case=N                   {"id": ..., "description": ...}
///   /getCaseStatus?case=N&agent=A         {"behavior": ...} once that case has run
///   /updateReports?agent=A[&shutdownOnComplete=true]
///   /stopServer
///
/// With Autobahn's rough edges taken off: no check of the port in the client's Host (it breaks
/// clients behind port mapping), a bad control request gets a 400 or 404 that says why (not a
/// 500), "ready" is one line on stdout once the port accepts, and the report (index.json and
/// the case's wire record) is written after every case, so a client that dies loses nothing.

#include "harness/clients/case_listener.hpp"
#include "harness/runner/report_writer.hpp"
#include "harness/runner/selection.hpp"
#include "harness/runner/session.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::clients {

struct autobahn_settings {
    std::string host = "127.0.0.1";
    unsigned short port = 9001;
    /// wss://: the server context (the test CA's valid certificate), the host name the URLs
    /// name, and the CA file to give the testee (said in the ready line).
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::string url_host;
    std::string ca_file;
    /// The selected cases in Autobahn's order: case=N is cases[N-1].
    std::vector<const runner::case_def*> cases;
    /// Autobahn's exclude-agent-cases, by agent pattern ('*' a wildcard, the whole name must
    /// match): an agent's cases that are not run (its connection is accepted and closed, and
    /// no result is kept).
    std::map<std::string, std::vector<runner::case_pattern>> agent_excludes;
    runner::session_settings session;
    /// Progress and notices, one line each.
    std::function<void(const std::string&)> say;
};

class autobahn_server {
  public:
    /// `writer` is prepared for the report directory.
    autobahn_server(autobahn_settings settings, runner::report_writer& writer);
    autobahn_server(const autobahn_server&) = delete;
    autobahn_server& operator=(const autobahn_server&) = delete;

    /// Listens and serves until /stopServer, /updateReports with shutdownOnComplete, SIGINT or
    /// SIGTERM. Returns the exit status of a run: 0 no case FAILED, 1 some case FAILED, 2 it
    /// could not serve (`error` says why) or a report could not be written.
    int run(std::string& error);

    /// What a control request asks for, parsed; `problem` says why it cannot be served (with
    /// the HTTP status), empty when it can.
    struct request {
        enum class kind : std::uint8_t {
            case_count,
            run_case,
            case_info,
            case_status,
            update_reports,
            stop_server,
            unknown
        };
        kind what = kind::unknown;
        std::size_t index = 0; ///< the case, 0-based (run_case, case_info, case_status)
        std::string agent;
        bool shutdown = false; ///< update_reports: shutdownOnComplete=true
        unsigned status = 0;   ///< the HTTP refusal when `problem` is set
        std::string problem;
    };
    /// Parses a request-target against `cases` (Autobahn's rules: case=N is 1-based, casetuple
    /// an id, agent required where a result is kept or read).
    static request parse(std::string_view target,
                         const std::vector<const runner::case_def*>& cases);

  private:
    struct agent_results {
        std::map<std::size_t, runner::case_result> by_index;
    };

    boost::asio::awaitable<void> serve(runner::accepted_connection c);
    boost::asio::awaitable<void> run_case(runner::accepted_connection c, std::size_t index,
                                          const std::string& agent);
    /// index.json for every agent so far (`and_record`: also case `index` of `agent`'s record).
    std::string write_report(const std::string* agent = nullptr, std::size_t index = 0);
    void stop();

    autobahn_settings settings_;
    runner::report_writer& writer_;
    std::optional<case_listener> listener_;
    std::map<std::string, agent_results> results_;
    std::string started_at_;
    std::chrono::steady_clock::time_point started_;
    std::string write_error_;
    bool stopping_ = false;
    std::function<void()> stop_io_;
};

/// Percent-decodes a query value ('+' is a space, as in forms).
std::string percent_decode(std::string_view s);

} // namespace wsconform::clients
