#include "harness/runner/http2_checks.hpp"

#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/codec/extended_connect.hpp"
#include "harness/http2/raw_frames.hpp"
#include "harness/http2/shared_connection.hpp"
#include "harness/runner/judge.hpp"
#include "harness/runner/request.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

namespace wsconform::runner {

namespace asio = boost::asio;
using kind = http2_check::kind;

bool needs_http2(const case_def& c) {
    return std::holds_alternative<http2_check>(c.run_as);
}

namespace {

/// How long one step of a check may take (a response, an echo, an ending), before scaling.
constexpr seconds step{5};

/// The check's verdict; FAILED only where the case quotes a MUST (can_fail), else NON-STRICT.
case_result finding(const case_def& c, verdict v, std::string why) {
    if (v == verdict::failed && !can_fail(c))
        v = verdict::non_strict;
    return decided_without_connection(v, std::move(why),
                                      "an HTTP/2 check on streams of its own: no closing "
                                      "handshake of a case connection was judged");
}

/// The extended CONNECT of a conforming request for the run's URL (RFC 8441 §4).
std::vector<codec::header_field> connect_fields(const session_settings& settings) {
    const auto request = build_request(request_plan{}, settings.url, codec::make_key(),
                                       settings.extra_headers, settings.allowed_origin);
    return codec::extended_connect(request, settings.url.tls ? "https" : "http",
                                   settings.url.host_header);
}

std::string status_of(const http2::response& r) {
    for (const auto& h : r.headers)
        if (h.name == ":status")
            return h.value;
    return "none";
}

/// A WebSocket on one stream, driven by hand: our frames masked, the server's decoded.
class ws_on_stream {
  public:
    explicit ws_on_stream(std::shared_ptr<http2::stream> s) : s_(std::move(s)) {}

    http2::stream& stream() { return *s_; }

    asio::awaitable<bool> send(codec::frame f) {
        codec::mask(f, keys_);
        auto wire = codec::encode(f);
        co_return !co_await s_->write(wire);
    }

    /// The next frame from the server, other than pings (answered) and pongs; nothing when the
    /// stream ended, the frame was invalid, or `wait` passed (the stream is then closed).
    asio::awaitable<std::optional<codec::frame>> next(std::chrono::steady_clock::duration wait) {
        asio::steady_timer timer(co_await asio::this_coro::executor, wait);
        bool timed_out = false;
        timer.async_wait([&timed_out, s = s_](auto ec) {
            if (!ec) {
                timed_out = true;
                s->close();
            }
        });
        std::optional<codec::frame> out;
        std::vector<codec::byte> buf(64 * 1024);
        while (!out) {
            auto r = in_.next();
            if (r.what == codec::decode_result::status::error)
                break;
            if (r.what == codec::decode_result::status::frame) {
                if (r.value.op == codec::opcode::ping) {
                    co_await send(codec::make_frame(codec::opcode::pong, r.value.payload));
                    continue;
                }
                if (r.value.op != codec::opcode::pong)
                    out = std::move(r.value);
                continue;
            }
            auto [ec, n] = co_await s_->read_some(buf);
            if (ec)
                break;
            in_.feed(codec::byte_view(buf).first(n));
        }
        timer.cancel();
        (void)timed_out;
        co_return out;
    }

    /// The next message, its fragments joined: type and payload.
    asio::awaitable<std::optional<codec::frame>>
    next_message(std::chrono::steady_clock::duration wait) {
        auto first = co_await next(wait);
        if (!first || first->fin || first->op == codec::opcode::close)
            co_return first;
        while (true) {
            auto more = co_await next(wait);
            if (!more || more->op != codec::opcode::continuation)
                co_return std::nullopt;
            first->payload.insert(first->payload.end(), more->payload.begin(), more->payload.end());
            if (more->fin)
                co_return first;
        }
    }

