#include "harness/http2/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace wsconform::http2 {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using error_code = boost::system::error_code;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
/// A writer waits while more than this is queued on its stream and not yet taken by nghttp2
/// (the peer's flow-control window holds it back): a peer that stops reading stops the writer,
/// and memory stays bounded.
constexpr std::size_t write_high_water = 256 * 1024;

class stream_end_category_impl : public std::error_category {
  public:
    const char* name() const noexcept override { return "http2-stream"; }
    std::string message(int value) const override {
        const auto code = static_cast<std::uint32_t>(value & 0xfff);
        switch (static_cast<stream_end>(value & ~0xfff)) {
        case stream_end::reset_by_peer:
            return "the server reset the stream (RST_STREAM " + error_name(code) + ")";
        case stream_end::reset_by_us:
            return "the stream was reset for the server's protocol error (our RST_STREAM " +
                   error_name(code) + ")";
        case stream_end::goaway:
            return "the server sent GOAWAY (" + error_name(code) +
                   ") and closed the connection instead of ending the stream";
        case stream_end::connection_error:
            return "the HTTP/2 connection was ended for the server's protocol error (our GOAWAY " +
                   error_name(code) + ")";
        case stream_end::connection_lost:
            return "the HTTP/2 connection was lost";
        }
        return "the stream ended";
    }
};

} // namespace

const std::error_category& stream_end_category() {
    static const stream_end_category_impl category;
    return category;
}

error_code make_stream_end(stream_end kind, std::uint32_t code) {
    return error_code(std::error_code(static_cast<int>(kind) |
                                          static_cast<int>(std::min<std::uint32_t>(code, 0xfff)),
                                      stream_end_category()));
}

// --- stream ---------------------------------------------------------------------------------

stream::stream(std::shared_ptr<connection> owner, std::int32_t id)
    : owner_(std::move(owner)), id_(id), changed_(owner_->settled_.get_executor()) {
    // Never expires: waiters wait until wake() cancels their waits (cancel() leaves the expiry
    // as it is, so the next wait blocks again; re-arming would wake the other waiter).
    changed_.expires_at(asio::steady_timer::time_point::max());
}

void stream::wake() {
    changed_.cancel();
}

asio::awaitable<response> stream::await_response(std::chrono::steady_clock::duration timeout) {
    asio::steady_timer deadline(changed_.get_executor(), timeout);
    bool timed_out = false;
    deadline.async_wait([&timed_out, self = shared_from_this()](auto ec) {
        if (!ec) {
            timed_out = true;
            self->wake();
        }
    });
    while (!response_.received && !ended_ && !peer_ended_ && !timed_out) {
        co_await changed_.async_wait(nothrow);
    }
    deadline.cancel();
    if (!response_.received && !ended_ && peer_ended_)
        response_.ended = make_stream_end(stream_end::connection_lost);
    else if (!response_.received)
        response_.ended = ended_;
    co_return response_;
}

asio::awaitable<error_code> stream::write(codec::byte_view data) {
    if (closed_locally_ || we_ended_)
        co_return asio::error::shut_down;
    if (ended_)
        co_return ended_;
    auto& session = owner_->session_;
    session.send(id_, data);
    owner_->flush();
    while (!ended_ && !closed_locally_ && session.unsent(id_) > write_high_water) {
        co_await changed_.async_wait(nothrow);
    }
    if (closed_locally_)
        co_return asio::error::operation_aborted;
    if (ended_)
        co_return ended_;
    co_return error_code{};
}

asio::awaitable<std::pair<error_code, std::size_t>>
stream::read_some(std::span<codec::byte> buffer) {
    // Keep the stream (and its connection) alive while a read waits.
    auto self = shared_from_this();
    for (;;) {
        if (closed_locally_)
            co_return std::pair{error_code(asio::error::operation_aborted), std::size_t{0}};
        if (!inbox_.empty()) {
            const std::size_t n = std::min(buffer.size(), inbox_.size());
            std::copy_n(inbox_.begin(), n, buffer.begin());
            inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(n));
            owner_->session_.consume(id_, n);
            owner_->flush();
            co_return std::pair{error_code{}, n};
        }
        // RFC 8441 §5: END_STREAM is the orderly TCP close; a reset after it changes nothing.
        if (peer_ended_)
            co_return std::pair{error_code(asio::error::eof), std::size_t{0}};
        if (ended_)
            co_return std::pair{ended_, std::size_t{0}};
        co_await changed_.async_wait(nothrow);
    }
}

void stream::end_with(stream_end kind, std::uint32_t code) {
    ended_ = make_stream_end(kind, code);
    end_kind_ = kind;
    end_code_ = code;
}

std::string stream::abnormal_end() const {
    if (!ended_)
        return {};
    // After the peer's END_STREAM only a reset with an error code spoils the ending.
    if (peer_ended_ && (end_kind_ != stream_end::reset_by_peer || end_code_ == 0))
        return {};
    return ended_.message();
}

