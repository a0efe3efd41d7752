#pragma once
/// The TCP stream types of the reference peers (server/, client/), whose WebSocket teardown is
/// bounded in time.
///
/// After a closing handshake, or after failing the connection, Beast 1.81 "tears down" the
/// connection, by the role it plays:
/// - as a server it shuts down the sending side (the client sees the FIN at once), then reads and
///   discards until the client closes its side, then closes the socket;
/// - as a client it reads and discards until the server closes the TCP connection, as RFC 6455
///   §7.1.1 asks ("the client SHOULD wait for the server to close the connection"), then shuts
///   down its sending side and closes the socket.
/// That wait runs directly on the raw socket, outside both the websocket timeouts (the
/// closing-state timer is not armed on that path) and beast::tcp_stream's expiry, so a peer that
/// never closes would keep the connection forever.
///
/// The stream types below differ from beast::tcp_stream only in their (otherwise unlimited) rate
/// policy type, whose namespace makes argument-dependent lookup select the async_teardown
/// overloads here: the same teardown in the same order for the role Beast passes, but reading
/// through the tcp_stream with an expiry of `linger_timeout`, after which the connection is closed
/// regardless. For the client the bound is what §7.1.1 continues with: it "MAY close the
/// connection at any time after sending and receiving a Close message, e.g., if it has not
/// received a TCP Close from the server in a reasonable time period". The TLS overload arms the
/// same expiry before Beast's own TLS teardown (close_notify exchange, then the TCP teardown
/// above), whose reads also go through the tcp_stream.
///
/// Whether the teardown reports an error is the stream type's parameter:
/// - teardown_errors::reported (the server): Beast's rule. The peer's FIN is success; a timeout, a
///   reset or a failed TLS shutdown is an error, which Beast then reports in place of what the
///   WebSocket exchange came to.
/// - teardown_errors::ignored (the client): the teardown always completes without error, so Beast
///   reports what the WebSocket exchange came to (websocket::error::closed after a closing
///   handshake, the protocol error after a failure), not how the server ended TCP or TLS
///   afterwards (a reset, or no TLS close_notify, are not the WebSocket's business).
///
/// The synchronous teardown is Beast's own (no overload here): the peers use only asynchronous
/// operations.

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

namespace wsconform::beast_peers {

/// Longest wait for the peer's FIN (and for its TLS close_notify) once the WebSocket is closed.
inline constexpr std::chrono::seconds linger_timeout{5};

/// Whether the teardown reports its errors to Beast (see above).
enum class teardown_errors { reported, ignored };

/// Unlimited, like beast::unlimited_rate_policy; exists for its namespace (see above).
template <teardown_errors Errors>
struct linger_rate_policy : boost::beast::unlimited_rate_policy {};

template <teardown_errors Errors>
using tcp_stream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor,
                                              linger_rate_policy<Errors>>;
template <teardown_errors Errors>
using tls_stream = boost::asio::ssl::stream<tcp_stream<Errors>>;

namespace detail {

/// What the teardown completes with: `ec` when reported, else nothing.
constexpr boost::beast::error_code outcome(teardown_errors errors, boost::beast::error_code ec) {
    return errors == teardown_errors::reported ? ec : boost::beast::error_code{};
}

/// Composed operation: as the server shutdown(send), drain until EOF or expiry, close; as the
/// client drain until EOF or expiry, shutdown(send), close.
template <teardown_errors Errors>
class tcp_teardown_op {
  public:
    tcp_teardown_op(tcp_stream<Errors>& stream, boost::beast::role_type role)
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
        self.complete(
            outcome(Errors, ec == boost::asio::error::eof ? boost::beast::error_code{} : ec));
    }

  private:
    template <class Self>
    void read_more(Self& self) {
        // discard_'s heap storage does not move when the operation object does.
        stream_.async_read_some(boost::asio::buffer(discard_), std::move(self));
    }

    tcp_stream<Errors>& stream_;
    boost::beast::role_type role_;
    std::vector<char> discard_;
};

/// Composed operation: the expiry, then Beast's TLS teardown (close_notify exchange, then
/// tcp_teardown_op through argument-dependent lookup), which completes with the TLS error if
/// there is one, else the TCP layer's.
template <teardown_errors Errors>
class tls_teardown_op {
  public:
    tls_teardown_op(tls_stream<Errors>& stream, boost::beast::role_type role)
        : stream_(stream), role_(role) {}

    template <class Self>
    void operator()(Self& self) {
        stream_.next_layer().expires_after(linger_timeout);
        // Qualified: Beast's overload for any TLS stream, not the one below.
        boost::beast::async_teardown(role_, stream_, std::move(self));
    }

    template <class Self>
    void operator()(Self& self, boost::beast::error_code ec) {
        self.complete(outcome(Errors, ec));
    }

  private:
    tls_stream<Errors>& stream_;
    boost::beast::role_type role_;
};

} // namespace detail

template <teardown_errors Errors, class TeardownHandler>
void async_teardown(boost::beast::role_type role, tcp_stream<Errors>& stream,
                    TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        detail::tcp_teardown_op<Errors>(stream, role), handler, stream);
}

template <teardown_errors Errors, class TeardownHandler>
void async_teardown(boost::beast::role_type role, tls_stream<Errors>& stream,
                    TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        detail::tls_teardown_op<Errors>(stream, role), handler, stream);
}

} // namespace wsconform::beast_peers