  private:
    std::shared_ptr<http2::stream> s_;
    codec::decoder in_{{.incoming_mask = codec::masking_rule::forbidden}};
    codec::mask_source keys_;
};

/// An HTTP/2 connection of the check's own, with the run's settings (or `ours`).
asio::awaitable<std::pair<std::shared_ptr<http2::connection>, std::string>>
own_connection(const session_settings& settings, std::optional<http2::local_settings> ours = {}) {
    co_return co_await http2::connection::open(settings.url, settings.tls,
                                               ours.value_or(settings.http2->settings()),
                                               to_ms(settings.connect_timeout));
}

bool enabled(const http2::connection& conn) {
    return conn.remote_setting(http2::settings_enable_connect_protocol) == 1U;
}

const char* not_enabled = "the server does not send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC "
                          "8441 3): no WebSocket over HTTP/2";

/// An HTTP/2 connection of the check's own whose server enabled RFC 8441; without one, the
/// check's result (FAILED: no connection; UNIMPLEMENTED: no SETTINGS_ENABLE_CONNECT_PROTOCOL).
asio::awaitable<std::pair<std::shared_ptr<http2::connection>, std::optional<case_result>>>
usable_connection(const case_def& c, const session_settings& settings,
                  std::optional<http2::local_settings> ours = {}) {
    auto [conn, why] = co_await own_connection(settings, ours);
    if (!conn)
        co_return std::pair{nullptr, finding(c, verdict::failed, why)};
    if (!enabled(*conn)) {
        conn->close();
        co_return std::pair{nullptr, finding(c, verdict::unimplemented, not_enabled)};
    }
    co_return std::pair{conn, std::nullopt};
}

/// Opens an extended CONNECT stream and waits for its 2xx; the stream, or why not.
asio::awaitable<std::pair<std::shared_ptr<http2::stream>, std::string>>
open_websocket_stream(http2::connection& conn, const session_settings& settings,
                      std::chrono::steady_clock::duration wait) {
    std::string error;
    auto s = conn.open_stream(connect_fields(settings), false, error);
    if (!s)
        co_return std::pair{nullptr, error};
    auto r = co_await s->await_response(wait);
    if (!r.received) {
        s->close();
        co_return std::pair{nullptr, r.ended ? "not answered: " + r.ended.message()
                                             : std::string("not answered within the timeout")};
    }
    const auto status = status_of(r);
    if (status.size() != 3 || status[0] != '2' || r.end_stream) {
        s->close();
        co_return std::pair{nullptr, "answered " + status +
                                         (r.end_stream ? " with END_STREAM" : std::string())};
    }
    co_return std::pair{s, std::string{}};
}

/// One echo on a new stream of `conn`, then the closing handshake and our END_STREAM: why it
/// did not work, or nothing.
asio::awaitable<std::string> echo_on_new_stream(http2::connection& conn,
                                                const session_settings& settings,
                                                std::string_view text) {
    const auto wait = settings.case_timers.steady(step);
    auto [s, why] = co_await open_websocket_stream(conn, settings, wait);
    if (!s)
        co_return "a new extended CONNECT was " + why;
    ws_on_stream ws(s);
    co_await ws.send(codec::text_frame(text));
    auto echo = co_await ws.next_message(wait);
    std::string problem;
    if (!echo)
        problem = "no echo on a new stream";
    else if (echo->op != codec::opcode::text || codec::as_chars(echo->payload) != text)
        problem = "a wrong echo on a new stream";
    if (problem.empty()) {
        co_await ws.send(codec::close_frame(codec::close_codes::normal));
        (void)co_await ws.next(wait);
    }
    s->shutdown_send();
    s->close();
    co_return problem;
}

/// A connection of the check's own spoken with the raw frame writer, for what nghttp2 will not
/// send: our preface and SETTINGS, then the server's frames one at a time until `deadline`,
/// which closes it. Shared, so that the deadline's handler never outlives it.
class raw_connection : public std::enable_shared_from_this<raw_connection> {
  public:
    using setting = std::pair<std::uint16_t, std::uint32_t>;

