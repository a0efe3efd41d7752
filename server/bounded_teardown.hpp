#pragma once
/// A TCP stream type whose WebSocket teardown is bounded in time.
///
/// After a close handshake or a protocol failure, Beast 1.81 "tears down" the connection: as a
/// server it shuts down the sending side (the peer sees the FIN at once), then reads and discards
/// until the peer closes its side, then closes the socket. That last wait runs directly on the
/// raw socket, outside both the websocket timeouts (the closing-state timer is not armed on that
/// path) and beast::tcp_stream's expiry, so a peer that never closes would keep the connection
/// forever. The stream type below differs from beast::tcp_stream only in its (otherwise
/// unlimited) rate policy type, whose namespace makes argument-dependent lookup select the
/// async_teardown overloads here: the same graceful teardown, but reading through the
/// tcp_stream with an expiry of `linger_timeout`, after which the socket is closed regardless.
/// The TLS overload arms the same expiry before Beast's own TLS teardown (close_notify
/// exchange), whose reads also go through the tcp_stream.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/compose.hpp>
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

namespace wsconform::server {

/// Longest wait for the peer's FIN (and TLS close_notify) once the server has closed.
inline constexpr std::chrono::seconds linger_timeout{5};

/// Unlimited, like beast::unlimited_rate_policy; exists for its namespace (see above).
struct linger_rate_policy : boost::beast::unlimited_rate_policy {};

using tcp_stream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor,
                                              linger_rate_policy>;

namespace detail {

/// Composed operation: shutdown(send) as server, drain until EOF or expiry, close.
class bounded_teardown_op {
  public:
    bounded_teardown_op(tcp_stream& stream, boost::beast::role_type role)
        : stream_(stream), role_(role), discard_(4096) {}

    template <class Self>
    void operator()(Self& self) {
        boost::beast::error_code ignored;
        if (role_ == boost::beast::role_type::server)
            stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
        stream_.expires_after(linger_timeout);
        read_more(self);
    }

    template <class Self>
    void operator()(Self& self, boost::beast::error_code ec, std::size_t) {
        if (!ec)
            return read_more(self); // discard whatever the peer still sends
        boost::beast::error_code ignored;
        if (role_ == boost::beast::role_type::client)
            stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
        stream_.socket().close(ignored); // also after beast::error::timeout
        self.complete(ec == boost::asio::error::eof ? boost::beast::error_code{} : ec);
    }

  private:
    template <class Self>
    void read_more(Self& self) {
        // discard_'s heap storage does not move when the operation object does.
        stream_.async_read_some(boost::asio::buffer(discard_), std::move(self));
    }

    tcp_stream& stream_;
    boost::beast::role_type role_;
    std::vector<char> discard_;
};

} // namespace detail

/// Synchronous teardown (unused by the server; Beast's plain-socket behaviour).
inline void teardown(boost::beast::role_type role, tcp_stream& stream,
                     boost::beast::error_code& ec) {
    boost::beast::websocket::teardown(role, stream.socket(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, tcp_stream& stream, TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        detail::bounded_teardown_op(stream, role), handler, stream);
}

/// Synchronous TLS teardown (unused by the server; Beast's behaviour).
inline void teardown(boost::beast::role_type role, boost::asio::ssl::stream<tcp_stream>& stream,
                     boost::beast::error_code& ec) {
    boost::beast::teardown(role, stream, ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, boost::asio::ssl::stream<tcp_stream>& stream,
                    TeardownHandler&& handler) {
    stream.next_layer().expires_after(linger_timeout);
    // Qualified: Beast's TLS teardown (close_notify), which then calls the overload above for
    // the TCP layer through argument-dependent lookup.
    boost::beast::async_teardown(role, stream, std::forward<TeardownHandler>(handler));
}

} // namespace wsconform::server
