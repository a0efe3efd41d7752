#pragma once
/// The port clients under test connect to: it accepts, reads each opening-handshake request
/// (bounded in size and time), and hands the connection to whoever reserved the request's
/// path: a case waiting for its client. A request for any other path goes to `other` (the
/// Autobahn control protocol, a browser page), or gets a 404 that says why.
///
/// With a TLS context it serves wss://: each connection's TLS handshake comes first. One that
/// fails has no path, so its reason goes to every case then waiting on this listener: a run
/// gives each certificate profile its own listener, and one case waits on it at a time.

#include "harness/runner/client_source.hpp"

#include <boost/asio/ssl/context.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace wsconform::clients {

class case_listener {
  public:
    /// A connection whose path no case reserved, its request read: the handler answers it.
    using other_handler = std::function<boost::asio::awaitable<void>(runner::accepted_connection)>;

    /// Binds `host:port` (port 0: a free one) and listens; `error` says why not. With `tls`
    /// (a server context), connections are TLS.
    case_listener(boost::asio::any_io_executor ex, const std::string& host, unsigned short port,
                  std::string& error, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    case_listener(const case_listener&) = delete;
    case_listener& operator=(const case_listener&) = delete;

    unsigned short port() const { return port_; }
    boost::asio::any_io_executor get_executor() const { return ex_; }
    /// "127.0.0.1:PORT" ("localhost:PORT" with TLS): the host and port of base_url(), which a
    /// client's Host header must name (RFC 6455 §4.1).
    std::string authority() const;
    /// "ws://127.0.0.1:PORT" (wss:// with TLS), for URLs.
    std::string base_url() const;
    /// The host base_url() names instead of the listening address: "localhost" for a TLS
    /// listener, so a client's host-name check has a name to check.
    void set_url_host(std::string host) { url_host_ = std::move(host); }

    void set_other_handler(other_handler h) { other_ = std::move(h); }
    /// How long a client may take to send its request once connected.
    void set_request_timeout(std::chrono::steady_clock::duration d) { request_timeout_ = d; }

    /// Accepts until stop().
    void start();
    /// Closes the port; waits in progress end with nothing.
    void stop();

    /// A fresh path for one connection of case `case_id` ("/7/1.1.1": a number that is never
    /// used twice, and the case for people reading logs). Only URL-safe characters, so it can
    /// go into a shell command unquoted.
    std::string reserve(std::string_view case_id);
    /// Waits until a connection asked for `path`, at most `timeout` (or until stop(), or until
    /// the wait is cancelled: a race with the client's exit).
    boost::asio::awaitable<void> wait(const std::string& path,
                                      std::chrono::steady_clock::duration timeout);
    /// TLS handshakes under way on this listener: a client that refused ours may be seen to
    /// exit before our side of its handshake has failed.
    std::size_t tls_handshakes() const { return tls_handshakes_; }
    /// The connection that asked for `path`, if one did; the path is released either way
    /// (a later connection to it gets a 404). Without one, `tls_failure` (if given) gets why a
    /// TLS handshake on this listener failed while the path was reserved, or "".
    std::optional<runner::accepted_connection> take(const std::string& path,
                                                    std::string* tls_failure = nullptr);

  private:
    struct slot {
        explicit slot(boost::asio::any_io_executor ex) : arrived(ex) {
            arrived.expires_at(boost::asio::steady_timer::time_point::max());
        }
        std::optional<runner::accepted_connection> connection;
        std::string tls_failure;           ///< a TLS handshake failed while this path waited
        boost::asio::steady_timer arrived; ///< cancelled when `connection` or `tls_failure` is set
    };

    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket,
                                       std::chrono::steady_clock::time_point since);

    /// Tells every waiting case why a TLS handshake failed.
    void tls_failed(const std::string& why);

    boost::asio::any_io_executor ex_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::string host_;
    std::string url_host_;
    unsigned short port_ = 0;
    std::map<std::string, std::shared_ptr<slot>> waiting_;
    std::uint64_t next_ = 0;
    other_handler other_;
    std::chrono::steady_clock::duration request_timeout_ = std::chrono::seconds(10);
    std::size_t tls_handshakes_ = 0;
    bool stopped_ = false;
};

/// Writes an HTTP error response with `status` and a one-line `why` as its body, then closes.
boost::asio::awaitable<void> refuse(net::transport& stream, unsigned status, std::string_view why);

} // namespace wsconform::clients
