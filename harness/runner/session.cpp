#include "harness/runner/session.hpp"

#include "harness/protocol/connection.hpp"

#include "harness/codec/decoder.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/codec/message.hpp"
#include "harness/runner/compression_cache.hpp"
#include "harness/runner/echo_stream.hpp"
#include "harness/runner/request.hpp"
#include "harness/runner/response_reader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <sstream>
#include <utility>

namespace wsconform::runner {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using codec::byte_view;
using codec::bytes;
using codec::frame;
using codec::opcode;

namespace {

/// The state of one case's connection. Lives in a shared_ptr so the reader, the writer and
/// the timers can outlive any one of them; everything runs on one executor, so no locks.
class case_session : public std::enable_shared_from_this<case_session> {
  public:
    case_session(asio::any_io_executor ex, const case_def& c, const session_settings& s)
        : ex_(ex), def_(c), settings_(s), recorder_(c.record.wire_bytes),
          transport_(ex, s.tls, &recorder_), done_(ex), kill_timer_(ex), close_after_timer_(ex),
          closing_timer_(ex), deadline_(ex), pause_timer_(ex), trickle_timer_(ex), stream_wake_(ex),
          socket_free_(ex) {
        done_.expires_at(asio::steady_timer::time_point::max());
        for (const auto& exp : def_.expected)
            longest_expected_ = std::max(longest_expected_, exp.events.size());
    }

