#include "harness/runner/echo_stream_driver.hpp"

#include "harness/runner/case_socket.hpp"
#include "harness/runner/compression_cache.hpp"
#include "harness/runner/frame_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wsconform::runner {

namespace asio = boost::asio;
using codec::byte_view;
using codec::bytes;
using codec::opcode;

echo_stream_driver::echo_stream_driver(asio::any_io_executor ex, const echo_stream& s,
                                       connection over)
    : step_(s), conn_(over),
      payload_(s.source ? s.source : std::make_shared<const pattern_payload>(s.pattern)),
      wake_(ex) {
    fig_.step = &s;
}

bool echo_stream_driver::open() const {
    return !conn_.socket.closed() && conn_.core.state() == protocol::state::open;
}

asio::awaitable<void> echo_stream_driver::run() {
    // Echoes are checked as their frames arrive, never assembled.
    conn_.core.set_delivery(protocol::connection_options::delivery::chunks);
    if (conn_.deflate)
        start_deflate();
    if (step_.compress && !deflater_)
        fig_.problem = "permessage-deflate was not agreed, so nothing can be sent compressed";
    fig_.started_us = conn_.socket.recorder().now_us();
    for (unsigned i = 0; i < step_.count; ++i) {
        if (!open() || !fig_.problem.empty())
            break;
        const std::uint64_t offset =
            step_.consecutive ? std::uint64_t{i} * step_.size % payload_->period() : 0;
        echo_.emplace(step_.op == opcode::binary, *payload_, step_.size, offset);
        fig_.sent = i + 1;
        message_at_us_ = conn_.socket.recorder().now_us();
        co_await write_message(offset);
        // Every waker cancels the timer; the condition is checked again before each wait.
        while (open() && fig_.problem.empty() && !echo_->complete()) {
            wake_.expires_at(asio::steady_timer::time_point::max());
            auto [ec] = co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
    }
}

/// Our compressor with the agreed parameters (RFC 7692 §7.1), at zlib level 1: the server's
/// side is what is under test, and 12.x/13.x push ~11 GB through zlib, so our speed sets much
/// of the run's wall time. The echoes inflate in the protocol core.
void echo_stream_driver::start_deflate() {
    // As the client our own offer bounds our window too (RFC 7692 §7.1.2.2); keys are a
    // client's.
    auto send = conn_.keys ? codec::client_sending_config(*conn_.deflate, conn_.deflate_offer)
                           : codec::sending_config(*conn_.deflate, codec::deflate_role::server);
    deflater_.emplace(codec::deflater_options{
        .window_bits = send.window_bits, .context_takeover = send.context_takeover, .level = 1});
}

/// Our compressed form of the message at `offset`. Without context takeover it depends on
/// nothing but its bytes and our settings, so another case may have made it already.
std::shared_ptr<const bytes> echo_stream_driver::compressed_message(std::uint64_t offset) {
    auto* cache = conn_.compressed_messages;
    std::optional<compression_cache::key> key;
    if (cache && step_.source && !deflater_->options().context_takeover) {
        key = compression_cache::key{.source = step_.source,
                                     .offset = offset,
                                     .size = step_.size,
                                     .window_bits = deflater_->window_bits(),
                                     .level = deflater_->options().level};
        if (auto kept = cache->find(*key))
            return kept;
    }
    plain_.resize(static_cast<std::size_t>(step_.size));
    payload_->fill(offset, plain_);
    auto made = deflater_->compress_message(plain_);
    if (!key)
        return std::make_shared<const bytes>(std::move(made));
    made.shrink_to_fit(); // zlib's bound was reserved: kept, it would hold 4x the bytes
    auto kept = std::make_shared<const bytes>(std::move(made));
    cache->insert(std::move(*key), kept);
    return kept;
}

/// Writes one message of the step, generated piece by piece. The socket is ours meanwhile:
/// control frames queued meanwhile (pongs, our Close) go out between frames, never inside
/// one, and once we are closing no further frame begins.
asio::awaitable<void> echo_stream_driver::write_message(std::uint64_t offset) {
    auto& socket = conn_.socket;
    if (!co_await socket.take())
        co_return;
    if (step_.compress) {
        compressed_ = compressed_message(offset);
        fig_.plain_sent += step_.size;
        fig_.compressed_sent += compressed_->size();
    }
    message_wire wire =
        step_.compress
            ? message_wire(step_.op, *compressed_, step_.fragment, conn_.keys, codec::rsv1_bit)
            : message_wire(step_.op, *payload_, step_.size, step_.fragment, conn_.keys, offset);
    bytes buf(step_.chop ? step_.chop : 64 * 1024);
    std::size_t filled = 0;
    bool ok = true;
    auto write_buffer = [&]() -> asio::awaitable<bool> {
        auto ec = co_await socket.transport().write(byte_view(buf).first(filled));
        filled = 0;
        co_return !ec;
    };
    while (ok && !wire.done()) {
        if (wire.at_frame_start()) {
            if (filled > 0 && (socket.has_queued() || !open()))
                ok = co_await write_buffer();
            ok = ok && co_await socket.send_queued();
            if (!ok || !open())
                break;
            std::uint64_t length = 0;
            auto f = wire.start_frame(conn_.log.payload_kept(), length);
            conn_.log.add(true, f, length);
        }
        filled += wire.next(std::span(buf).subspan(filled));
        // A chop is one write (Autobahn chopsize); otherwise fill the buffer first.
        if (filled == buf.size() || (step_.chop && filled > 0) || wire.done())
            ok = co_await write_buffer();
    }
    if (ok && filled > 0)
        ok = co_await write_buffer();
    if (ok)
        co_await socket.send_queued();
    else
        socket.drop_queued();
    socket.release();
}

std::optional<event> echo_stream_driver::on_chunk(const protocol::event& e) {
    auto which = [&] {
        return step_.count == 1 ? std::string()
                                : "message " + std::to_string(fig_.sent) + " of " +
                                      std::to_string(step_.count) + ": ";
    };
    if (!echo_ || echo_->complete()) {
        if (e.first && fig_.problem.empty()) {
            fig_.problem = "the peer sent a message that echoes nothing sent (after " +
                           std::to_string(fig_.echoed) + " echoes)";
            wake();
        }
        return std::nullopt;
    }
    if (echo_->failed())
        return std::nullopt; // already judged; the rest of it is of no interest
    if (e.compressed)
        fig_.echo_payload_in += e.wire_payload;
    if (!echo_->add(e.binary, e.first, e.last, e.payload)) {
        if (fig_.problem.empty())
            fig_.problem = which() + echo_->problem();
        wake();
        return std::nullopt;
    }
    if (!echo_->complete())
        return std::nullopt;
    if (e.compressed) {
        ++fig_.compressed_echoes;
        fig_.echo_inflated += echo_->received();
    }
    auto now = conn_.socket.recorder().now_us();
    ++fig_.echoed;
    fig_.echoed_bytes += step_.size;
    fig_.last_echo_us = now;
    fig_.rtt_ms.push_back(static_cast<double>(now - message_at_us_) / 1000.0);
    wake();
    event m;
    m.what = event::kind::message;
    m.binary = step_.op == opcode::binary;
    m.streamed_length = step_.size;
    return m;
}

void echo_stream_driver::on_violation(const protocol::violation& v) {
    if (fig_.problem.empty() && v.section.starts_with("RFC 7692")) {
        fig_.problem = "the echo breaks " + v.section + ": " + v.detail;
        wake();
    }
}

stream_figures echo_stream_driver::figures() const {
    auto fig = fig_;
    fig.awaited_received = echo_ && !echo_->complete() ? echo_->received() : std::uint64_t{0};
    return fig;
}

} // namespace wsconform::runner
