#include "harness/clients/autobahn_server.hpp"

#include "harness/codec/server_handshake.hpp"
#include "harness/protocol/connection.hpp"
#include "harness/runner/client_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <cstdio>

namespace wsconform::clients {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// The query's parameters, decoded; a name given twice keeps its first value.
std::map<std::string, std::string> query_of(std::string_view target) {
    std::map<std::string, std::string> q;
    auto mark = target.find('?');
    if (mark == std::string_view::npos)
        return q;
    auto rest = target.substr(mark + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        q.emplace(percent_decode(pair.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : percent_decode(pair.substr(eq + 1)));
        if (amp == std::string_view::npos)
            break;
        rest = rest.substr(amp + 1);
    }
    return q;
}

/// Answers a control request over WebSocket, as Autobahn does: the upgrade, `text` as one
/// text message if given, a Close 1000, and TCP closed once the client answered it (1 s at
/// most).
asio::awaitable<void> answer(runner::accepted_connection c, std::optional<std::string> text) {
    if (auto problems = codec::check_request(c.request); !problems.empty()) {
        std::string why = "not a valid WebSocket opening handshake: " + problems.front().what;
        co_await refuse(c.stream, 400, why);
        co_return;
    }
    protocol::connection core({.side = protocol::role::server});
    std::string out =
        codec::make_accept_response(c.request.get("Sec-WebSocket-Key").value_or("")).serialize();
    if (text)
        core.send_message(false, codec::to_bytes(*text));
    core.send_close(codec::close_codes::normal);
    auto frames = core.data_to_send();
    out.append(frames.begin(), frames.end());
    auto ec = co_await c.stream.write(codec::to_bytes(out));
    if (!ec) {
        core.receive_data(c.early);
        asio::steady_timer limit(co_await asio::this_coro::executor, std::chrono::seconds(1));
        std::array<codec::byte, 4096> buf;
        while (!core.close_received()) {
            auto read = co_await (c.stream.read_some(buf) || limit.async_wait(nothrow));
            if (read.index() == 1)
                break;
            auto [rec, got] = std::get<0>(read);
            if (rec)
                break;
            core.receive_data(codec::byte_view(buf).first(got));
        }
    }
    c.stream.close();
}

std::string count_of(std::size_t n, std::string_view what) {
    return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
}

} // namespace

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
            unsigned value = 0;
            auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
            if (ec == std::errc() && p == s.data() + i + 3) {
                out.push_back(static_cast<char>(value));
                i += 2;
            } else {
                out.push_back('%');
            }
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

autobahn_server::request autobahn_server::parse(std::string_view target,
                                                const std::vector<const runner::case_def*>& cases) {
    request r;
    const auto path = target.substr(0, target.find('?'));
    const auto q = query_of(target);
    auto refuse_with = [&](unsigned status, std::string why) {
        r.status = status;
        r.problem = std::move(why);
        return r;
    };
    if (path == "/getCaseCount")
        r.what = request::kind::case_count;
    else if (path == "/runCase")
        r.what = request::kind::run_case;
    else if (path == "/getCaseInfo")
        r.what = request::kind::case_info;
    else if (path == "/getCaseStatus")
        r.what = request::kind::case_status;
    else if (path == "/updateReports")
        r.what = request::kind::update_reports;
    else if (path == "/stopServer")
        r.what = request::kind::stop_server;
    else
        return refuse_with(404, "unknown path " + std::string(path) +
                                    ": this is a fuzzingserver; its paths are /getCaseCount, "
                                    "/runCase?case=N&agent=A, /getCaseInfo?case=N, "
                                    "/getCaseStatus?case=N&agent=A, /updateReports?agent=A, "
                                    "/stopServer");
    using k = request::kind;
    if (r.what == k::run_case || r.what == k::case_info || r.what == k::case_status) {
        if (auto t = q.find("casetuple"); t != q.end()) {
            auto it = std::find_if(cases.begin(), cases.end(),
                                   [&](const runner::case_def* c) { return c->id == t->second; });
            if (it == cases.end())
                return refuse_with(404, "no case " + t->second + " among the " +
                                            count_of(cases.size(), "selected case"));
            r.index = static_cast<std::size_t>(it - cases.begin());
        } else if (auto n = q.find("case"); n != q.end()) {
            std::size_t number = 0;
            auto [p, ec] =
                std::from_chars(n->second.data(), n->second.data() + n->second.size(), number);
            if (ec != std::errc() || p != n->second.data() + n->second.size())
                return refuse_with(400, "case=" + n->second + " is not a number");
            if (number < 1 || number > cases.size())
                return refuse_with(404, "no case " + n->second + ": the cases are numbered 1 to " +
                                            std::to_string(cases.size()) +
                                            " (/getCaseCount says how many)");
            r.index = number - 1;
        } else {
            return refuse_with(400, "give the case: case=N (1 to " + std::to_string(cases.size()) +
                                        ") or casetuple=X.Y.Z");
        }
    }
    if (auto a = q.find("agent"); a != q.end())
        r.agent = a->second;
    if ((r.what == k::run_case || r.what == k::case_status || r.what == k::update_reports) &&
        r.agent.empty())
        return refuse_with(400, "give the agent: agent=NAME (the client's name in the report)");
    if (auto s = q.find("shutdownOnComplete"); s != q.end())
        r.shutdown = s->second == "true";
    return r;
}

autobahn_server::autobahn_server(autobahn_settings settings, runner::report_writer& writer)
    : settings_(std::move(settings)), writer_(writer) {}

void autobahn_server::stop() {
    if (stopping_)
        return;
    stopping_ = true;
    if (listener_)
        listener_->stop();
    if (stop_io_)
        stop_io_();
}

std::string autobahn_server::write_report(const std::string* agent, std::size_t index) {
    runner::run_report report;
    report.started_at = started_at_;
    report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started_)
                             .count();
    for (const auto& [name, results] : results_) {
        runner::target_report t{
            name, listener_ ? listener_->base_url() : std::string(), "client", "http/1.1", {}, {}};
        for (const auto& [i, r] : results.by_index) {
            t.cases.push_back(settings_.cases[i]);
            t.results.push_back(r);
        }
        if (agent && *agent == name) {
            auto pos = static_cast<std::size_t>(
                std::distance(results.by_index.begin(), results.by_index.find(index)));
            if (auto err = writer_.write_record(t, pos); !err.empty())
                return err;
        }
        report.targets.push_back(std::move(t));
    }
    return writer_.write_index(report);
}