    asio::awaitable<case_result> run() {
        result_.started_at = iso_now();
        if (!co_await open()) {
            arrive_at_gate();
            finish_verdicts();
            co_return std::move(result_);
        }
        state_ = state::open;
        start_protocol();
        opened_at_ = recorder_.now_us();
        result_.handshake_ok = true;
        result_.handshake_us = opened_at_;

        deadline_.expires_after(scaled(backstop()));
        deadline_.async_wait([self = shared_from_this()](auto ec) {
            if (!ec && !self->tcp_closed_) {
                self->note("case deadline reached; dropping the connection");
                self->drop();
            }
        });
        asio::co_spawn(ex_, read_loop(shared_from_this()), asio::detached);
        receive(std::exchange(early_, {})); // frames that came with the handshake response
        co_await run_script();
        if (!tcp_closed_) {
            auto [ec] = co_await done_.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
        arrive_at_gate();
        cancel_timers();
        result_.duration_ms = (closed_at_ - opened_at_) / 1000;
        finish_verdicts();
        co_return std::move(result_);
    }

  private:
    enum class state { connecting, open, closing, closed };

    struct stream_state {
        explicit stream_state(const echo_stream& s)
            : step(s),
              payload(s.source ? s.source : std::make_shared<const pattern_payload>(s.pattern)) {
            fig.step = &s;
        }
        const echo_stream& step;
        std::shared_ptr<const pattern_payload> payload;
        stream_figures fig;               ///< what the judge reads
        std::optional<echo_checker> echo; ///< the echo now awaited
        std::int64_t message_at_us = 0;   ///< the current message began
        // permessage-deflate (compress): our compressor and the message being sent in both
        // forms (the echoes inflate in the protocol core).
        std::optional<codec::deflater> deflater;
        bytes plain;
        std::shared_ptr<const bytes> compressed;
    };

    std::chrono::steady_clock::duration scaled(seconds s) const {
        return settings_.timing.steady(s);
    }

    void note(std::string text) { result_.notes.push_back(std::move(text)); }

    /// The case deadline: the run's backstop, or longer when the case's own timers are (9.x
    /// waits up to 1000 s for an echo).
    seconds backstop() const {
        seconds longest = settings_.case_deadline;
        for (const auto& s : def_.script) {
            if (const auto* k = std::get_if<fail_after>(&s))
                longest = std::max(longest, k->after + seconds(10));
            else if (const auto* c = std::get_if<close_after>(&s))
                longest = std::max(longest, c->after + seconds(10));
        }
        return longest;
    }

    // Opening handshake (RFC 6455 §4.1). Returns true when the WebSocket is open and the
    // script should run; otherwise the case is decided here.
    asio::awaitable<bool> open() {
        if (def_.needs_credentials &&
            std::none_of(settings_.extra_headers.begin(), settings_.extra_headers.end(),
                         [](const codec::header_field& h) { return is_credential(h.name); })) {
            decide_handshake(verdict::informational,
                             "not checked: give the credentials your server requires with "
                             "--header 'Cookie: ...' or --header 'Authorization: ...'");
            co_return false;
        }
        if (def_.request.plaintext_to_tls_port && !settings_.url.tls) {
            decide_handshake(verdict::informational, "not checked: the target is not a wss:// URL");
            co_return false;
        }
        if (def_.needs_allowed_origin && settings_.allowed_origin.empty()) {
            decide_handshake(verdict::informational,
                             "not checked: run with --allowed-origin ORIGIN (the origin the "
                             "server serves) to check its origin policy");
            co_return false;
        }
        auto ms = settings_.timing.ms(settings_.connect_timeout);
        auto url = settings_.url;
        if (def_.request.plaintext_to_tls_port)
            url.tls = false; // same host and port, no TLS
        if (auto ec = co_await transport_.connect(url, ms)) {
            result_.connect_error = ec;
            result_.result = "could not connect to " + settings_.url.text + ": " + ec.message();
            result_.result_close = "the opening handshake was never completed";
            co_return false;
        }
        const auto& plan = def_.request;
        auto key = codec::make_key();
        auto request = build_request(plan, settings_.url, key, settings_.extra_headers,
                                     settings_.allowed_origin);
        auto offer = offer_of(request);
        result_.request = request.serialize();
        bytes wire = codec::to_bytes(result_.request);
        if (plan.first_step_with_request && !def_.script.empty()) {
            if (const auto* first = std::get_if<send_frames>(&def_.script.front())) {
                for (const frame& f : first->frames) {
                    auto b = outgoing(f, first->send_unmasked);
                    wire.insert(wire.end(), b.begin(), b.end());
                }
                first_step_sent_ = true;
            }
        }
        // A server may answer (431, 400) and close before the whole request is written: on a
        // write error, still read what it sent.
        std::string write_error;
        const bool trickling = plan.trickle_interval > seconds(0);
        const auto connected_at = std::chrono::steady_clock::now();
        if (trickling) {
            // Slow handshake: the writer trickles while we read, so we see the moment the
            // server gives up on us.
            request_octets_ = wire.size();
            asio::co_spawn(ex_, trickle_request(shared_from_this(), std::move(wire)),
                           asio::detached);
        } else {
            for (auto piece : codec::chop(wire, plan.plan.chop)) {
                if (auto ec = co_await transport_.write(piece)) {
                    write_error = "could not send the whole opening handshake: " + ec.message();
                    break;
                }
            }
        }

        asio::steady_timer timer(
            ex_, scaled(trickling ? plan.trickle_limit : settings_.open_handshake_timeout));
        bool timed_out = false;
        timer.async_wait([&, self = shared_from_this()](auto ec) {
            if (!ec) {
                timed_out = true;
                transport_.close();
            }
        });
        auto reading = co_await read_response(transport_);
        const std::string& data = reading.data;
        const codec::upgrade_response& response = reading.response;
        std::string ended; // why no complete response arrived
        if (reading.what == response_reading::outcome::malformed)
            ended = "malformed HTTP response to the opening handshake: " + reading.parse_error;
        else if (reading.what == response_reading::outcome::ended)
            ended = timed_out              ? "no opening handshake response within the timeout"
                    : !write_error.empty() ? write_error
                                           : "connection ended during the opening handshake: " +
                                                 reading.error.message();
        timer.cancel();
        std::string held; // for slow handshakes: how long the server kept us
        if (trickling) {
            stop_trickle();
            auto held_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - connected_at)
                               .count();
            result_.metrics["held_ms"] = static_cast<double>(held_ms);
            result_.metrics["request_octets_sent"] = static_cast<double>(trickled_octets_);
            held = " after " + format_seconds(std::chrono::milliseconds(held_ms)) + " (" +
                   std::to_string(trickled_octets_) + " of " + std::to_string(request_octets_) +
                   " request octets sent)";
            if (timed_out) {
                transport_.close();
                decide_handshake(verdict::informational,
                                 "the server still held the slow handshake open" + held +
                                     ": no handshake timeout at or below that (slow-loris "
                                     "exposure, RFC 6455 10.4)");
                co_return false;
            }
        }
        result_.response = data.substr(0, ended.empty() ? response.header_bytes : 4096);
        if (!ended.empty()) {
            transport_.close();
            if (trickling && data.empty()) {
                decide_handshake(verdict::ok, "the server closed the slow handshake" + held);
                co_return false;
            }
            // A server that must refuse may also just close the connection: refused, though
            // without the HTTP error response §4.2.1 asks for.
            if (def_.handshake.what == handshake_expectation::rule::may_refuse && !timed_out) {
                decide_handshake(verdict::ok, "refused by closing the connection (" + ended + ")");
                co_return false;
            }
            if (def_.handshake.what != handshake_expectation::rule::must_upgrade && !timed_out &&
                data.empty()) {
                decide_handshake(verdict::non_strict,
                                 "the server closed the connection without an HTTP error "
                                 "response (RFC 6455 4.2.1 asks for one, such as 400)");
                co_return false;
            }
            result_.result = ended;
            result_.result_close = "the opening handshake was never completed";
            co_return false;
        }
        if (def_.handshake.what != handshake_expectation::rule::must_upgrade &&
            response.status != 101) {
            judge_refusal(def_, response, result_);
            handshake_decided_ = true;
            result_.result_close = "no WebSocket connection was to be opened";
            result_.result += held;
            transport_.close();
            co_return false;
        }
        auto problems = codec::check_response(response, offer);
        if (def_.handshake.what == handshake_expectation::rule::must_refuse &&
            !def_.handshake.acceptance_note.empty() && problems.empty()) {
            decide_handshake(verdict::informational,
                             "accepted (101): " + def_.handshake.acceptance_note);
            transport_.close();
            co_return false;
        }
        if (def_.handshake.what == handshake_expectation::rule::must_refuse)
            problems.insert(problems.begin(),
                            {"the server accepted (101) a request it must refuse", def_.rfc});
        if (def_.handshake.what == handshake_expectation::rule::must_not_negotiate) {
            for (const auto& name : codec::extension_names(response.headers))
                if (codec::iequals(name, def_.handshake.extension))
                    problems.push_back(
                        {"the server accepted the malformed " + def_.handshake.extension + " offer",
                         def_.rfc});
        }
        if (def_.handshake.what == handshake_expectation::rule::must_upgrade && problems.empty()) {
            // RFC 7692 §7.1: a selected permessage-deflate must answer one of the offers.
            auto offers = codec::parse_deflate_offers(request.list("Sec-WebSocket-Extensions"));
            auto negotiated = codec::negotiate_deflate(response.headers, offers, offer.extensions);
            if (negotiated.error) {
                problems.push_back(
                    {"invalid permessage-deflate response: " + negotiated.detail,
                     std::string(codec::rfc_reference(
                         static_cast<codec::deflate_error>(negotiated.error.value())))});
            } else if (negotiated.agreed) {
                deflate_ = *negotiated.agreed;
                deflate_offer_ = negotiated.offer;
            }
        }
        if (const auto& needed = def_.handshake.requires_extension;
            problems.empty() && !needed.empty()) {
            auto selected = codec::extension_names(response.headers);
            if (std::none_of(selected.begin(), selected.end(), [&](const std::string& name) {
                    return codec::iequals(name, needed);
                })) {
                decide_handshake(verdict::unimplemented, "the server did not negotiate " + needed +
                                                             ", which this case needs");
                transport_.close();
                co_return false;
            }
        }
        if (problems.empty() && def_.handshake.requires_client_context_takeover && deflate_ &&
            deflate_->client_no_context_takeover) {
            decide_handshake(verdict::unimplemented,
                             "the server forbids our context takeover "
                             "(client_no_context_takeover), which this case needs");
            transport_.close();
            co_return false;
        }
        if (!problems.empty()) {
            std::string why = "opening handshake refused or invalid:";
            for (const auto& p : problems)
                why += " " + p.what + " (" +
                       (p.section.starts_with("RFC") ? p.section : "RFC 6455 " + p.section) + ");";
            why.pop_back();
            result_.result = why;
            result_.result_close = "the opening handshake was never completed";
            transport_.close();
            co_return false;
        }
        auto rest = std::string_view(data).substr(response.header_bytes);
        early_.assign(rest.begin(), rest.end()); // frames that came with the response
        co_return true;
    }

