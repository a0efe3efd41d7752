#include "harness/runner/session.hpp"

#include "harness/protocol/connection.hpp"
#include "harness/runner/case_socket.hpp"
#include "harness/runner/client_source.hpp"
#include "harness/runner/echo_stream_driver.hpp"
#include "harness/runner/frame_log.hpp"
#include "harness/runner/opening_handshake.hpp"
#include "harness/runner/peer_events.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace wsconform::runner {

namespace asio = boost::asio;
using codec::byte_view;
using codec::bytes;
using codec::frame;

namespace {

/// Drives one case's connection once its opening handshake is through: the read loop into the
/// protocol core, the core's output (bytes, events, its closing deadline) onto the socket and
/// timers, the case's script, and what it all showed turned into `session_facts`. Lives in a
/// shared_ptr so the read loop and the timers' handlers can outlive any one of them; everything
/// runs on one executor, so no locks.
class connection_driver : public std::enable_shared_from_this<connection_driver> {
  public:
    /// Testing a server: we connect to `s.url`. Testing a client: `client` is its connection.
    connection_driver(asio::any_io_executor ex, const case_def& c, const session_settings& s,
                      std::optional<accepted_connection> client = std::nullopt)
        : ex_(ex), def_(c), settings_(s), client_(std::move(client)),
          side_(client_ ? protocol::role::server : protocol::role::client),
          record_(c.record.within(s.record_share_bytes)),
          socket_(std::make_shared<case_socket>(ex, s.tls, record_.wire_bytes)),
          log_(record_, socket_->recorder(), result_),
          events_(c, receive_limit(c, s.max_payload), result_, facts_), done_(ex), fail_timer_(ex),
          close_timer_(ex), closing_timer_(ex), deadline_(ex), pause_timer_(ex) {
        done_.expires_at(asio::steady_timer::time_point::max());
        if (c.slow_after)
            facts_.slow_after = s.case_timers.scaled(*c.slow_after);
        facts_.we_are_server = side_ == protocol::role::server;
    }

