#pragma once
/// The socket of one case's connection and the one way bytes go out on it: the transport and
/// its byte recorder, an ordered write queue, and a token that lets one writer at a time hold
/// the socket (the queue's loop, or an echo stream writing a message piece by piece), so
/// control frames never land inside another frame.

#include "harness/codec/bytes.hpp"
#include "harness/net/transport.hpp"
#include "harness/net/wire_recorder.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>

namespace wsconform::runner {

/// Shared by its writers: the queue's loop and a trickled request may still be writing when
/// the case has ended, so they keep the socket (and the recorder the transport writes to).
class case_socket : public std::enable_shared_from_this<case_socket> {
  public:
    case_socket(boost::asio::any_io_executor ex, std::shared_ptr<boost::asio::ssl::context> tls,
                std::size_t recorded_bytes);
    case_socket(const case_socket&) = delete;
    case_socket& operator=(const case_socket&) = delete;

    net::transport& transport() { return transport_; }
    const net::wire_recorder& recorder() const { return recorder_; }

    /// Closes TCP for good: queued bytes are dropped and nothing more is written.
    void close();
    /// Closes TCP once what is queued has been written, queueing nothing more meanwhile: a
    /// server ending the closing handshake, whose Close reply must go out before its TCP close
    /// (RFC 6455 §7.1.1). closed() is true from now on.
    void close_after_sending();
    bool closed() const { return closed_; }

    /// Writes `data` after everything queued before it (nothing once closed).
    void enqueue(codec::bytes data);
    bool has_queued() const { return !queued_.empty(); }
    /// Writes what enqueue() queued, in order; the caller holds the socket. False when a
    /// write failed: the rest is dropped.
    boost::asio::awaitable<bool> send_queued();
    /// Drops what is queued (a write failed: the connection is going).
    void drop_queued() { queued_.clear(); }

    /// Waits until no writer holds the socket, then holds it (false: TCP is gone).
    boost::asio::awaitable<bool> take();
    void release();

  private:
    static boost::asio::awaitable<void> write_queued(std::shared_ptr<case_socket> self);

    net::wire_recorder recorder_; // before transport_, which records into it
    net::transport transport_;
    std::deque<codec::bytes> queued_;
    bool held_ = false; ///< a writer holds the socket
    bool closed_ = false;
    bool draining_ = false;              ///< closed, but what was queued still goes out first
    boost::asio::steady_timer released_; ///< cancelled when a writer lets the socket go
};

} // namespace wsconform::runner