bool stream::carrier_lost() const {
    return ended_ &&
           (end_kind_ == stream_end::goaway || end_kind_ == stream_end::connection_error ||
            end_kind_ == stream_end::connection_lost);
}

void stream::shutdown_send() {
    if (we_ended_ || closed_locally_ || ended_)
        return;
    we_ended_ = true;
    owner_->session_.end(id_);
    owner_->flush();
}

void stream::close() {
    if (closed_locally_)
        return;
    closed_locally_ = true;
    if (!ended_) {
        // RFC 8441 §5: when the peer has ended its side, ending ours is the orderly close;
        // otherwise the stream is aborted, TCP's RST: RST_STREAM(CANCEL).
        if (peer_ended_ && !we_ended_)
            owner_->session_.end(id_);
        else if (!peer_ended_)
            owner_->session_.reset(id_, h2_error::cancel);
        owner_->flush();
    }
    // What the peer still sends is not read any more: give its window back.
    if (!inbox_.empty()) {
        owner_->session_.consume(id_, inbox_.size());
        inbox_.clear();
        owner_->flush();
    }
    wake();
}

// --- connection -----------------------------------------------------------------------------

connection::connection(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
                       const local_settings& settings)
    : transport_(ex, std::move(tls), nullptr), session_(settings), settled_(ex) {
    settled_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<std::pair<std::shared_ptr<connection>, std::string>>
connection::open(const net::target_url& url, std::shared_ptr<asio::ssl::context> tls,
                 const local_settings& settings, std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    auto self = std::make_shared<connection>(ex, std::move(tls), settings);
    const auto started = std::chrono::steady_clock::now();
    if (auto ec = co_await self->transport_.connect(url, timeout))
        co_return std::pair{nullptr, "could not connect to " + url.text + ": " + ec.message()};
    if (url.tls) {
        const auto peer = self->transport_.peer(url.host);
        if (!peer || peer->alpn != "h2") {
            self->transport_.close();
            co_return std::pair{
                nullptr, "the server did not select HTTP/2 by ALPN (it chose " +
                             (peer && !peer->alpn.empty() ? "'" + peer->alpn + "'" : "none") + ")"};
        }
    }
    self->open_ = true;
    self->flush(); // the preface and our SETTINGS
    asio::co_spawn(ex, read_loop(self), asio::detached);

    // RFC 9113 §3.4: the server's preface is a SETTINGS frame; RFC 8441 §3 needs its values.
    asio::steady_timer deadline(ex, timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started));
    auto waited = co_await (self->settled_.async_wait(nothrow) || deadline.async_wait(nothrow));
    if (!self->session_.remote_setting(settings_enable_connect_protocol)) {
        // RFC 9113 §3.3-3.4: a server that speaks HTTP/2 answers our preface with SETTINGS.
        std::string why =
            waited.index() == 1 && self->trouble_.empty()
                ? "no HTTP/2 SETTINGS from the server within the timeout"
                : "the server sent no HTTP/2 SETTINGS (" +
                      (self->trouble_.empty() ? std::string("it closed the connection")
                                              : self->trouble_) +
                      ")";
        why += url.tls ? "" : ": does it speak HTTP/2 with prior knowledge (h2c) on this port?";
        self->transport_.close();
        self->open_ = false;
        co_return std::pair{nullptr, why};
    }
    co_return std::pair{self, std::string{}};
}

std::shared_ptr<stream> connection::open_stream(std::span<const codec::header_field> headers,
                                                bool end_stream, std::string& error) {
    if (!usable()) {
        error = trouble_.empty() ? "the HTTP/2 connection takes no new streams" : trouble_;
        return nullptr;
    }
    auto [id, why] = session_.open(headers, end_stream);
    if (id < 0) {
        error = "nghttp2 would not open the stream: " + why;
        return nullptr;
    }
    auto s = std::make_shared<stream>(shared_from_this(), id);
    s->we_ended_ = end_stream;
    streams_[id] = s;
    flush();
    return s;
}

void connection::close() {
    if (!open_)
        return;
    session_.go_away(h2_error::no_error);
    flush();
}

stream* connection::find(std::int32_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end())
        return nullptr;
    auto s = it->second.lock();
    if (!s) {
        streams_.erase(it);
        return nullptr;
    }
    return s.get(); // kept alive by its owner (a case), which holds it while it runs
}