    /// Connected, our preface and SETTINGS sent, the deadline running; or why not.
    static asio::awaitable<std::pair<std::shared_ptr<raw_connection>, std::string>>
    open(const session_settings& settings, std::span<const setting> ours,
         std::chrono::steady_clock::duration deadline) {
        auto conn = std::make_shared<raw_connection>(co_await asio::this_coro::executor,
                                                     settings.tls, deadline);
        if (auto ec = co_await conn->t_.connect(settings.url, to_ms(settings.connect_timeout)))
            co_return std::pair{nullptr, "could not connect: " + ec.message()};
        codec::bytes out = codec::to_bytes(http2::raw::client_preface);
        const auto frame = http2::raw::settings(ours);
        out.insert(out.end(), frame.begin(), frame.end());
        if (auto ec = co_await conn->t_.write(out))
            co_return std::pair{nullptr, "could not send: " + ec.message()};
        conn->timer_.async_wait([weak = conn->weak_from_this()](auto ec) {
            if (auto self = weak.lock(); self && !ec) {
                self->timed_out_ = true;
                self->t_.close();
            }
        });
        co_return std::pair{conn, std::string{}};
    }

    raw_connection(const asio::any_io_executor& ex, std::shared_ptr<asio::ssl::context> tls,
                   std::chrono::steady_clock::duration deadline)
        : t_(ex, std::move(tls), nullptr), timer_(ex, deadline) {}
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;
    ~raw_connection() {
        timer_.cancel();
        t_.close();
    }

    /// A frame of the server's already read, if any.
    std::optional<http2::raw::frame> buffered() { return in_.next(); }

    /// The server's next frame; nothing once the connection ended or the deadline passed.
    asio::awaitable<std::optional<http2::raw::frame>> next() {
        while (true) {
            if (auto f = in_.next())
                co_return f;
            auto [ec, n] = co_await t_.read_some(buf_);
            if (ec) {
                ended_ = true;
                co_return std::nullopt;
            }
            in_.feed(codec::byte_view(buf_).first(n));
        }
    }

    asio::awaitable<bool> write(codec::byte_view bytes) { co_return !co_await t_.write(bytes); }

    /// The server closed the connection (rather than the deadline passing).
    bool closed_by_peer() const { return ended_ && !timed_out_; }