asio::awaitable<void> autobahn_server::run_case(runner::accepted_connection c, std::size_t index,
                                                const std::string& agent) {
    const auto& def = *settings_.cases[index];
    auto excluded = [&] {
        for (const auto& [pattern, cases] : settings_.agent_excludes)
            if (runner::agent_matches(pattern, agent) &&
                runner::matches_any(cases, def.id, def.tags))
                return true;
        return false;
    };
    if (excluded()) {
        // Autobahn: an excluded case is accepted and closed, and no result is kept.
        co_await answer(std::move(c), std::nullopt);
        co_return;
    }
    auto r = co_await runner::run_accepted(def, settings_.session, std::move(c));
    const auto verdict = std::string(runner::to_string(r.overall));
    results_[agent].by_index[index] = std::move(r);
    if (auto err = write_report(&agent, index); !err.empty() && write_error_.empty()) {
        write_error_ = err;
        settings_.say("cannot write the report: " + err);
    }
    settings_.say(agent + " " + def.id + " " + verdict);
}

asio::awaitable<void> autobahn_server::serve(runner::accepted_connection c) {
    auto r = parse(c.request.target, settings_.cases);
    if (!r.problem.empty()) {
        co_await refuse(c.stream, r.status, r.problem);
        co_return;
    }
    using k = request::kind;
    switch (r.what) {
    case k::case_count:
        co_await answer(std::move(c), std::to_string(settings_.cases.size()));
        break;
    case k::run_case:
        co_await run_case(std::move(c), r.index, r.agent);
        break;
    case k::case_info: {
        const auto& def = *settings_.cases[r.index];
        boost::json::object o{{"id", def.id}, {"description", def.title}};
        co_await answer(std::move(c), boost::json::serialize(o));
        break;
    }
    case k::case_status: {
        auto a = results_.find(r.agent);
        if (a == results_.end() || !a->second.by_index.contains(r.index)) {
            co_await refuse(c.stream, 404,
                            "no result yet for case " + settings_.cases[r.index]->id +
                                " and agent " + r.agent);
            break;
        }
        const auto& result = a->second.by_index.at(r.index);
        boost::json::object o{{"behavior", runner::to_string(result.behavior)}};
        co_await answer(std::move(c), boost::json::serialize(o));
        break;
    }
    case k::update_reports:
        // The report is already up to date (it is written after every case).
        co_await answer(std::move(c), std::nullopt);
        if (r.shutdown)
            stop();
        break;
    case k::stop_server:
        co_await answer(std::move(c), std::nullopt);
        stop();
        break;
    case k::unknown:
        break;
    }
}

int autobahn_server::run(std::string& error) {
    asio::io_context io;
    listener_.emplace(io.get_executor(), settings_.host, settings_.port, error, settings_.tls);
    if (!error.empty())
        return 2;
    if (!settings_.url_host.empty())
        listener_->set_url_host(settings_.url_host);
    started_at_ = runner::iso_now();
    started_ = std::chrono::steady_clock::now();
    settings_.session.record_share_bytes = std::max(
        runner::session_settings::record_share_floor,
        settings_.session.record_budget_bytes / std::max<std::size_t>(1, settings_.cases.size()));
    listener_->set_other_handler([this](runner::accepted_connection c) -> asio::awaitable<void> {
        co_await serve(std::move(c));
    });
    listener_->start();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([this](auto ec, int) {
        if (!ec)
            stop();
    });
    stop_io_ = [&] {
        signals.cancel();
        // Cases in flight finish (their connections are closed by their clients or timers);
        // the port is closed, so nothing new starts.
    };
    if (auto err = write_report(); !err.empty()) {
        error = err;
        return 2;
    }
    // The one line a script waits for (instead of `sleep 3`): the port accepts from now on.
    std::string ca_note;
    if (!settings_.ca_file.empty())
        ca_note = "; CA " + settings_.ca_file;
    std::printf("wsconform: fuzzingserver ready on %s (%s%s)\n", listener_->base_url().c_str(),
                count_of(settings_.cases.size(), "case").c_str(), ca_note.c_str());
    std::fflush(stdout);
    io.run();
    if (!write_error_.empty()) {
        error = "cannot write the report: " + write_error_;
        return 2;
    }
    if (auto err = write_report(); !err.empty()) {
        error = err;
        return 2;
    }
    for (const auto& [agent, results] : results_)
        for (const auto& [i, r] : results.by_index)
            if (r.overall == runner::verdict::failed)
                return 1;
    return 0;
}

} // namespace wsconform::clients
