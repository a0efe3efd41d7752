#pragma once
/// Runs an echo_stream step (Autobahn 9.x, 12.x, 13.x) over an open connection: sends each
/// message piece by piece (compressed when asked), checks its echo as the pieces arrive, and
/// keeps the figures the judge reads. Messages of many MiB cost kilobytes.

#include "harness/codec/deflate.hpp"
#include "harness/protocol/connection.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/echo_stream.hpp"
#include "harness/runner/judge.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>

namespace wsconform::runner {

class case_socket;
class compression_cache;
class frame_log;

class echo_stream_driver {
  public:
    /// The open connection the stream runs over.
    struct connection {
        case_socket& socket;
        protocol::connection& core;
        frame_log& log;
        /// For our frames, which bypass the core: a client's keys; null for a server (unmasked).
        codec::mask_source* keys;
        /// permessage-deflate as agreed at the handshake, and the offer it answered.
        const std::optional<codec::deflate_params>& deflate;
        const codec::deflate_params& deflate_offer;
        compression_cache* compressed_messages; ///< optional: compressed messages to reuse
    };

    echo_stream_driver(boost::asio::any_io_executor ex, const echo_stream& s, connection over);

    /// Sends the messages, each once the previous one's echo is complete, until all are
    /// echoed, an echo is wrong, or the connection leaves the open state.
    boost::asio::awaitable<void> run();

    /// A piece of an echo (chunks delivery). Returns the event a case's expectation sees once
    /// an echo is complete.
    std::optional<event> on_chunk(const protocol::event& e);
    /// A violation of the peer's: one of permessage-deflate fails the stream.
    void on_violation(const protocol::violation& v);
    /// Something run() waits for may have changed (an echo, the connection's state).
    void wake() { wake_.cancel(); }

    /// What the stream measured, for the judge.
    stream_figures figures() const;

  private:
    bool open() const;
    void start_deflate();
    std::shared_ptr<const codec::bytes> compressed_message(std::uint64_t offset);
    boost::asio::awaitable<void> write_message(std::uint64_t offset);

    const echo_stream& step_;
    connection conn_;
    std::shared_ptr<const pattern_payload> payload_;
    stream_figures fig_;
    std::optional<echo_checker> echo_; ///< the echo now awaited
    std::int64_t message_at_us_ = 0;   ///< the current message began
    // permessage-deflate (compress): our compressor and the message being sent in both forms
    // (the echoes inflate in the protocol core).
    std::optional<codec::deflater> deflater_;
    codec::bytes plain_;
    std::shared_ptr<const codec::bytes> compressed_;
    boost::asio::steady_timer wake_; ///< cancelled when an echo completes or the state changes
};

} // namespace wsconform::runner