    asio::awaitable<case_result> run() {
        result_.started_at = iso_now();
        // Not a conditional expression: GCC 12 mis-compiles co_await in the arms of ?:.
        if (client_) {
            client_waited_us_ = client_->waited_us;
            result_.client_start_us = client_->since_start_us;
            opened_ = co_await accept_websocket(def_, socket_, std::move(*client_), result_);
        } else
            opened_ = co_await open_websocket(def_, settings_, socket_, log_, keys_, result_);
        if (opened_.how != opening::end::open) {
            facts_.decided_at_handshake = opened_.how == opening::end::decided;
            arrive_at_gate();
            finish_verdicts();
            co_return std::move(result_);
        }
        start_protocol();
        opened_at_ = socket_->recorder().now_us();
        result_.handshake_ok = true;
        result_.handshake_us = opened_at_ + client_waited_us_;

        deadline_.expires_after(to_steady(case_backstop(def_, settings_)));
        deadline_.async_wait([self = shared_from_this()](auto ec) {
            if (!ec && !self->socket_->closed()) {
                self->note("case deadline reached; dropping the connection");
                self->result_.timeout_decided(case_backstop(self->def_, self->settings_));
                self->drop();
            }
        });
        asio::co_spawn(ex_, read_loop(shared_from_this()), asio::detached);
        receive(std::exchange(opened_.early, {})); // frames that came with the response
        co_await run_script();
        if (!socket_->closed()) {
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
    void note(std::string text) { result_.notes.push_back(std::move(text)); }

    /// The WebSocket is open: TCP is up and the core has not begun closing.
    bool is_open() const {
        return core_ && !socket_->closed() && core_->state() == protocol::state::open;
    }

    /// Counts this connection in at its crowd's gate (once), if it belongs to one.
    void arrive_at_gate() {
        if (settings_.gate && !std::exchange(arrived_at_gate_, true))
            settings_.gate->arrive();
    }

    // --- sending -------------------------------------------------------------------------

    /// A frame of the script through the protocol core: masked with a fresh key unless it has
    /// its own key or must go unmasked.
    bytes scripted(const frame& f, bool unmasked) {
        core_->send_frame(f, f.masked || unmasked);
        auto out = core_->data_to_send();
        after();
        return out;
    }

    void write_pieces(std::vector<bytes> per_frame, const write_plan& plan) {
        if (!plan.write_per_frame && plan.chop == 0) {
            bytes all;
            for (auto& b : per_frame)
                all.insert(all.end(), b.begin(), b.end());
            socket_->enqueue(std::move(all));
            return;
        }
        for (auto& b : per_frame) {
            for (auto piece : codec::chop(b, plan.chop))
                socket_->enqueue(bytes(piece.begin(), piece.end()));
        }
    }

    /// Sends a Close frame once (RFC 6455 §5.5.1); the first Close decides who closed.
    void send_close(codec::close_code code, std::string_view reason = {}) {
        send_close_body(codec::close_frame(code, reason).payload);
    }

    void send_close_body(bytes body) {
        if (socket_->closed())
            return;
        core_->send_close_body(std::move(body));
        after();
    }

    /// Drops TCP now (a timer, a flood).
    void drop() {
        if (socket_->closed())
            return;
        core_->drop();
        after();
    }

    void mark_closed() {
        if (socket_->closed())
            return;
        // A server at the end of the closing handshake closes TCP after its Close reply is out;
        // every other close (a timeout, a drop, the peer's) is at once.
        if (side_ == protocol::role::server && core_ && core_->close_sent() &&
            core_->close_received())
            socket_->close_after_sending();
        else
            socket_->close();
        closed_at_ = socket_->recorder().now_us();
        cancel_timers();
        done_.cancel();
    }

    void cancel_timers() {
        fail_timer_.cancel();
        close_timer_.cancel();
        closing_timer_.cancel();
        deadline_.cancel();
        pause_timer_.cancel(); // the script stops as soon as the connection is gone
        if (stream_)
            stream_->wake();
    }

    // --- the script ----------------------------------------------------------------------

    asio::awaitable<void> run_script() {
        bool skip = opened_.first_step_sent; // already went out with the opening handshake
        for (const auto& s : def_.script) {
            if (socket_->closed())
                co_return;
            if (std::exchange(skip, false))
                continue;
            if (auto* frames = std::get_if<send_frames>(&s)) {
                std::vector<bytes> per_frame;
                for (const frame& f : frames->frames)
                    per_frame.push_back(scripted(f, frames->send_unmasked));
                write_pieces(std::move(per_frame), frames->plan);
            } else if (auto* raw = std::get_if<send_raw>(&s)) {
                const bool as_client = side_ == protocol::role::client;
                if (raw->logged_as) {
                    auto logged = *raw->logged_as;
                    logged.masked = logged.masked && as_client;
                    log_.add(true, logged);
                }
                write_pieces({raw_bytes(*raw, as_client)}, raw->plan);
            } else if (auto* p = std::get_if<pause>(&s)) {
                pause_timer_.expires_after(settings_.case_timers.steady(p->duration));
                auto [ec] = co_await pause_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
                (void)ec;
                // Autobahn continues only while the connection is still open.
                if (!is_open())
                    co_return;
                if (!p->marker.empty())
                    events_.keep(timeout_marker(p->marker));
            } else if (std::holds_alternative<wait_for_crowd>(s)) {
                arrive_at_gate();
                if (settings_.gate)
                    co_await settings_.gate->wait();
                if (!is_open())
                    co_return;
            } else if (auto* c = std::get_if<start_close>(&s)) {
                send_close_body(c->body);
            } else if (auto* k = std::get_if<fail_after>(&s)) {
                arm_fail_after(*k);
            } else if (auto* ca = std::get_if<close_after>(&s)) {
                const auto after = settings_.case_timers.scaled(ca->after);
                // The peer's time to answer starts once what we sent is out: on a loaded
                // machine a frame written one octet per write can take seconds (2.6). Waiting
                // at most as long again keeps a peer that stopped reading from holding it.
                co_await sent_within(to_steady(after));
                if (socket_->closed())
                    co_return;
                close_timer_.expires_after(to_steady(after));
                close_timer_.async_wait([self = shared_from_this(), after](auto ec) {
                    if (!ec && !self->socket_->closed() && !self->core_->close_sent()) {
                        self->facts_.timer_fired = after;
                        self->send_close_body({});
                    }
                });
            } else if (auto* es = std::get_if<echo_stream>(&s)) {
                auto& stream =
                    stream_.emplace(ex_, *es,
                                    echo_stream_driver::connection{
                                        .socket = *socket_,
                                        .core = *core_,
                                        .log = log_,
                                        .keys = side_ == protocol::role::client ? &keys_ : nullptr,
                                        .deflate = opened_.deflate,
                                        .deflate_offer = opened_.deflate_offer,
                                        .compressed_messages = settings_.compressed_messages.get(),
                                    });
                co_await stream.run();
                // Done, or the echo was wrong: the tester ends the case (Autobahn closes
                // either way).
                if (is_open())
                    send_close(codec::close_codes::normal);
            }
        }
    }

    /// Returns once every queued write is out, or after `limit`.
    asio::awaitable<void> sent_within(std::chrono::steady_clock::duration limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        asio::steady_timer poll(ex_);
        while (socket_->has_queued() && !socket_->closed() &&
               std::chrono::steady_clock::now() < until) {
            poll.expires_after(std::chrono::milliseconds(10));
            co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    /// The peer must end the case within `k.after`; if not, we fail the connection (or drop
    /// TCP: the peer is inside a frame we declared, where a Close would be payload).
    void arm_fail_after(const fail_after& k) {
        const auto after = settings_.case_timers.scaled(k.after);
        fail_timer_.expires_after(to_steady(after));
        fail_timer_.async_wait([self = shared_from_this(), after, drop = k.drop](auto ec) {
            if (ec || self->socket_->closed())
                return;
            // Both Close frames are through and we hold TCP open on purpose: what the client
            // does with it is timed by that hold, not by this timer.
            if (self->def_.server_keeps_tcp_open && self->core_->close_sent() &&
                self->core_->close_received())
                return;
            self->facts_.timer_fired = after;
            self->result_.failed_by_me = true;
            if (drop) {
                self->note("the peer did not end the case in time; dropping TCP");
                if (!self->core_->close_received())
                    self->result_.closed_by_me = true;
                self->facts_.dropped_on_purpose = true;
                self->drop();
                return;
            }
            self->note("the peer did not end the case in time; failing the connection");
            if (self->is_open())
                self->send_close(codec::close_codes::going_away, "Going Away");
            else
                self->drop(); // already closing: Autobahn drops TCP
        });
    }

    // --- the protocol core ---------------------------------------------------------------

    /// The connection's protocol core, once the opening handshake is through, in our role,
    /// Autobahn's way (a Close is answered with 1000; a compressed message we cannot inflate
    /// within our limit is kept as it came).
    void start_protocol() {
        protocol::connection_options o;
        o.side = side_;
        o.max_frame = receive_limit(def_, settings_.max_payload);
        o.max_message = o.max_frame;
        o.deflate = opened_.deflate;
        if (opened_.deflate)
            o.deflate_offer = opened_.deflate_offer;
        o.close_timeout = to_ms(settings_.close_handshake_timeout);
        o.tcp_close_timeout = to_ms(settings_.server_drop_timeout);
        o.close_reply_code = codec::close_codes::normal;
        if (side_ == protocol::role::server && def_.server_keeps_tcp_open)
            o.server_keeps_tcp_open =
                to_ms(settings_.case_timers.scaled(*def_.server_keeps_tcp_open));
        o.keep_uninflatable = true;
        o.on_frame_received = [this](const codec::frame_view& v) { log_.add(false, v); };
        o.on_frame_sent = [this](const frame& f) { log_.add(true, f); };
        core_.emplace(std::move(o));
    }

    /// Bytes from the peer, through the core.
    void receive(byte_view data) {
        if (!core_ || socket_->closed() || data.empty())
            return;
        core_->receive_data(data);
        after();
    }

    /// After every call into the core: its events, its bytes to send, its deadline, and TCP
    /// closed when it asks. Events may call into the core again (our Close once the expected
    /// events are in): the loop runs until it has nothing more.
    void after() {
        for (;;) {
            auto events = core_->events_received();
            if (events.empty())
                break;
            for (auto& e : events)
                on_protocol_event(e);
        }
        socket_->enqueue(core_->data_to_send());
        // Who closed, failed and dropped: the core's account, and the timers' of ours.
        result_.closed_by_me = result_.closed_by_me || core_->closed_by_us();
        result_.failed_by_me = result_.failed_by_me || core_->failed_by_us();
        result_.dropped_by_me = result_.dropped_by_me || core_->dropped_by_us();
        if (core_->local_close_code())
            result_.local_close_code = core_->local_close_code();
        if (auto d = core_->pending_deadline(); d && d->serial != armed_deadline_)
            arm(*d);
        else if (!d)
            closing_timer_.cancel();
        if (core_->close_requested())
            mark_closed();
        if (stream_ && !is_open())
            stream_->wake(); // it stops sending once the closing handshake began
    }

    /// A closing deadline of the core, on a real timer.
    void arm(const protocol::deadline& d) {
        armed_deadline_ = d.serial;
        closing_timer_.expires_after(d.after);
        closing_timer_.async_wait([self = shared_from_this(), d](auto ec) {
            if (ec || self->socket_->closed())
                return;
            self->note(d.what == protocol::deadline_kind::close_reply
                           ? "no Close reply within the closing-handshake timeout; dropping TCP"
                           : "server did not drop the TCP connection within the timeout");
            self->core_->deadline_passed(d.serial);
            self->after();
        });
    }

    void on_protocol_event(protocol::event& e) {
        if (stream_) {
            if (e.what == protocol::event::kind::message_chunk) {
                if (auto echoed = stream_->on_chunk(e))
                    events_.keep(std::move(*echoed));
                return;
            }
            if (e.what == protocol::event::kind::violation)
                stream_->on_violation(e.problem);
        }
        if (events_.take(e))
            finish_when_done();
    }

    /// Autobahn's finishWhenDone: once the observed events equal every expected list, start
    /// the closing handshake with the first allowed code.
    void finish_when_done() {
        if (!events_.expectation_met())
            return;
        if (!facts_.expected_met_us)
            facts_.expected_met_us = socket_->recorder().now_us() - opened_at_;
        if (def_.close.closed_by_me && !def_.suppress_auto_close && is_open())
            send_close(def_.close.codes.empty() ? codec::close_codes::normal
                                                : def_.close.codes.front());
    }

    // --- receiving -----------------------------------------------------------------------

    static asio::awaitable<void> read_loop(std::shared_ptr<connection_driver> self) {
        std::vector<codec::byte> buf(64 * 1024);
        std::uint64_t total = 0;
        auto& transport = self->socket_->transport();
        for (;;) {
            auto [ec, n] = co_await transport.read_some(buf);
            if (n > 0 && !self->socket_->closed()) {
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
                if (!self->socket_->closed()) {
                    if (ec != asio::error::eof)
                        self->note("connection ended: " + ec.message());
                    self->core_->receive_eof();
                    self->mark_closed();
                    self->after();
                }
                co_return;
            }
        }
    }

    // --- verdicts --------------------------------------------------------------------------

    /// How long the closing timer that fired had waited, if one did.
    std::optional<seconds> closing_timer_fired() const {
        if (core_ && core_->close_timed_out())
            return settings_.close_handshake_timeout;
        if (core_ && core_->tcp_close_timed_out() && side_ == protocol::role::server)
            return settings_.case_timers.scaled(def_.server_keeps_tcp_open.value_or(seconds(0)));
        if (core_ && core_->tcp_close_timed_out())
            return settings_.server_drop_timeout;
        return std::nullopt;
    }

    /// The facts of this connection, for the judge.
    void finish_verdicts() {
        result_.chunks = socket_->recorder().chunks();
        result_.stream_ends = socket_->recorder().ends();
        events_.count_into_metrics();
        if (core_) {
            facts_.close_sent = core_->close_sent();
            facts_.close_received = core_->close_received();
            facts_.tcp_close_timed_out = core_->tcp_close_timed_out();
            facts_.closing_timer_fired = closing_timer_fired();
        }
        facts_.stream_ending = socket_->transport().tunnel_end();
        facts_.over_http2 = settings_.http2 != nullptr;
        // Or, before the stream was adopted, lost while the extended CONNECT awaited its
        // answer (open_websocket_h2 said so): that must stand too.
        result_.shared_connection_lost =
            result_.shared_connection_lost || socket_->transport().carrier_lost();
        if (stream_)
            facts_.stream = stream_->figures();
        judge_connection(def_, facts_, result_);
    }

    asio::any_io_executor ex_;
    const case_def& def_;
    const session_settings& settings_;
    std::optional<accepted_connection> client_; ///< testing a client: its connection, until taken
    protocol::role side_;                       ///< ours
    case_result result_;                        ///< the record being made
    session_facts facts_;                       ///< what the judge reads beyond the record
    record_limits record_; ///< the case's, within its share of the run's record budget
    std::shared_ptr<case_socket> socket_;
    frame_log log_;
    peer_events events_;
    codec::mask_source keys_; ///< for frames sent before the core exists, and echo streams'
    opening opened_;          ///< what the opening handshake agreed
    /// The protocol core, once the opening handshake is through.
    std::optional<protocol::connection> core_;
    /// An echo_stream step's driver; once set, data frames are checked as they arrive
    /// instead of being assembled into messages.
    std::optional<echo_stream_driver> stream_;
    asio::steady_timer done_; ///< cancelled when TCP is closed: the case is over
    asio::steady_timer fail_timer_, close_timer_; ///< the script's fail_after, close_after
    asio::steady_timer closing_timer_;            ///< the core's pending deadline
    asio::steady_timer deadline_;                 ///< the case's backstop
    asio::steady_timer pause_timer_;
    std::uint64_t armed_deadline_ = 0; ///< the serial of the core deadline closing_timer_ holds
    bool arrived_at_gate_ = false;
    std::int64_t opened_at_ = 0;
    std::int64_t client_waited_us_ = 0; ///< testing a client: from its start to its request
    std::int64_t closed_at_ = 0;
};

} // namespace

void session_settings::set_timeout_scale(double factor) {
    for (seconds* wait :
         {&connect_timeout, &open_handshake_timeout, &close_handshake_timeout, &server_drop_timeout,
          &case_deadline, &probe_timeout, &reconnect_wait, &slow_handshake})
        *wait *= factor;
    case_timers = clock_scale(factor);
}

seconds case_backstop(const case_def& c, const session_settings& settings) {
    seconds longest = settings.case_deadline;
    if (c.server_keeps_tcp_open)
        longest =
            std::max(longest, settings.case_timers.scaled(*c.server_keeps_tcp_open + seconds(10)));
    for (const auto& s : c.script) {
        if (const auto* k = std::get_if<fail_after>(&s))
            longest = std::max(longest, settings.case_timers.scaled(k->after + seconds(10)));
        else if (const auto* a = std::get_if<close_after>(&s))
            longest = std::max(longest, settings.case_timers.scaled(a->after + seconds(10)));
    }
    return longest;
}

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
    co_return co_await std::make_shared<connection_driver>(ex, c, settings)->run();
}

asio::awaitable<case_result> run_accepted(const case_def& c, const session_settings& settings,
                                          accepted_connection client) {
    auto ex = co_await asio::this_coro::executor;
    auto key = client.request.get("Sec-WebSocket-Key").value_or("");
    auto r =
        co_await std::make_shared<connection_driver>(ex, c, settings, std::move(client))->run();
    if (settings.client_keys) {
        const auto masks = received_mask_keys(r);
        std::optional<std::uint32_t> first;
        if (!masks.empty())
            first = masks.front();
        settings.client_keys->add(c.id, std::move(key), first);
        judge_across_run(c, *settings.client_keys, r);
    }
    co_return r;
}

} // namespace wsconform::runner