    /// Writes the request one piece per interval until it is all out, the server has
    /// answered or closed (stop_trickle), or the case's limit is reached.
    static asio::awaitable<void> trickle_request(std::shared_ptr<case_session> self, bytes wire) {
        // Copied: this coroutine may outlive the case (the session object lives on, the case
        // definition need not).
        const auto interval = self->scaled(self->def_.request.trickle_interval);
        const auto chop = std::max<std::size_t>(1, self->def_.request.plan.chop);
        for (auto piece : codec::chop(wire, chop)) {
            if (self->trickle_stopped_)
                co_return;
            if (auto ec = co_await self->transport_.write(piece))
                co_return;
            self->trickled_octets_ += piece.size();
            self->trickle_timer_.expires_after(interval);
            auto [ec] =
                co_await self->trickle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
    }

    void stop_trickle() {
        trickle_stopped_ = true;
        trickle_timer_.cancel();
    }

    /// Counts this connection in at its crowd's gate (once), if it belongs to one.
    void arrive_at_gate() {
        if (settings_.gate && !std::exchange(arrived_, true))
            settings_.gate->arrive();
    }

    void decide_handshake(verdict v, std::string why) {
        handshake_decided_ = true;
        decide(result_, v, std::move(why));
        result_.result_close = "no WebSocket connection was to be opened";
    }

    // --- sending -------------------------------------------------------------------------

    void enqueue(bytes data) {
        if (tcp_closed_ || data.empty())
            return;
        writes_.push_back(std::move(data));
        if (!writing_) {
            writing_ = true;
            asio::co_spawn(ex_, write_loop(shared_from_this()), asio::detached);
        }
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<case_session> self) {
        co_await self->send_queued();
        self->release_socket();
    }

    /// Writes what enqueue() queued, in order. False when a write failed: the rest is dropped.
    asio::awaitable<bool> send_queued() {
        while (!writes_.empty() && !tcp_closed_) {
            auto data = std::move(writes_.front());
            writes_.pop_front();
            if (co_await transport_.write(data)) {
                writes_.clear();
                co_return false;
            }
        }
        co_return true;
    }

    /// Waits until no writer holds the socket, then holds it (false: the TCP connection is
    /// gone). Writers are enqueue()'s write loop and write_message().
    asio::awaitable<bool> take_socket() {
        while (writing_ && !tcp_closed_) {
            socket_free_.expires_at(asio::steady_timer::time_point::max());
            auto [ec] = co_await socket_free_.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec; // cancelled by release_socket()
        }
        if (tcp_closed_)
            co_return false;
        writing_ = true;
        co_return true;
    }

    void release_socket() {
        writing_ = false;
        socket_free_.cancel();
    }

    /// Frames for the wire log: all of them up to a bound, so a flood cannot exhaust memory.
    /// `payload_length` is the real length when `f` carries only a cut of its payload.
    void log_frame(bool sent, const frame& f, std::optional<std::uint64_t> payload_length = {}) {
        const auto& limits = def_.record; // full bytes are in chunks, up to their budget
        if (result_.frames.size() < limits.frames) {
            result_.frames.push_back(
                {recorder_.now_us(), sent, f,
                 static_cast<std::size_t>(payload_length.value_or(f.payload.size()))});
            if (f.payload.size() > limits.frame_payload)
                result_.frames.back().value.payload.resize(limits.frame_payload);
        } else if (!frames_truncated_) {
            frames_truncated_ = true;
            note("frame log truncated after " + std::to_string(limits.frames) + " frames");
        }
    }

    /// A frame still in the decoder's buffer: only the logged cut of its payload is copied.
    void log_frame_view(bool sent, const codec::frame_view& v) {
        if (result_.frames.size() >= def_.record.frames) {
            log_frame(sent, frame{}); // notes the truncation once
            return;
        }
        frame f;
        f.fin = v.fin;
        f.rsv = v.rsv;
        f.op = v.op;
        f.masked = v.masked;
        f.key = v.key;
        f.form = v.form;
        auto cut = v.payload.first(std::min(v.payload.size(), def_.record.frame_payload));
        f.payload.assign(cut.begin(), cut.end());
        log_frame(sent, f, v.payload.size());
    }

    /// The wire bytes of a frame we send: masked with a fresh key unless it has its own key or
    /// must go unmasked (we are the client, §5.3), and logged.
    bytes outgoing(frame f, bool unmasked = false) {
        if (!f.masked && !unmasked)
            codec::mask(f, keys_);
        log_frame(true, f);
        return codec::encode(f);
    }

    /// A frame of the script through the protocol core: masked with a fresh key unless it has
    /// its own key or must go unmasked.
    bytes scripted(const frame& f, bool unmasked) {
        conn_->send_frame(f, f.masked || unmasked);
        auto out = conn_->data_to_send();
        after();
        return out;
    }

    void send_step(const send_frames& s) {
        std::vector<bytes> per_frame;
        for (const frame& f : s.frames)
            per_frame.push_back(scripted(f, s.send_unmasked));
        write_pieces(std::move(per_frame), s.plan);
    }

    void write_pieces(std::vector<bytes> per_frame, const write_plan& plan) {
        if (!plan.write_per_frame && plan.chop == 0) {
            bytes all;
            for (auto& b : per_frame)
                all.insert(all.end(), b.begin(), b.end());
            enqueue(std::move(all));
            return;
        }
        for (auto& b : per_frame) {
            for (auto piece : codec::chop(b, plan.chop))
                enqueue(bytes(piece.begin(), piece.end()));
        }
    }

    /// Sends a Close frame once (RFC 6455 §5.5.1); the first Close decides who closed.
    void send_close(codec::close_code code, std::string_view reason = {}) {
        send_close_body(codec::close_frame(code, reason).payload);
    }

    void send_close_body(bytes body) {
        if (tcp_closed_)
            return;
        conn_->send_close_body(std::move(body));
        after();
    }

    /// Fails the WebSocket connection (§7.1.7). Like Autobahn with failByDrop=false, by
    /// sending a Close first and dropping only if it goes unanswered.
    void fail_connection(codec::close_code code, std::string_view reason = {}) {
        if (tcp_closed_)
            return;
        result_.failed_by_me = true;
        conn_->fail(code, reason);
        after();
    }

    /// Drops TCP now (a timer, a flood).
    void drop() {
        if (tcp_closed_)
            return;
        if (conn_) {
            conn_->drop();
            after();
            return;
        }
        result_.dropped_by_me = true;
        transport_.close();
        mark_closed();
    }

    void mark_closed() {
        if (tcp_closed_)
            return;
        tcp_closed_ = true;
        state_ = state::closed;
        closed_at_ = recorder_.now_us();
        cancel_timers();
        done_.cancel();
    }

    void cancel_timers() {
        kill_timer_.cancel();
        close_after_timer_.cancel();
        closing_timer_.cancel();
        deadline_.cancel();
        pause_timer_.cancel(); // the script stops as soon as the connection is gone
        stream_wake_.cancel();
    }

    // --- the script ----------------------------------------------------------------------

    asio::awaitable<void> run_script() {
        bool skip = first_step_sent_; // already went out with the opening handshake
        for (const auto& s : def_.script) {
            if (tcp_closed_)
                co_return;
            if (std::exchange(skip, false))
                continue;
            if (auto* frames = std::get_if<send_frames>(&s)) {
                send_step(*frames);
            } else if (auto* raw = std::get_if<send_raw>(&s)) {
                if (raw->logged_as)
                    log_frame(true, *raw->logged_as);
                write_pieces({raw->data}, raw->plan);
            } else if (auto* p = std::get_if<pause>(&s)) {
                pause_timer_.expires_after(scaled(p->duration));
                auto [ec] = co_await pause_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
                (void)ec;
                // Autobahn continues only while the connection is still open.
                if (state_ != state::open)
                    co_return;
                if (!p->marker.empty())
                    keep(timeout_marker(p->marker));
            } else if (std::holds_alternative<wait_for_crowd>(s)) {
                arrive_at_gate();
                if (settings_.gate)
                    co_await settings_.gate->wait();
                if (state_ != state::open)
                    co_return;
            } else if (auto* c = std::get_if<start_close>(&s)) {
                send_close_body(c->body);
            } else if (auto* k = std::get_if<fail_after>(&s)) {
                kill_timer_.expires_after(scaled(k->after));
                kill_timer_.async_wait(
                    [self = shared_from_this(), after = k->after, drop = k->drop](auto ec) {
                        if (ec || self->tcp_closed_)
                            return;
                        self->timer_fired_ = after;
                        self->result_.failed_by_me = true;
                        if (drop) {
                            // The peer is inside a frame we declared: a Close would be payload.
                            self->note("the peer did not end the case in time; dropping TCP");
                            if (!self->conn_->close_received())
                                self->result_.closed_by_me = true;
                            self->dropped_on_purpose_ = true;
                            self->drop();
                            return;
                        }
                        self->note("the peer did not end the case in time; failing the connection");
                        if (self->state_ == state::open)
                            self->send_close(codec::close_codes::going_away, "Going Away");
                        else
                            self->drop(); // already closing: Autobahn drops TCP
                    });
            } else if (auto* ca = std::get_if<close_after>(&s)) {
                close_after_timer_.expires_after(scaled(ca->after));
                close_after_timer_.async_wait(
                    [self = shared_from_this(), after = ca->after](auto ec) {
                        if (!ec && !self->tcp_closed_ && !self->conn_->close_sent()) {
                            self->timer_fired_ = after;
                            self->send_close_body({});
                        }
                    });
            } else if (auto* es = std::get_if<echo_stream>(&s)) {
                co_await run_echo_stream(*es);
            }
        }
    }

    // --- streamed echoes (echo_stream) ------------------------------------------------------

    asio::awaitable<void> run_echo_stream(const echo_stream& step) {
        auto& s = stream_.emplace(step);
        // Echoes are checked as their frames arrive, never assembled.
        conn_->set_delivery(protocol::connection_options::delivery::chunks);
        if (deflate_)
            start_deflate(s);
        if (step.compress && !s.deflater)
            s.fig.problem = "permessage-deflate was not agreed, so nothing can be sent compressed";
        s.fig.started_us = recorder_.now_us();
        for (unsigned i = 0; i < step.count; ++i) {
            if (state_ != state::open || !s.fig.problem.empty())
                break;
            const std::uint64_t offset =
                step.consecutive ? std::uint64_t{i} * step.size % s.payload->period() : 0;
            s.echo.emplace(step.op == opcode::binary, *s.payload, step.size, offset);
            s.fig.sent = i + 1;
            s.message_at_us = recorder_.now_us();
            co_await write_message(step, offset);
            // Every waker cancels the timer; the condition is checked again before each wait.
            while (state_ == state::open && s.fig.problem.empty() && !s.echo->complete()) {
                stream_wake_.expires_at(asio::steady_timer::time_point::max());
                auto [ec] = co_await stream_wake_.async_wait(asio::as_tuple(asio::use_awaitable));
                (void)ec;
            }
        }
        // Done, or the echo was wrong: the tester ends the case (Autobahn closes either way).
        if (state_ == state::open)
            send_close(codec::close_codes::normal);
    }

    /// Our compressor with the agreed parameters (RFC 7692 §7.1), at zlib level 1: the server's
    /// side is what is under test, and 12.x/13.x push ~11 GB through zlib, so our speed sets
    /// much of the run's wall time. The echoes inflate in the protocol core.
    void start_deflate(stream_state& s) {
        auto send = codec::client_sending_config(*deflate_, deflate_offer_);
        s.deflater.emplace(codec::deflater_options{.window_bits = send.window_bits,
                                                   .context_takeover = send.context_takeover,
                                                   .level = 1});
    }

    /// Our compressed form of the message at `offset`. Without context takeover it depends
    /// on nothing but its bytes and our settings, so another case may have made it already.
    std::shared_ptr<const bytes> compressed_message(stream_state& s, std::uint64_t offset) {
        const auto& cache = settings_.compressed_messages;
        std::optional<compression_cache::key> key;
        if (cache && s.step.source && !s.deflater->options().context_takeover) {
            key = compression_cache::key{.source = s.step.source,
                                         .offset = offset,
                                         .size = s.step.size,
                                         .window_bits = s.deflater->window_bits(),
                                         .level = s.deflater->options().level};
            if (auto kept = cache->find(*key))
                return kept;
        }
        s.plain.resize(static_cast<std::size_t>(s.step.size));
        s.payload->fill(offset, s.plain);
        auto made = s.deflater->compress_message(s.plain);
        if (!key)
            return std::make_shared<const bytes>(std::move(made));
        made.shrink_to_fit(); // zlib's bound was reserved: kept, it would hold 4x the bytes
        auto kept = std::make_shared<const bytes>(std::move(made));
        cache->insert(std::move(*key), kept);
        return kept;
    }

    /// Writes one message of the step, generated piece by piece. The socket is ours meanwhile:
    /// control frames queued by enqueue() (pongs, our Close) go out between frames, never
    /// inside one, and once we are closing no further frame begins.
    asio::awaitable<void> write_message(const echo_stream& step, std::uint64_t offset) {
        if (!co_await take_socket())
            co_return;
        auto& s = *stream_;
        if (step.compress) {
            s.compressed = compressed_message(s, offset);
            s.fig.plain_sent += step.size;
            s.fig.compressed_sent += s.compressed->size();
        }
        message_wire wire =
            step.compress
                ? message_wire(step.op, *s.compressed, step.fragment, keys_, codec::rsv1_bit)
                : message_wire(step.op, *s.payload, step.size, step.fragment, keys_, offset);
        bytes buf(step.chop ? step.chop : 64 * 1024);
        std::size_t filled = 0;
        bool ok = true;
        auto queued_or_closing = [&] { return !writes_.empty() || state_ != state::open; };
        while (ok && !wire.done()) {
            if (wire.at_frame_start()) {
                if (filled > 0 && queued_or_closing()) {
                    ok = !co_await transport_.write(byte_view(buf).first(filled));
                    filled = 0;
                }
                ok = ok && co_await send_queued();
                if (!ok || state_ != state::open)
                    break;
                std::uint64_t length = 0;
                auto f = wire.start_frame(def_.record.frame_payload, length);
                log_frame(true, f, length);
            }
            filled += wire.next(std::span(buf).subspan(filled));
            // A chop is one write (Autobahn chopsize); otherwise fill the buffer first.
            if (filled == buf.size() || (step.chop && filled > 0) || wire.done()) {
                ok = !co_await transport_.write(byte_view(buf).first(filled));
                filled = 0;
            }
        }
        if (ok && filled > 0)
            ok = !co_await transport_.write(byte_view(buf).first(filled));
        if (ok)
            co_await send_queued();
        else
            writes_.clear();
        release_socket();
    }

    /// A piece of an echo (chunks delivery), checked as it comes: type, length, every byte.
    void on_echo_chunk(const protocol::event& e) {
        auto& s = *stream_;
        auto which = [&] {
            return s.step.count == 1 ? std::string()
                                     : "message " + std::to_string(s.fig.sent) + " of " +
                                           std::to_string(s.step.count) + ": ";
        };
        if (!s.echo || s.echo->complete()) {
            if (e.first && s.fig.problem.empty()) {
                s.fig.problem = "the peer sent a message that echoes nothing sent (after " +
                                std::to_string(s.fig.echoed) + " echoes)";
                stream_wake_.cancel();
            }
            return;
        }
        if (s.echo->failed())
            return; // already judged; the rest of it is of no interest
        if (e.compressed)
            s.fig.echo_payload_in += e.wire_payload;
        if (!s.echo->add(e.binary, e.first, e.last, e.payload)) {
            if (s.fig.problem.empty())
                s.fig.problem = which() + s.echo->problem();
            stream_wake_.cancel();
            return;
        }
        if (!s.echo->complete())
            return;
        if (e.compressed) {
            ++s.fig.compressed_echoes;
            s.fig.echo_inflated += s.echo->received();
        }
        auto now = recorder_.now_us();
        ++s.fig.echoed;
        s.fig.echoed_bytes += s.step.size;
        s.fig.last_echo_us = now;
        s.fig.rtt_ms.push_back(static_cast<double>(now - s.message_at_us) / 1000.0);
        event m;
        m.what = event::kind::message;
        m.binary = s.step.op == opcode::binary;
        m.streamed_length = s.step.size;
        keep(std::move(m));
        stream_wake_.cancel();
    }

    // --- the protocol core ---------------------------------------------------------------

    /// The connection's protocol core, once the opening handshake is through: we are the
    /// client, Autobahn's way (a Close is answered with 1000; a compressed message we cannot
    /// inflate within our limit is kept as it came).
    void start_protocol() {
        protocol::connection_options o;
        o.side = protocol::role::client;
        o.max_frame = settings_.max_payload;
        o.max_message = settings_.max_payload;
        o.deflate = deflate_;
        if (deflate_)
            o.deflate_offer = deflate_offer_;
        o.close_timeout = settings_.timing.ms(settings_.close_handshake_timeout);
        o.tcp_close_timeout = settings_.timing.ms(settings_.server_drop_timeout);
        o.close_reply_code = codec::close_codes::normal;
        o.keep_uninflatable = true;
        o.on_frame_received = [this](const codec::frame_view& v) { log_frame_view(false, v); };
        o.on_frame_sent = [this](const frame& f) { log_frame(true, f); };
        conn_.emplace(std::move(o));
    }

    /// Bytes from the peer, through the core.
    void receive(byte_view data) {
        if (!conn_ || tcp_closed_ || data.empty())
            return;
        conn_->receive_data(data);
        after();
    }

    /// After every call into the core: its events, its bytes to send, its deadline, and TCP
    /// closed when it asks. Events may call into the core again (our Close once the expected
    /// events are in): the loop runs until it has nothing more.
    void after() {
        for (;;) {
            auto events = conn_->events_received();
            if (events.empty())
                break;
            for (auto& e : events)
                on_protocol_event(e);
        }
        enqueue(conn_->data_to_send());
        // Who closed, failed and dropped: the core's account, and the timers' of ours.
        result_.closed_by_me = result_.closed_by_me || conn_->closed_by_us();
        result_.failed_by_me = result_.failed_by_me || conn_->failed_by_us();
        result_.dropped_by_me = result_.dropped_by_me || conn_->dropped_by_us();
        if (conn_->local_close_code())
            result_.local_close_code = conn_->local_close_code();
        if (auto d = conn_->pending_deadline(); d && d->serial != armed_deadline_)
            arm(*d);
        else if (!d)
            closing_timer_.cancel();
        if (conn_->close_requested() && !tcp_closed_) {
            transport_.close();
            mark_closed();
        }
        if (!tcp_closed_ && state_ == state::open && conn_->state() != protocol::state::open) {
            state_ = state::closing;
            stream_wake_.cancel();
        }
    }

    /// A closing deadline of the core, on a real timer.
    void arm(const protocol::deadline& d) {
        armed_deadline_ = d.serial;
        closing_timer_.expires_after(d.after);
        closing_timer_.async_wait([self = shared_from_this(), d](auto ec) {
            if (ec || self->tcp_closed_)
                return;
            self->note(d.what == protocol::deadline_kind::close_reply
                           ? "no Close reply within the closing-handshake timeout; dropping TCP"
                           : "server did not drop the TCP connection within the timeout");
            self->conn_->deadline_passed(d.serial);
            self->after();
        });
    }

    void on_protocol_event(protocol::event& e) {
        using kind = protocol::event::kind;
        switch (e.what) {
        case kind::message:
            if (e.kept_compressed)
                note("a compressed message inflates to more than " +
                     std::to_string(settings_.max_payload) + " bytes: kept compressed (" +
                     std::to_string(e.payload.size()) + " bytes)");
            on_event({.what = event::kind::message,
                      .binary = e.binary,
                      .payload = std::move(e.payload),
                      .tag = {},
                      .streamed_length = {}});
            return;
        case kind::message_chunk:
            if (stream_)
                on_echo_chunk(e);
            return;
        case kind::ping:
            // Like Autobahn, a Ping is not an event a case can expect. A peer that floods pings
            // gets its first ones noted and the rest counted.
            if (++pings_received_ <= pings_noted)
                note("peer sent a ping (" + std::to_string(e.payload.size()) + " bytes)");
            else if (pings_received_ == pings_noted + 1)
                note("more pings: counted in the metric pings_received, not noted");
            return;
        case kind::pong:
            on_event(pong(std::move(e.payload)));
            return;
        case kind::close:
            result_.remote_close_code = e.code;
            result_.remote_close_reason = e.reason;
            return;
        case kind::violation: {
            const auto& v = e.problem;
            auto what = "peer violated " + v.section + ": " + v.detail;
            if (violation_.empty())
                violation_ = what;
            if (v.error == codec::protocol_error::data_after_close)
                data_after_close_ = true;
            // A message's violation says where in the message; the others are located in the
            // stream.
            note(what.find(" offset ") != std::string::npos
                     ? what
                     : what + " (at stream offset " + std::to_string(v.offset) + ")");
            if (stream_ && stream_->fig.problem.empty() && v.section.starts_with("RFC 7692")) {
                stream_->fig.problem = "the echo breaks " + v.section + ": " + v.detail;
                stream_wake_.cancel();
            }
            return;
        }
        case kind::closed:
            return;
        }
    }

    // --- receiving -----------------------------------------------------------------------

    static asio::awaitable<void> read_loop(std::shared_ptr<case_session> self) {
        std::vector<codec::byte> buf(64 * 1024);
        std::uint64_t total = 0;
        for (;;) {
            auto [ec, n] = co_await self->transport_.read_some(buf);
            if (n > 0 && !self->tcp_closed_) {
                total += n;
                if (total > self->settings_.max_received) {
                    self->note("peer sent more than " +
                               std::to_string(self->settings_.max_received) +
                               " bytes in one case (flood); dropping the connection");
                    self->drop();
                    co_return;
                }
                self->receive(byte_view(buf).first(n));
            }
            if (ec) {
                if (!self->tcp_closed_) {
                    if (ec != asio::error::eof)
                        self->note("connection ended: " + ec.message());
                    self->transport_.close();
                    self->conn_->receive_eof();
                    self->mark_closed();
                    self->after();
                }
                co_return;
            }
        }
    }

    void on_event(event e) {
        keep(std::move(e));
        finish_when_done();
    }

    /// Records an event within bounds, whatever the peer sends: an event past the longest
    /// expected list cannot make a list match, so it keeps its length but not its payload
    /// (bar the first few small ones), and past that list by `extra_events_kept` it is only
    /// counted. The verdict is the same (the
    /// lists differ either way); a flooding peer costs a bounded record.
    void keep(event e) {
        static constexpr std::size_t extra_events_kept = 10000;
        const auto longest = longest_expected_;
        const auto n = result_.received.size();
        if (n >= longest + extra_events_kept) {
            if (++events_not_kept_ == 1)
                note("more than " + std::to_string(n) +
                     " events: the later ones are counted, not kept");
            return;
        }
        // The first few small ones keep theirs: a reason quotes them ("it answered with
        // [text 'Hello, world!']").
        const bool quoted = n < longest + 8 && e.payload.size() <= 1024;
        if (n >= longest && !quoted && !e.payload.empty() && !e.streamed_length) {
            e.streamed_length = e.payload.size();
            e.payload = codec::bytes(); // frees it (= {} would keep the capacity)
        }
        result_.received.push_back(std::move(e));
    }

    /// Autobahn's finishWhenDone: once the observed events equal every expected list, start
    /// the closing handshake with the first allowed code.
    void finish_when_done() {
        if (def_.expected.empty())
            return;
        for (const auto& exp : def_.expected)
            if (!matches(exp, result_.received))
                return;
        if (!expected_met_us_)
            expected_met_us_ = recorder_.now_us() - opened_at_;
        if (def_.close.closed_by_me && !def_.suppress_auto_close && state_ == state::open)
            send_close(def_.close.codes.empty() ? codec::close_codes::normal
                                                : def_.close.codes.front());
    }

    // --- verdicts --------------------------------------------------------------------------

    /// The facts of this connection, for the judge.
    void finish_verdicts() {
        result_.chunks = recorder_.chunks();
        if (events_not_kept_ > 0)
            result_.metrics["events_not_kept"] = static_cast<double>(events_not_kept_);
        if (pings_received_ > pings_noted)
            result_.metrics["pings_received"] = static_cast<double>(pings_received_);
        session_facts facts{.decided_at_handshake = handshake_decided_,
                            .close_sent = conn_ && conn_->close_sent(),
                            .close_received = conn_ && conn_->close_received(),
                            .tcp_close_timed_out = conn_ && conn_->tcp_close_timed_out(),
                            .dropped_on_purpose = dropped_on_purpose_,
                            .violation = violation_,
                            .data_after_close = data_after_close_,
                            .timer_fired = timer_fired_,
                            .expected_met_us = expected_met_us_,
                            .stream = std::nullopt,
                            .timing = settings_.timing};
        if (stream_) {
            facts.stream = stream_->fig;
            const auto& echo = stream_->echo;
            facts.stream->awaited_received =
                echo && !echo->complete() ? echo->received() : std::uint64_t{0};
        }
        judge_connection(def_, facts, result_);
    }

    asio::any_io_executor ex_;
    const case_def& def_;
    const session_settings& settings_;
    net::wire_recorder recorder_;
    net::transport transport_;
    asio::steady_timer done_;
    asio::steady_timer kill_timer_, close_after_timer_, closing_timer_, deadline_, pause_timer_,
        trickle_timer_;
    /// The protocol core, once the opening handshake is through; frames before that (sent
    /// with the request) are masked with keys_.
    std::optional<protocol::connection> conn_;
    bytes early_; ///< bytes that came with the handshake response, for the core
    std::uint64_t armed_deadline_ = 0; ///< the serial of the core deadline closing_timer_ holds
    codec::mask_source keys_;
    std::deque<bytes> writes_;
    bool writing_ = false;
    state state_ = state::connecting;
    bool tcp_closed_ = false;
    bool frames_truncated_ = false;
    bool first_step_sent_ = false;
    bool handshake_decided_ = false;  ///< a handshake case decided at the handshake
    bool dropped_on_purpose_ = false; ///< a fail_after timer with `drop` ended the case
    bool trickle_stopped_ = false;
    std::size_t trickled_octets_ = 0;
    std::size_t request_octets_ = 0;
    bool arrived_ = false;  ///< counted in at the crowd's gate
    std::string violation_; ///< the first RFC violation the peer made, for the verdict's reason
    bool data_after_close_ = false;     ///< the peer sent a data frame after its Close (§5.5.1)
    std::uint64_t events_not_kept_ = 0; ///< events past keep()'s bound
    std::size_t longest_expected_ = 0;  ///< the longest of the case's expected event lists
    static constexpr std::uint64_t pings_noted = 20;
    std::uint64_t pings_received_ = 0;
    std::int64_t opened_at_ = 0;
    std::int64_t closed_at_ = 0;
    std::optional<seconds> timer_fired_; ///< a fail_after / close_after timer ended the case
    /// When the observed events first met the expectation (µs after the opening handshake).
    std::optional<std::int64_t> expected_met_us_;
    /// The streamed echoes of an echo_stream step; once set, data frames are checked as they
    /// arrive instead of being assembled into messages.
    std::optional<stream_state> stream_;
    /// permessage-deflate as agreed in the opening handshake, and the offer it answered.
    std::optional<codec::deflate_params> deflate_;
    codec::deflate_params deflate_offer_;
    asio::steady_timer stream_wake_; ///< cancelled when an echo completes or the state changes
    asio::steady_timer socket_free_; ///< cancelled when a writer lets the socket go
    case_result result_;
};

} // namespace

crowd_gate::crowd_gate(asio::any_io_executor ex, std::size_t members)
    : waiting_for_(members), released_(ex) {
    released_.expires_at(asio::steady_timer::time_point::max());
}

void crowd_gate::arrive() {
    if (waiting_for_ > 0 && --waiting_for_ == 0)
        released_.cancel();
}

asio::awaitable<void> crowd_gate::wait() {
    if (waiting_for_ == 0)
        co_return;
    auto [ec] = co_await released_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec; // cancelled: released
}

asio::awaitable<case_result> run_connection(const case_def& c, const session_settings& settings) {
    auto ex = co_await asio::this_coro::executor;
    co_return co_await std::make_shared<case_session>(ex, c, settings)->run();
}

} // namespace wsconform::runner
