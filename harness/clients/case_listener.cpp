#include "harness/clients/case_listener.hpp"

#include "harness/codec/server_handshake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>

namespace wsconform::clients {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
/// A request header larger than this is not a WebSocket client's (Beast's own limit is 8 KiB).
constexpr std::size_t request_limit = 64 * 1024;

/// The request-target's path, without the query.
std::string path_of(const std::string& target) {
    return target.substr(0, target.find('?'));
}
} // namespace

case_listener::case_listener(asio::any_io_executor ex, const std::string& host, unsigned short port,
                             std::string& error, std::shared_ptr<asio::ssl::context> tls)
    : ex_(ex), acceptor_(ex), tls_(std::move(tls)), host_(host), url_host_(host) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
        error = "bad listening address '" + host + "': " + ec.message();
        return;
    }
    tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor_.bind(endpoint, ec);
    if (!ec)
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
        return;
    }
    port_ = acceptor_.local_endpoint().port();
}

std::string case_listener::authority() const {
    const bool v6 = url_host_.find(':') != std::string::npos;
    return (v6 ? "[" + url_host_ + "]" : url_host_) + ":" + std::to_string(port_);
}

std::string case_listener::base_url() const {
    return (tls_ ? "wss://" : "ws://") + authority();
}

void case_listener::start() {
    asio::co_spawn(ex_, accept_loop(), asio::detached);
}

void case_listener::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [path, s] : waiting_)
        s->arrived.cancel();
}

std::string case_listener::reserve(std::string_view case_id) {
    std::string path = "/" + std::to_string(++next_) + "/" + std::string(case_id);
    waiting_.emplace(path, std::make_shared<slot>(ex_));
    return path;
}

asio::awaitable<void> case_listener::wait(const std::string& path,
                                          std::chrono::steady_clock::duration timeout) {
    auto it = waiting_.find(path);
    if (it == waiting_.end() || it->second->connection || !it->second->tls_failure.empty() ||
        stopped_)
        co_return;
    auto s = it->second; // the slot outlives a take() while this waits
    asio::steady_timer limit(ex_, timeout);
    co_await (s->arrived.async_wait(nothrow) || limit.async_wait(nothrow));
}

std::optional<runner::accepted_connection> case_listener::take(const std::string& path,
                                                               std::string* tls_failure) {
    if (tls_failure)
        tls_failure->clear();
    auto it = waiting_.find(path);
    if (it == waiting_.end())
        return std::nullopt;
    auto connection = std::move(it->second->connection);
    if (tls_failure && !connection)
        *tls_failure = std::move(it->second->tls_failure);
    waiting_.erase(it);
    return connection;
}

void case_listener::tls_failed(const std::string& why) {
    for (auto& [path, s] : waiting_) {
        if (s->connection || !s->tls_failure.empty())
            continue;
        s->tls_failure = why;
        s->arrived.cancel();
    }
}

asio::awaitable<void> case_listener::accept_loop() {
    while (!stopped_) {
        tcp::socket socket(ex_);
        auto [ec] = co_await acceptor_.async_accept(socket, nothrow);
        if (stopped_)
            co_return;
        if (ec) {
            // Out of descriptors or a connection reset before it was taken: wait, go on.
            asio::steady_timer backoff(ex_, std::chrono::milliseconds(50));
            co_await backoff.async_wait(nothrow);
            continue;
        }
        asio::co_spawn(ex_, serve(std::move(socket), std::chrono::steady_clock::now()),
                       asio::detached);
    }
}

asio::awaitable<void> case_listener::serve(tcp::socket socket,
                                           std::chrono::steady_clock::time_point since) {
    std::string data;
    std::array<codec::byte, 4096> buf;
    runner::accepted_connection c{
        .stream = net::transport(ex_, tls_, nullptr), .request = {}, .request_text = {}};
    net::transport stream(ex_, tls_, nullptr);
    stream.adopt(std::move(socket));
    if (tls_) {
        // RFC 6455 4.1: a wss:// client performs the TLS handshake before it sends its request.
        ++tls_handshakes_;
        auto ec = co_await stream.accept_tls(request_timeout_);
        --tls_handshakes_;
        if (ec) {
            std::string why = "the TLS handshake failed: ";
            if (ec == asio::error::timed_out)
                why = "the client did not complete the TLS handshake in time";
            else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
                     ec == asio::error::connection_reset)
                why += "the client closed the connection without a TLS alert";
            else if (ec.category() == asio::error::get_ssl_category() &&
                     ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
                         SSL_R_UNSUPPORTED_PROTOCOL)
                // Our side ended it: the client offered no version this listener speaks.
                why +=
                    "the client offered no TLS version this server speaks (" + ec.message() + ")";
            else
                why += ec.message();
            stream.close();
            tls_failed(why);
            co_return;
        }
    }
    std::size_t header_bytes = 0;
    std::string error;
    asio::steady_timer limit(ex_, request_timeout_);
    bool timed_out = false;
    limit.async_wait([&](auto ec) {
        if (!ec) {
            timed_out = true;
            stream.close();
        }
    });
    for (;;) {
        auto status = codec::parse_request(data, c.request, header_bytes, &error);
        if (status == codec::request_parse_status::complete)
            break;
        if (status == codec::request_parse_status::malformed || data.size() > request_limit) {
            limit.cancel();
            // Built before the co_await: GCC 12 destroys temporaries of a conditional
            // expression twice when they sit in a co_await's arguments.
            std::string why = "malformed opening handshake request: ";
            why += error.empty() ? "header too large" : error;
            co_await refuse(stream, 400, why);
            co_return;
        }
        auto [ec, n] = co_await stream.read_some(buf);
        data.append(reinterpret_cast<const char*>(buf.data()), n);
        if (ec) {
            limit.cancel();
            (void)timed_out; // a client that connects and never asks: nothing to answer
            co_return;
        }
    }
    limit.cancel();
    c.request_text = data.substr(0, header_bytes);
    c.early.assign(data.begin() + static_cast<std::ptrdiff_t>(header_bytes), data.end());
    c.waited_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - since)
                      .count();
    c.stream = std::move(stream);
    c.authority = authority();

    auto it = waiting_.find(path_of(c.request.target));
    if (it != waiting_.end() && !it->second->connection) {
        it->second->connection = std::move(c);
        it->second->arrived.cancel();
        co_return;
    }
    if (other_) {
        co_await other_(std::move(c));
        co_return;
    }
    std::string why = "this URL was used already: each case's URL takes one connection";
    if (it == waiting_.end())
        why = "no case waits for " + path_of(c.request.target) +
              " (its client may have come too late)";
    co_await refuse(c.stream, 404, why);
}

asio::awaitable<void> refuse(net::transport& stream, unsigned status, std::string_view why) {
    auto response = codec::make_refusal(status,
                                        status == 404   ? "Not Found"
                                        : status == 400 ? "Bad Request"
                                                        : "Error",
                                        false);
    response.remove("Content-Length");
    std::string body = std::string(why) + "\n";
    response.add("Content-Type", "text/plain; charset=utf-8");
    response.add("Content-Length", std::to_string(body.size()));
    response.add("Connection", "close");
    response.body = body;
    auto text = response.serialize();
    co_await stream.write(codec::to_bytes(text));
    stream.shutdown_send();
    stream.close();
}

} // namespace wsconform::clients
