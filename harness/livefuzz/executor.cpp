#include "harness/livefuzz/executor.hpp"

#include "harness/codec/encoder.hpp"
#include "harness/codec/extended_connect.hpp"
#include "harness/codec/handshake.hpp"
#include "harness/http2/shared_connection.hpp"
#include "harness/runner/procedures.hpp"
#include "harness/runner/request.hpp"
#include "harness/runner/response_reader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <optional>

namespace wsconform::livefuzz {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// The opening handshake, with the conforming request the cases build (runner::build_request).
/// Returns the bytes that followed the response (frames the server sent at once), or sets
/// `o.failure`.
asio::awaitable<codec::bytes> open(net::transport& tr, const target_settings& target,
                                   connection_outcome& o) {
    auto key = codec::make_key();
    auto request = runner::build_request(runner::request_plan{}, target.url, key);
    auto text = request.serialize();
    codec::bytes rest;
    auto exchange = [&]() -> asio::awaitable<void> {
        if (auto ec = co_await tr.write(codec::to_bytes(text))) {
            o.failure = "could not send the opening handshake: " + ec.message();
            co_return;
        }
        auto reading = co_await runner::read_response(tr);
        if (reading.what == runner::response_reading::outcome::malformed) {
            o.failure = "malformed opening handshake response: " + reading.parse_error;
            co_return;
        }
        if (reading.what == runner::response_reading::outcome::ended) {
            o.failure = "connection ended during the opening handshake: " + reading.error.message();
            co_return;
        }
        const auto& data = reading.data;
        const auto& response = reading.response;
        auto problems = codec::check_response(response, runner::offer_of(request));
        if (response.status != 101 || !problems.empty()) {
            o.failure = "opening handshake refused (status " + std::to_string(response.status) +
                        (problems.empty() ? "" : ", " + problems.front().what) + ")";
            co_return;
        }
        auto tail = std::string_view(data).substr(response.header_bytes);
        rest.assign(tail.begin(), tail.end());
        o.upgraded = true;
    };
    asio::steady_timer deadline(co_await asio::this_coro::executor, target.connect_timeout);
    auto race = co_await (exchange() || deadline.async_wait(nothrow));
    if (race.index() == 1)
        o.failure = "no opening handshake response within " +
                    std::to_string(target.connect_timeout.count()) + " ms";
    co_return rest;
}
/// The opening handshake over HTTP/2 (RFC 8441): a connection of its own, an extended CONNECT
/// stream answered 2xx, which `tr` then carries. Sets `o.failure` when it cannot.
asio::awaitable<std::shared_ptr<http2::connection>>
open_h2(net::transport& tr, const target_settings& target, connection_outcome& o) {
    auto [conn, why] =
        co_await http2::connection::open(target.url, target.tls, {}, target.connect_timeout);
    if (!conn) {
        o.refused = why.find("Connection refused") != std::string::npos;
        o.failure = "no HTTP/2 connection: " + why;
        co_return nullptr;
    }
    o.connected = true;
    auto request = runner::build_request(runner::request_plan{}, target.url, codec::make_key());
    std::string error;
    auto s = conn->open_stream(
        codec::extended_connect(request, target.url.tls ? "https" : "http", target.url.host_header),
        false, error);
    if (!s) {
        o.failure = error;
        co_return conn;
    }
    auto answer = co_await s->await_response(target.connect_timeout);
    const auto response = codec::connect_response(answer.headers);
    auto problems = codec::check_connect_response(response, runner::offer_of(request));
    if (!answer.received || !problems.empty() || answer.end_stream) {
        o.failure = !answer.received ? "no answer to the extended CONNECT"
                    : problems.empty()
                        ? "the 200 ended the stream"
                        : "opening handshake refused (" + problems.front().what + ")";
        s->close();
        co_return conn;
    }
    tr.adopt(std::move(s));
    o.upgraded = true;
    co_return conn;
}
} // namespace