void connection::dispatch(std::vector<event> events) {
    for (auto& e : events) {
        if (e.what == event::kind::settings) {
            settled_.cancel();
            continue;
        }
        if (e.what == event::kind::goaway || e.what == event::kind::sent_goaway) {
            goaway_ = e.code;
            goaway_received_ = goaway_received_ || e.what == event::kind::goaway;
            const auto kind =
                e.what == event::kind::goaway ? stream_end::goaway : stream_end::connection_error;
            if (trouble_.empty())
                trouble_ = make_stream_end(kind, e.code).message();
            // Streams above the last one the server processed will never be (RFC 9113 §6.8);
            // after our GOAWAY for its error, none will.
            for (auto& [id, weak] : streams_)
                if (auto s = weak.lock();
                    s && !s->ended_ && (kind == stream_end::connection_error || id > e.stream)) {
                    s->end_with(kind, e.code);
                    s->wake();
                }
            continue;
        }
        stream* s = find(e.stream);
        if (!s) {
            if (e.what == event::kind::data) // nobody reads it: give the window back
                session_.consume(e.stream, e.data.size());
            continue;
        }
        switch (e.what) {
        case event::kind::headers:
            if (!s->response_.received) {
                s->response_.received = true;
                s->response_.headers = std::move(e.headers);
                s->response_.end_stream = e.end_stream;
            }
            if (e.end_stream)
                s->peer_ended_ = true;
            break;
        case event::kind::data:
            if (s->closed_locally_)
                session_.consume(e.stream, e.data.size());
            else
                s->inbox_.insert(s->inbox_.end(), e.data.begin(), e.data.end());
            break;
        case event::kind::end_stream:
            s->peer_ended_ = true;
            break;
        case event::kind::reset:
            if (!s->ended_)
                s->end_with(stream_end::reset_by_peer, e.code);
            break;
        case event::kind::sent_reset:
            if (!s->ended_ && !s->closed_locally_)
                s->end_with(stream_end::reset_by_us, e.code);
            break;
        case event::kind::closed:
            // Both ends done (END_STREAM each way) or reset: nothing more comes. A reset of
            // ours (close()) is no ending of the server's.
            if (!s->ended_ && !s->peer_ended_ && !s->closed_locally_)
                s->end_with(stream_end::reset_by_peer, e.code);
            break;
        default:
            break;
        }
        s->wake();
    }
}

void connection::lost(std::string why, stream_end kind, std::uint32_t code) {
    if (!open_)
        return;
    open_ = false;
    if (trouble_.empty())
        trouble_ = std::move(why);
    // The server's GOAWAY explains the loss of the streams it left open.
    if (goaway_received_) {
        kind = stream_end::goaway;
        code = *goaway_;
    }
    for (auto& [id, weak] : streams_)
        if (auto s = weak.lock()) {
            if (!s->ended_)
                s->end_with(kind, code);
            s->wake();
        }
    settled_.cancel();
    transport_.close();
}

void connection::flush() {
    if (!open_)
        return;
    auto out = session_.pending_output();
    if (!out.empty())
        outgoing_.push_back(std::move(out));
    if (!writing_ && !outgoing_.empty()) {
        writing_ = true;
        asio::co_spawn(settled_.get_executor(), write_loop(shared_from_this()), asio::detached);
    }
}

asio::awaitable<void> connection::write_loop(std::shared_ptr<connection> self) {
    while (!self->outgoing_.empty() && self->open_) {
        auto chunk = std::move(self->outgoing_.front());
        self->outgoing_.pop_front();
        if (auto ec = co_await self->transport_.write(chunk)) {
            self->writing_ = false;
            self->lost("the HTTP/2 connection failed: " + ec.message(),
                       stream_end::connection_lost);
            co_return;
        }
        // What went out may have freed room in the streams' send queues.
        for (auto& [id, weak] : self->streams_)
            if (auto s = weak.lock())
                s->wake();
        auto more = self->session_.pending_output();
        if (!more.empty())
            self->outgoing_.push_back(std::move(more));
    }
    self->writing_ = false;
    // Our GOAWAY is out and nothing is left to do both ways: the connection is done.
    if (self->open_ && !self->session_.alive())
        self->lost("the HTTP/2 connection ended", stream_end::connection_lost);
}

asio::awaitable<void> connection::read_loop(std::shared_ptr<connection> self) {
    std::vector<codec::byte> buf(64 * 1024);
    while (self->open_) {
        auto [ec, n] = co_await self->transport_.read_some(buf);
        if (n > 0) {
            if (auto error = self->session_.receive(codec::byte_view(buf).first(n))) {
                self->dispatch(self->session_.take_events());
                self->flush();
                self->lost("HTTP/2 error: " + *error, stream_end::connection_error,
                           static_cast<std::uint32_t>(h2_error::protocol_error));
                co_return;
            }
            self->dispatch(self->session_.take_events());
            self->flush();
        }
        if (ec) {
            self->lost(ec == asio::error::eof ? "the server closed the HTTP/2 connection"
                                              : "the HTTP/2 connection failed: " + ec.message(),
                       stream_end::connection_lost);
            co_return;
        }
    }
}

} // namespace wsconform::http2