  private:
    net::transport t_;
    asio::steady_timer timer_;
    http2::raw::reader in_;
    std::vector<codec::byte> buf_ = std::vector<codec::byte>(64 * 1024);
    bool timed_out_ = false;
    bool ended_ = false;
};

// --- the checks -----------------------------------------------------------------------------

asio::awaitable<case_result> setting_advertised(const case_def& c,
                                                const session_settings& settings) {
    auto [conn, why] = co_await own_connection(settings);
    if (!conn) {
        // nghttp2 ends a connection whose SETTINGS carry another value (RFC 8441 §3).
        if (why.find("our GOAWAY") != std::string::npos)
            co_return finding(c, verdict::failed,
                              "the server's SETTINGS were refused as invalid: " + why);
        co_return finding(c, verdict::failed, why);
    }
    const auto value = conn->remote_setting(http2::settings_enable_connect_protocol);
    conn->close();
    if (value == 1U)
        co_return finding(c, verdict::ok, "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1");
    co_return finding(c, verdict::unimplemented, not_enabled);
}

/// Raw: our preface with SETTINGS_ENABLE_CONNECT_PROTOCOL = 2, then what the server does.
asio::awaitable<case_result> setting_value_two(const case_def& c,
                                               const session_settings& settings) {
    const raw_connection::setting two[] = {{http2::settings_enable_connect_protocol, 2}};
    auto [conn, why] =
        co_await raw_connection::open(settings, two, settings.case_timers.steady(seconds(2)));
    if (!conn)
        co_return finding(c, verdict::failed, why);
    std::optional<std::uint32_t> goaway;
    while (!goaway) {
        auto f = co_await conn->next();
        if (!f)
            break;
        if (f->type == static_cast<std::uint8_t>(http2::raw::frame_type::goaway))
            goaway = http2::raw::error_code(*f).value_or(0xffffffff);
    }
    const bool closed = conn->closed_by_peer();
    if (goaway && *goaway == static_cast<std::uint32_t>(http2::h2_error::protocol_error))
        co_return finding(c, verdict::ok, "a connection error: GOAWAY(PROTOCOL_ERROR)");
    if (goaway)
        co_return finding(c, verdict::non_strict,
                          "GOAWAY(" + http2::error_name(*goaway) +
                              "), where PROTOCOL_ERROR says "
                              "what was wrong");
    if (closed)
        co_return finding(c, verdict::non_strict,
                          "the connection was closed without GOAWAY (RFC 9113 5.4.1: an endpoint "
                          "that encounters a connection error SHOULD first send a GOAWAY frame)");
    co_return finding(c, verdict::non_strict,
                      "the value 2 was let pass: no GOAWAY within 2 s (RFC 8441 3: the value "
                      "MUST be 0 or 1)");
}

/// The malformed variants of the extended CONNECT.
std::vector<codec::header_field> malformed(kind what, const session_settings& settings) {
    auto fields = connect_fields(settings);
    auto drop = [&](std::string_view name) {
        std::erase_if(fields, [&](const codec::header_field& h) { return h.name == name; });
    };
    auto set = [&](std::string_view name, std::string value) {
        for (auto& h : fields)
            if (h.name == name)
                h.value = std::move(value);
    };
    switch (what) {
    case kind::without_protocol:
        drop(":protocol");
        break;
    case kind::without_scheme:
        drop(":scheme");
        break;
    case kind::without_path:
        drop(":path");
        break;
    case kind::without_authority:
        drop(":authority");
        break;
    case kind::protocol_on_get:
        set(":method", "GET");
        break;
    case kind::connection_header:
        fields.push_back({"connection", "upgrade"});
        break;
    case kind::upgrade_header:
        fields.push_back({"upgrade", "websocket"});
        break;
    case kind::unknown_protocol:
        set(":protocol", "wsconform-no-such-protocol");
        break;
    default:
        break;
    }
    return fields;
}

asio::awaitable<case_result> refused_request(const case_def& c, kind what,
                                             const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    const auto fields = malformed(what, settings);
    std::string error;
    auto s = conn->open_stream(fields, false, error);
    if (!s) {
        conn->close();
        co_return finding(c, verdict::failed, error);
    }
    auto r = co_await s->await_response(settings.case_timers.steady(step));
    s->close();
    auto result = [&](verdict v, std::string reason) {
        auto out = finding(c, v, std::move(reason));
        out.request = codec::render_fields(fields);
        out.response = codec::render_fields(r.headers);
        return out;
    };
    const bool unknown = what == kind::unknown_protocol;
    std::string refusal;
    if (r.received) {
        const auto status = status_of(r);
        if (status.size() == 3 && status[0] == '2') {
            conn->close();
            co_return result(unknown ? verdict::non_strict : verdict::failed,
                             unknown ? "accepted (" + status +
                                           ") as a WebSocket: the client "
                                           "asked for another protocol"
                                     : "accepted (" + status + ") a malformed request");
        }
        refusal = "refused with " + status;
    } else if (r.ended && !s->carrier_lost()) {
        refusal = r.ended.message();
    } else if (r.ended) {
        co_return result(verdict::non_strict,
                         "refused by ending the whole connection (" + r.ended.message() +
                             "): a connection error where a stream error does (RFC 9113 5.4 "
                             "allows it; every other stream goes with it)");
    } else {
        conn->close();
        co_return result(unknown ? verdict::non_strict : verdict::failed,
                         "neither refused nor answered within " +
                             format_seconds(settings.case_timers.scaled(step)));
    }
    // It was refused: the connection must go on serving.
    auto problem = co_await echo_on_new_stream(*conn, settings, "still serving?");
    conn->close();
    if (!problem.empty())
        co_return result(verdict::non_strict, refusal + ", but then " + problem);
    co_return result(verdict::ok, refusal + "; the connection went on serving");
}

asio::awaitable<case_result> end_stream_on_connect(const case_def& c,
                                                   const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    std::string error;
    auto s = conn->open_stream(connect_fields(settings), true, error);
    if (!s) {
        conn->close();
        co_return finding(c, verdict::failed, error);
    }
    const auto wait = settings.case_timers.steady(step);
    auto r = co_await s->await_response(wait);
    std::string what;
    if (r.received && (status_of(r).empty() || status_of(r)[0] != '2'))
        what = "refused with " + status_of(r);
    else if (!r.received && r.ended)
        what = "refused: " + r.ended.message();
    if (what.empty() && r.received && !s->peer_ended() && !s->ending()) {
        // Accepted: the server must end its side too, as it would on a client's TCP FIN.
        std::vector<codec::byte> buf(4096);
        asio::steady_timer timer(co_await asio::this_coro::executor, wait);
        timer.async_wait([s](auto ec) {
            if (!ec)
                s->close();
        });
        for (;;) {
            auto [ec, n] = co_await s->read_some(buf);
            if (ec)
                break;
        }
        timer.cancel();
    }
    const bool ended = s->peer_ended() || s->ending();
    s->close();
    conn->close();
    if (!what.empty())
        co_return finding(c, verdict::ok, what);
    if (!r.received)
        co_return finding(c, verdict::non_strict, "no answer within the timeout");
    if (ended)
        co_return finding(c, verdict::ok,
                          "answered " + status_of(r) + ", then the server ended the stream");
    co_return finding(c, verdict::non_strict,
                      "answered " + status_of(r) +
                          " and left the stream open after the "
                          "client's END_STREAM (a leak)");
}

asio::awaitable<case_result> orderly_close(const case_def& c, const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    const auto wait = settings.case_timers.steady(step);
    auto [s, problem] = co_await open_websocket_stream(*conn, settings, wait);
    if (!s) {
        conn->close();
        co_return finding(c, verdict::non_strict, "the extended CONNECT was " + problem);
    }
    ws_on_stream ws(s);
    co_await ws.send(codec::text_frame("Hello"));
    auto echo = co_await ws.next_message(wait);
    co_await ws.send(codec::close_frame(codec::close_codes::normal));
    auto close = co_await ws.next(wait);
    if (!echo || !close || close->op != codec::opcode::close) {
        s->close();
        conn->close();
        co_return finding(c, verdict::non_strict,
                          !echo ? "no echo"
                                : "no Close answered ours: the closing handshake "
                                  "was not completed");
    }
    // Now the server's END_STREAM (RFC 8441 §5: the orderly TCP close), within the closing
    // timeout a server has to close TCP.
    std::vector<codec::byte> buf(4096);
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             to_steady(settings.server_drop_timeout));
    bool waited_out = false;
    timer.async_wait([&waited_out, s](auto ec) {
        if (!ec) {
            waited_out = true;
            s->close();
        }
    });
    for (;;) {
        auto [ec, n] = co_await s->read_some(buf);
        if (ec)
            break;
    }
    timer.cancel();
    const bool ended = s->peer_ended();
    // Ours, then a moment for a reset that would follow it.
    s->shutdown_send();
    asio::steady_timer settle(co_await asio::this_coro::executor, std::chrono::milliseconds(200));
    co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto abnormal = s->abnormal_end();
    s->close();
    conn->close();
    if (waited_out && !ended)
        co_return finding(c, verdict::failed,
                          "the server did not end the stream (END_STREAM) within " +
                              format_seconds(settings.server_drop_timeout) +
                              " of the closing handshake");
    if (!abnormal.empty())
        co_return finding(c, verdict::failed,
                          "after the closing handshake " + abnormal +
                              ": an abort, where END_STREAM is the orderly close (RFC 8441 5)");
    co_return finding(c, verdict::ok, "Close answered, then END_STREAM both ways, no reset");
}

asio::awaitable<case_result> cancel_mid_message(const case_def& c,
                                                const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    auto [s, problem] =
        co_await open_websocket_stream(*conn, settings, settings.case_timers.steady(step));
    if (!s) {
        conn->close();
        co_return finding(c, verdict::non_strict, "the extended CONNECT was " + problem);
    }
    ws_on_stream ws(s);
    co_await ws.send(codec::text_frame("the first fragment of a message ", false));
    s->close(); // RST_STREAM(CANCEL): the server has not ended its side
    auto after = co_await echo_on_new_stream(*conn, settings, "after the reset");
    conn->close();
    if (!after.empty())
        co_return finding(c, verdict::non_strict,
                          "after RST_STREAM(CANCEL) on one stream, " + after);
    co_return finding(c, verdict::ok,
                      "RST_STREAM(CANCEL) in the middle of a message; a new stream was echoed");
}

/// Several WebSocket streams on one connection, each sending `fragments` fragments of its
/// message, interleaved across streams; each must get its own message back.
asio::awaitable<case_result> interleaved(const case_def& c, const session_settings& settings,
                                         unsigned streams, unsigned requests) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    const auto wait = settings.case_timers.steady(step);
    std::vector<std::shared_ptr<http2::stream>> gets;
    std::vector<std::unique_ptr<ws_on_stream>> ws;
    std::string problem;
    for (unsigned i = 0; i < std::max(streams, requests) && problem.empty(); ++i) {
        if (i < requests) {
            std::string error;
            const std::vector<codec::header_field> get = {
                {":method", "GET"},
                {":scheme", settings.url.tls ? "https" : "http"},
                {":path", settings.url.target},
                {":authority", settings.url.host_header}};
            auto g = conn->open_stream(get, true, error);
            if (!g)
                problem = "GET " + std::to_string(i + 1) + ": " + error;
            gets.push_back(std::move(g));
        }
        if (i < streams) {
            auto [s, bad] = co_await open_websocket_stream(*conn, settings, wait);
            if (!s)
                problem = "stream " + std::to_string(i + 1) + ": the extended CONNECT was " + bad;
            else
                ws.push_back(std::make_unique<ws_on_stream>(s));
        }
    }
    auto message = [](unsigned i) { return "stream " + std::to_string(i + 1) + ": "; };
    constexpr unsigned fragments = 4;
    for (unsigned f = 0; f < fragments && problem.empty(); ++f)
        for (unsigned i = 0; i < ws.size(); ++i) {
            const auto part = message(i) + "fragment " + std::to_string(f + 1) + "; ";
            auto frame = f == 0
                             ? codec::text_frame(part, false)
                             : codec::continuation_frame(codec::to_bytes(part), f + 1 == fragments);
            co_await ws[i]->send(std::move(frame));
        }
    for (unsigned i = 0; i < ws.size() && problem.empty(); ++i) {
        std::string expected;
        for (unsigned f = 0; f < fragments; ++f)
            expected += message(i) + "fragment " + std::to_string(f + 1) + "; ";
        auto echo = co_await ws[i]->next_message(wait);
        if (!echo)
            problem = "stream " + std::to_string(i + 1) + " got no echo";
        else if (codec::as_chars(echo->payload) != expected)
            problem = "stream " + std::to_string(i + 1) + " got another message back: '" +
                      std::string(codec::as_chars(echo->payload).substr(0, 80)) + "'";
    }
    for (std::size_t i = 0; i < gets.size() && problem.empty(); ++i) {
        auto r = co_await gets[i]->await_response(wait);
        std::vector<codec::byte> buf(16 * 1024);
        while (r.received && !gets[i]->peer_ended() && !gets[i]->ending()) {
            auto [ec, n] = co_await gets[i]->read_some(buf);
            if (ec)
                break;
        }
        if (!r.received || !gets[i]->peer_ended())
            problem = "GET " + std::to_string(i + 1) + " got no complete response" +
                      (r.ended ? " (" + r.ended.message() + ")" : std::string());
    }
    for (auto& w : ws) {
        w->stream().shutdown_send();
        w->stream().close();
    }
    for (auto& g : gets)
        if (g)
            g->close();
    conn->close();
    if (!problem.empty())
        co_return finding(c, verdict::non_strict, problem);
    co_return finding(
        c, verdict::ok,
        std::to_string(ws.size()) + " WebSocket streams each got their own message" +
            (requests ? " and " + std::to_string(requests) + " GET requests complete responses"
                      : std::string()) +
            ", interleaved on one connection");
}

