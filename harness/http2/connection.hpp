#pragma once
/// One HTTP/2 connection to the server under test (RFC 9113), over net::transport (cleartext
/// with prior knowledge, or TLS with ALPN "h2"), carrying many streams at once: a run's cases
/// share it, each on its own stream. The client_session does the protocol; this drives it on
/// the event loop: one reader feeding it, one writer sending what it produces, and a stream
/// object per request that a case reads and writes like a socket (net::tunnel).

#include "harness/codec/handshake.hpp"
#include "harness/http2/client_session.hpp"
#include "harness/net/transport.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/system/error_code.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <system_error>

namespace wsconform::http2 {

/// How a stream ended other than by the peer's END_STREAM (which reads as eof). The value
/// carries the RFC 9113 error code: `reset_by_peer + code` and so on.
enum class stream_end : int {
    reset_by_peer = 0x1000,    ///< the server sent RST_STREAM
    reset_by_us = 0x2000,      ///< nghttp2 reset the stream: the server broke a stream rule
    goaway = 0x3000,           ///< the server sent GOAWAY, and this stream was not processed
    connection_error = 0x4000, ///< we ended the connection: the server broke a connection rule
    connection_lost = 0x5000,  ///< the TCP (or TLS) connection ended
};
const std::error_category& stream_end_category();
boost::system::error_code make_stream_end(stream_end kind, std::uint32_t code = 0);

/// What came back for a stream's request.
struct response {
    bool received = false; ///< a HEADERS block came
    std::vector<codec::header_field> headers;
    bool end_stream = false;         ///< it carried END_STREAM
    boost::system::error_code ended; ///< the stream ended before a response (or with it)
};

class connection;

/// One request's stream: its response, then the bytes of the tunnel it opened.
class stream : public net::tunnel, public std::enable_shared_from_this<stream> {
  public:
    stream(std::shared_ptr<connection> owner, std::int32_t id);
    std::int32_t id() const { return id_; }

    /// Waits for the response's HEADERS, or the stream's end, or `timeout`.
    boost::asio::awaitable<response> await_response(std::chrono::steady_clock::duration timeout);
    /// The response as it is now (after await_response).
    const response& current_response() const { return response_; }

    boost::asio::awaitable<boost::system::error_code> write(codec::byte_view data) override;
    boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read_some(std::span<codec::byte> buffer) override;
    void shutdown_send() override;
    void close() override;
    bool is_open() const override { return !closed_locally_ && !ended_; }
    std::string abnormal_end() const override;
    bool carrier_lost() const override;

    /// How it ended, once it has: END_STREAM from the peer, and the error if another way.
    bool peer_ended() const { return peer_ended_; }
    boost::system::error_code ending() const { return ended_; }

  private:
    friend class connection;
    void wake();
    void end_with(stream_end kind, std::uint32_t code = 0);

    std::shared_ptr<connection> owner_;
    std::int32_t id_;
    response response_;
    std::deque<codec::byte> inbox_;
    bool peer_ended_ = false;         ///< END_STREAM came
    bool closed_locally_ = false;     ///< close() was called
    bool we_ended_ = false;           ///< we sent (or queued) END_STREAM
    boost::system::error_code ended_; ///< how the stream ended, when not by END_STREAM alone
    /// ended_'s kind and code, kept apart: a Boost code wrapping ours has no usable value().
    stream_end end_kind_{};
    std::uint32_t end_code_ = 0;
    boost::asio::steady_timer changed_; ///< cancelled when something happens to the stream
};

class connection : public std::enable_shared_from_this<connection> {
  public:
    /// Connects to `url` (TLS offering ALPN h2 for wss://), sends our preface and SETTINGS and
    /// waits for the server's SETTINGS, all within `timeout`. On failure, why.
    static boost::asio::awaitable<std::pair<std::shared_ptr<connection>, std::string>>
    open(const net::target_url& url, std::shared_ptr<boost::asio::ssl::context> tls,
         const local_settings& settings, std::chrono::milliseconds timeout);

    connection(boost::asio::any_io_executor ex, std::shared_ptr<boost::asio::ssl::context> tls,
               const local_settings& settings);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Opens a stream with `headers` (sent as given). Null when the connection cannot take
    /// new streams (closed, GOAWAY), with why in `error`.
    std::shared_ptr<stream> open_stream(std::span<const codec::header_field> headers,
                                        bool end_stream, std::string& error);
    /// A setting from the server's SETTINGS frame.
    std::optional<std::uint32_t> remote_setting(std::int32_t id) const {
        return session_.remote_setting(id);
    }
    /// New streams may be opened: connected, no GOAWAY either way.
    bool usable() const { return open_ && !goaway_ && session_.alive(); }
    /// Why the connection is not usable.
    const std::string& trouble() const { return trouble_; }
    /// The TLS handshake's facts (ALPN), for wss://.
    std::optional<net::tls_peer> tls_peer(std::string_view host) const {
        return transport_.peer(host);
    }
    /// GOAWAY(NO_ERROR), then the TCP connection closes.
    void close();

  private:
    friend class stream;
    static boost::asio::awaitable<void> read_loop(std::shared_ptr<connection> self);
    static boost::asio::awaitable<void> write_loop(std::shared_ptr<connection> self);
    void flush();
    void dispatch(std::vector<event> events);
    void lost(std::string why, stream_end kind, std::uint32_t code = 0);
    stream* find(std::int32_t id);

    net::transport transport_;
    client_session session_;
    std::map<std::int32_t, std::weak_ptr<stream>> streams_;
    std::deque<codec::bytes> outgoing_;
    bool writing_ = false;
    bool open_ = false;
    std::optional<std::uint32_t> goaway_; ///< a GOAWAY's code, either way
    bool goaway_received_ = false;        ///< the server sent it
    std::string trouble_;
    boost::asio::steady_timer settled_; ///< cancelled when the server's SETTINGS came
};

} // namespace wsconform::http2
