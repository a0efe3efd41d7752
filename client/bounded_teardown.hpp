#pragma once
/// The client's TCP stream type, whose WebSocket teardown is bounded in time and never fails.
///
/// After a closing handshake, or after failing the connection, Beast 1.81 "tears down" the
/// connection. As a client it reads and discards until the server closes the TCP connection, as
/// RFC 6455 §7.1.1 asks ("the client SHOULD wait for the server to close the connection"), but
/// on the raw socket, outside every timeout: a server that never closes would keep the client
/// forever. Same cure as the server's (server/bounded_teardown.hpp): a stream type that differs
/// from beast::tcp_stream only in its rate policy type, whose namespace makes argument-dependent
/// lookup select the async_teardown overloads below.
///
/// Two differences from the server's teardown. The wait is bounded by `linger_timeout`, after
/// which the client closes the connection itself: §7.1.1 continues "but MAY close the connection
/// at any time after sending and receiving a Close message, e.g., if it has not received a TCP
/// Close from the server in a reasonable time period". And the teardown always completes without
/// error: Beast then reports what the WebSocket exchange came to (websocket::error::closed after
/// a closing handshake, the protocol error after a failure), not how the server ended TCP or TLS
/// afterwards (a reset, or no TLS close_notify, are not the WebSocket's business).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/rate_policy.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <chrono>
#include <cstddef>
#include <utility>
#include <vector>

namespace wsconform::client {

/// Longest wait for the server's FIN (and for its TLS close_notify) once the WebSocket is closed.
inline constexpr std::chrono::seconds linger_timeout{5};

/// Unlimited, like beast::unlimited_rate_policy; exists for its namespace (see above).
struct linger_rate_policy : boost::beast::unlimited_rate_policy {};

using tcp_stream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor,
                                              linger_rate_policy>;
using tls_stream = boost::asio::ssl::stream<tcp_stream>;

namespace detail {

/// Composed operation: drain until the server's FIN or the expiry, then shutdown(send), close.
class tcp_teardown_op {
  public:
    explicit tcp_teardown_op(tcp_stream& stream) : stream_(stream), discard_(4096) {}

    template <class Self>
    void operator()(Self& self) {
        stream_.expires_after(linger_timeout);
        read_more(self);
    }

    template <class Self>
    void operator()(Self& self, boost::beast::error_code ec, std::size_t) {
        if (!ec)
            return read_more(self); // discard whatever the server still sends
        boost::beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
        stream_.socket().close(ignored); // also after beast::error::timeout
        self.complete(boost::beast::error_code{});
    }

  private:
    template <class Self>
    void read_more(Self& self) {
        // discard_'s heap storage does not move when the operation object does.
        stream_.async_read_some(boost::asio::buffer(discard_), std::move(self));
    }

    tcp_stream& stream_;
    std::vector<char> discard_;
};

/// Composed operation: TLS close_notify exchange (bounded, errors ignored), then the TCP teardown.
class tls_teardown_op : boost::asio::coroutine {
  public:
    explicit tls_teardown_op(tls_stream& stream) : stream_(stream) {}

    template <class Self>
    void operator()(Self& self, boost::beast::error_code = {}) {
        BOOST_ASIO_CORO_REENTER(*this) {
            stream_.next_layer().expires_after(linger_timeout);
            BOOST_ASIO_CORO_YIELD stream_.async_shutdown(std::move(self));
            // async_compose takes the token by reference and moves from it (Self is move-only).
            BOOST_ASIO_CORO_YIELD boost::asio::async_compose<Self, void(boost::beast::error_code)>(
                tcp_teardown_op(stream_.next_layer()), self, stream_.next_layer());
            self.complete(boost::beast::error_code{});
        }
    }

  private:
    tls_stream& stream_;
};

} // namespace detail

/// Synchronous teardown (unused by the client; Beast's plain-socket behaviour).
inline void teardown(boost::beast::role_type role, tcp_stream& stream,
                     boost::beast::error_code& ec) {
    boost::beast::websocket::teardown(role, stream.socket(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type, tcp_stream& stream, TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        detail::tcp_teardown_op(stream), handler, stream);
}

/// Synchronous TLS teardown (unused by the client; Beast's behaviour).
inline void teardown(boost::beast::role_type role, tls_stream& stream,
                     boost::beast::error_code& ec) {
    boost::beast::teardown(role, stream, ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type, tls_stream& stream, TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        detail::tls_teardown_op(stream), handler, stream);
}

} // namespace wsconform::client