asio::awaitable<case_result> sequential_streams(const case_def& c,
                                                const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    for (unsigned i = 1; i <= 5; ++i) {
        auto problem =
            co_await echo_on_new_stream(*conn, settings, "stream " + std::to_string(i) + " of 5");
        if (!problem.empty()) {
            conn->close();
            co_return finding(c, verdict::non_strict,
                              "stream " + std::to_string(i) +
                                  " of 5 on one connection: " + problem);
        }
    }
    conn->close();
    co_return finding(c, verdict::ok, "5 streams one after another, each upgraded and echoed");
}

/// One large echo on a connection with `ours` as our settings.
asio::awaitable<case_result> large_echo(const case_def& c, const session_settings& settings,
                                        std::optional<http2::local_settings> ours,
                                        std::size_t size_or_zero) {
    auto [conn, early] = co_await usable_connection(c, settings, ours);
    if (!conn)
        co_return std::move(*early);
    std::size_t size = size_or_zero;
    if (size == 0) // four times the server's stream window, within 4 MiB
        size = std::min<std::size_t>(
            4U << 20U, 4 * std::max<std::size_t>(1, conn->remote_setting(0x4).value_or(65535)));
    const auto wait = settings.case_timers.steady(seconds(30));
    auto [s, problem] = co_await open_websocket_stream(*conn, settings, wait);
    if (!s) {
        conn->close();
        co_return finding(c, verdict::non_strict, "the extended CONNECT was " + problem);
    }
    ws_on_stream ws(s);
    codec::bytes payload(size);
    for (std::size_t i = 0; i < size; ++i)
        payload[i] = static_cast<codec::byte>('a' + i % 26);
    co_await ws.send(codec::binary_frame(payload));
    auto echo = co_await ws.next_message(wait);
    const auto ending = s->ending();
    s->shutdown_send();
    s->close();
    conn->close();
    const auto label = std::to_string(size) + "-byte message";
    if (ending && (ending.message().find("FLOW_CONTROL_ERROR") != std::string::npos))
        co_return finding(c, verdict::failed,
                          "the server overran our flow-control window: " + ending.message());
    if (!echo)
        co_return finding(c, verdict::non_strict,
                          "no echo of the " + label +
                              (ending ? " (" + ending.message() + ")" : ": it stalled"));
    if (echo->op != codec::opcode::binary || echo->payload != payload)
        co_return finding(c, verdict::non_strict, "a wrong echo of the " + label);
    co_return finding(c, verdict::ok, "the " + label + " came back whole");
}