asio::awaitable<execution> execute(const fuzz_input& in, const target_settings& target) {
    auto ex = co_await asio::this_coro::executor;
    execution result;
    auto& o = result.outcome;
    net::transport tr(ex, target.tls, nullptr);
    std::shared_ptr<http2::connection> h2;
    codec::bytes early;
    if (target.http2) {
        h2 = co_await open_h2(tr, target, o);
    } else if (auto ec = co_await tr.connect(target.url, target.connect_timeout)) {
        o.refused = ec == asio::error::connection_refused;
        o.failure = "cannot connect to " + target.url.text + ": " + ec.message();
        co_return result;
    } else {
        o.connected = true;
        early = co_await open(tr, target, o);
    }
    // Ends the HTTP/2 connection with the input (GOAWAY, then it closes).
    struct closer {
        std::shared_ptr<http2::connection>& c;
        ~closer() {
            if (c)
                c->close();
        }
    } end_h2{h2};
    reply_checker replies;
    if (!o.upgraded) {
        tr.close();
        co_return result;
    }
    replies.feed(early);

    // Decide on the canary from the input alone, then judge what is actually sent.
    auto wire = wire_bytes(in);
    result.expected = expect(wire);
    std::vector<fuzz_step> steps = in.steps;
    if (sends_canary(result.expected)) {
        o.canary_sent = true;
        steps.push_back({canary_frame(in), 0});
        codec::encode(canary_frame(in), wire);
        result.expected = expect(wire);
    }

    // A server answers pings before the message after them as a rule, but one that answers
    // them later is not wrong: after valid input with pings the reader waits for a pong too,
    // for pong_timeout after the canary's echo (not the whole reply_timeout, or a server that
    // never answers pings would cost a second per input).
    auto awaits_pong = [&](const reply_checker& r) {
        return result.expected.what == expectation::verdict::none && result.expected.pings > 0 &&
               r.pongs() == 0;
    };
    using clock = asio::steady_timer::clock_type;
    asio::steady_timer waiting(ex); ///< the writer's last wait, for the reply
    std::optional<clock::time_point> pong_deadline;

    // `||` cancels the other side when one finishes, and cancelled operations still resume
    // their coroutine: `finished` tells a resumed side to stop and leave the outcome alone.
    bool finished = false;
    auto reader = [&]() -> asio::awaitable<void> {
        std::vector<codec::byte> buf(64 * 1024);
        for (;;) {
            auto [ec, n] = co_await tr.read_some(buf);
            if (finished)
                co_return;
            if (n > 0)
                replies.feed(codec::byte_view(buf).first(n));
            if (replies.canary_echoed() && awaits_pong(replies) && !pong_deadline) {
                pong_deadline = clock::now() + target.pong_timeout;
                if (waiting.expiry() > *pong_deadline) // the writer waits already: sooner
                    waiting.expires_at(*pong_deadline);
            }
            // Everything a verdict needs has arrived once the canary is back (and, after valid
            // input with pings, a pong), the server has closed, or its stream broke a rule.
            if ((replies.canary_echoed() && !awaits_pong(replies)) || replies.close_received() ||
                replies.violation()) {
                finished = true;
                co_return;
            }
            if (ec) {
                (ec == asio::error::eof ? o.eof : o.reset) = true;
                finished = true;
                co_return;
            }
        }
    };
    auto writer = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(ex);
        for (const auto& step : steps) {
            if (step.delay_ms) {
                timer.expires_after(std::chrono::milliseconds(step.delay_ms));
                co_await timer.async_wait(nothrow);
                if (finished)
                    co_return;
            }
            auto bytes = wire_bytes(step);
            // At most 256 writes per step: 64 KiB one octet at a time would take seconds and
            // say no more than 256 pieces do.
            const auto chunk =
                in.write_chunk == 0 ? 0 : std::max(in.write_chunk, (bytes.size() + 255) / 256);
            bool failed = false;
            for (auto piece : codec::chop(bytes, chunk))
                if ((failed = static_cast<bool>(co_await tr.write(piece))) || finished)
                    break;
            if (failed || finished)
                break; // the server is gone or failed us; the reader sees how
        }
        if (finished)
            co_return;
        const auto until =
            clock::now() + (o.canary_sent ? target.reply_timeout : target.quiet_timeout);
        waiting.expires_at(pong_deadline ? std::min(until, *pong_deadline) : until);
        // The reader may bring the expiry forward, which ends this wait early: wait again.
        while (!finished && waiting.expiry() > clock::now())
            co_await waiting.async_wait(nothrow);
        if (finished)
            co_return;
        o.timed_out = true;
        finished = true;
    };
    co_await (reader() || writer());
    tr.close();

    o.reply_violation = replies.violation();
    o.reply_detail = replies.violation_detail();
    o.canary_echoed = replies.canary_echoed();
    o.close_received = replies.close_received();
    o.close_code = replies.close_code();
    o.pongs = replies.pongs();
    o.reply_summary = replies.summary();
    co_return result;
}

asio::awaitable<liveness> check_alive(const target_settings& target, double scale) {
    runner::session_settings settings;
    settings.url = target.url;
    settings.tls = target.tls;
    settings.connect_timeout = std::chrono::duration<double>(target.connect_timeout);
    settings.open_handshake_timeout = std::chrono::duration<double>(target.connect_timeout);
    settings.set_timeout_scale(scale);
    if (target.http2)
        settings.http2 = std::make_shared<http2::shared_connection>(target.url, target.tls);
    auto r = co_await runner::run_connection(runner::canary_case(), settings);
    if (settings.http2)
        settings.http2->close();
    liveness l;
    if (r.handshake_ok && r.behavior == runner::verdict::ok)
        co_return l;
    l.what = r.connect_error == asio::error::connection_refused ? liveness::state::refused
                                                                : liveness::state::unresponsive;
    l.detail = r.result;
    co_return l;
}

namespace {
template <class T>
T run_private(asio::awaitable<T> work) {
    asio::io_context io;
    T out{};
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out = co_await std::move(work); }, asio::detached);
    io.run();
    return out;
}
} // namespace

liveness check_alive_now(const target_settings& target, double scale) {
    return run_private(check_alive(target, scale));
}

execution execute_now(const fuzz_input& in, const target_settings& target) {
    return run_private(execute(in, target));
}

} // namespace wsconform::livefuzz