asio::awaitable<case_result> many_streams(const case_def& c, const session_settings& settings) {
    auto [conn, early] = co_await usable_connection(c, settings);
    if (!conn)
        co_return std::move(*early);
    // SETTINGS_MAX_CONCURRENT_STREAMS, when given (nghttp2 reports "unlimited" as 2^32-1).
    const auto limit = conn->remote_setting(0x3).value_or(100);
    const unsigned n = static_cast<unsigned>(std::min<std::uint32_t>(limit, 100));
    conn->close();
    if (n == 0)
        co_return finding(c, verdict::informational, "the server allows no stream at all");
    auto r = co_await interleaved(c, settings, n, 0);
    if (r.overall == verdict::ok)
        r.result = std::to_string(n) + " streams at once" +
                   (limit <= 100 ? " (the server's limit)" : std::string()) + ": " + r.result;
    co_return r;
}

/// Raw: one HEADERS more than the server's SETTINGS_MAX_CONCURRENT_STREAMS.
asio::awaitable<case_result> past_stream_limit(const case_def& c,
                                               const session_settings& settings) {
    auto [conn, why] =
        co_await raw_connection::open(settings, {}, settings.case_timers.steady(step));
    if (!conn)
        co_return finding(c, verdict::failed, why);
    std::optional<std::uint32_t> limit;
    bool settings_seen = false, sent = false;
    std::int32_t extra = 0;
    std::map<std::int32_t, std::string> answers; // stream -> "headers" or "RST_STREAM X"
    std::optional<std::uint32_t> goaway;
    bool enabled_setting = false;
    while (!goaway) {
        auto f = conn->buffered();
        if (!f) { // all read so far is handled: send, see whether done, then read on
            if (settings_seen && !sent) {
                sent = true;
                if (!enabled_setting || !limit || *limit > 1000)
                    break;
                // limit + 1 extended CONNECTs (RFC 8441 §4), the last past the limit.
                const auto fields = connect_fields(settings);
                codec::bytes requests;
                for (std::uint32_t i = 0; i <= *limit; ++i) {
                    extra = static_cast<std::int32_t>(2 * i + 1);
                    auto h = http2::raw::headers(extra, fields, false);
                    requests.insert(requests.end(), h.begin(), h.end());
                }
                if (!co_await conn->write(requests))
                    break;
            }
            if (sent && answers.size() > *limit)
                break;
            if (sent && answers.count(extra) && answers.size() >= *limit)
                break;
            f = co_await conn->next();
            if (!f)
                break;
        }
        using type = http2::raw::frame_type;
        const auto tp = static_cast<type>(f->type);
        if (tp == type::settings && (f->flags & http2::raw::flag_ack) == 0) {
            settings_seen = true;
            for (auto [id, value] : http2::raw::settings_entries(*f).value_or(
                     std::vector<std::pair<std::uint16_t, std::uint32_t>>{})) {
                if (id == 0x3)
                    limit = value;
                if (id == http2::settings_enable_connect_protocol)
                    enabled_setting = value == 1;
            }
            (void)co_await conn->write(http2::raw::settings_ack());
        } else if (tp == type::headers && f->stream > 0) {
            answers.emplace(f->stream, "headers");
        } else if (tp == type::rst_stream) {
            answers.emplace(f->stream, "RST_STREAM " + http2::error_name(
                                                           http2::raw::error_code(*f).value_or(0)));
        } else if (tp == type::goaway) {
            goaway = http2::raw::error_code(*f).value_or(0);
        }
    }
    conn.reset();
    if (!settings_seen)
        co_return finding(c, verdict::failed, "no SETTINGS from the server");
    if (!enabled_setting)
        co_return finding(c, verdict::unimplemented, not_enabled);
    if (!limit)
        co_return finding(c, verdict::informational,
                          "the server advertises no SETTINGS_MAX_CONCURRENT_STREAMS: no limit to "
                          "go past");
    if (*limit > 1000)
        co_return finding(c, verdict::informational,
                          "SETTINGS_MAX_CONCURRENT_STREAMS = " + std::to_string(*limit) +
                              ": too many streams to open for this check");
    const auto said = "SETTINGS_MAX_CONCURRENT_STREAMS = " + std::to_string(*limit) + "; stream " +
                      std::to_string(*limit + 1) + " (id " + std::to_string(extra) + ")";
    if (goaway)
        co_return finding(c, verdict::non_strict,
                          said + " ended the whole connection: GOAWAY(" +
                              http2::error_name(*goaway) +
                              "), where a stream error does (RFC 9113 5.4 allows it)");
    auto it = answers.find(extra);
    if (it == answers.end())
        co_return finding(c, verdict::non_strict,
                          said + " got no answer within " +
                              format_seconds(settings.case_timers.scaled(step)));
    if (it->second == "headers")
        co_return finding(c, verdict::failed, said + " was answered: the limit was not kept");
    if (it->second == "RST_STREAM REFUSED_STREAM" || it->second == "RST_STREAM PROTOCOL_ERROR")
        co_return finding(c, verdict::ok, said + " was refused with " + it->second);
    co_return finding(c, verdict::non_strict,
                      said + " was refused with " + it->second +
                          ", where REFUSED_STREAM or PROTOCOL_ERROR says why");
}

} // namespace

asio::awaitable<case_result> run_http2_check(const case_def& c, const http2_check& check,
                                             const session_settings& settings) {
    if (!settings.http2)
        co_return decided_without_connection(verdict::informational,
                                             "not checked: an HTTP/2 case (run with --http2)");
    switch (check.what) {
    case kind::setting_advertised:
        co_return co_await setting_advertised(c, settings);
    case kind::setting_value_two:
        co_return co_await setting_value_two(c, settings);
    case kind::end_stream_on_connect:
        co_return co_await end_stream_on_connect(c, settings);
    case kind::orderly_close:
        co_return co_await orderly_close(c, settings);
    case kind::cancel_mid_message:
        co_return co_await cancel_mid_message(c, settings);
    case kind::interleaved_streams:
        co_return co_await interleaved(c, settings, 8, 0);
    case kind::streams_and_requests:
        co_return co_await interleaved(c, settings, 4, 4);
    case kind::sequential_streams:
        co_return co_await sequential_streams(c, settings);
    case kind::larger_than_peer_window:
        co_return co_await large_echo(c, settings, std::nullopt, 0);
    case kind::small_own_window: {
        auto ours = settings.http2->settings();
        ours.initial_window_size = 4096;
        co_return co_await large_echo(c, settings, ours, 256 * 1024);
    }
    case kind::many_streams:
        co_return co_await many_streams(c, settings);
    case kind::past_stream_limit:
        co_return co_await past_stream_limit(c, settings);
    default:
        co_return co_await refused_request(c, check.what, settings);
    }
}

} // namespace wsconform::runner
