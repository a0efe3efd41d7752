#include "harness/net/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

namespace wsconform::net {

using namespace asio::experimental::awaitable_operators;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& settings,
                                                     std::string* error) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    error_code ec;
    if (settings.verify) {
        ctx->set_verify_mode(asio::ssl::verify_peer, ec);
        if (!ec) {
            if (settings.ca_file.empty())
                ctx->set_default_verify_paths(ec);
            else
                ctx->load_verify_file(settings.ca_file, ec);
        }
    } else {
        ctx->set_verify_mode(asio::ssl::verify_none, ec);
    }
    if (ec) {
        if (error)
            *error = "TLS setup failed: " + ec.message() +
                     (settings.ca_file.empty() ? "" : " (" + settings.ca_file + ")");
        return nullptr;
    }
    return ctx;
}

transport::transport(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
                     wire_recorder* recorder)
    : socket_(ex), tls_context_(std::move(tls)), recorder_(recorder) {}

asio::awaitable<error_code> transport::connect(const target_url& url,
                                               std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer deadline(ex, timeout);
    asio::ip::tcp::resolver resolver(ex);

    auto [rec, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), nothrow);
    if (rec)
        co_return rec;

    auto race =
        co_await (asio::async_connect(socket_, endpoints, nothrow) || deadline.async_wait(nothrow));
    if (race.index() == 1) {
        socket_.close();
        co_return asio::error::timed_out;
    }
    if (auto [cec, ep] = std::get<0>(race); cec)
        co_return cec;
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);

    if (url.tls) {
        if (!tls_context_)
            co_return asio::error::no_protocol_option;
        tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
        error_code aec;
        asio::ip::make_address(url.host, aec);
        if (aec) // SNI carries host names only, never address literals (RFC 6066 §3)
            SSL_set_tlsext_host_name(tls_->native_handle(), url.host.c_str());
        if (tls_context_->native_handle() &&
            SSL_CTX_get_verify_mode(tls_context_->native_handle()) != SSL_VERIFY_NONE)
            tls_->set_verify_callback(asio::ssl::host_name_verification(url.host));
        auto hs = co_await (tls_->async_handshake(asio::ssl::stream_base::client, nothrow) ||
                            deadline.async_wait(nothrow));
        if (hs.index() == 1) {
            socket_.close();
            co_return asio::error::timed_out;
        }
        if (auto [hec] = std::get<0>(hs); hec)
            co_return hec;
    }
    co_return error_code{};
}

asio::awaitable<error_code> transport::write(codec::byte_view data) {
    if (recorder_)
        recorder_->record(true, data);
    auto buffer = asio::buffer(data.data(), data.size());
    if (tls_) {
        auto [ec, n] = co_await asio::async_write(*tls_, buffer, nothrow);
        co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(socket_, buffer, nothrow);
    co_return ec;
}

asio::awaitable<std::pair<error_code, std::size_t>>
transport::read_some(std::span<codec::byte> buffer) {
    auto buf = asio::buffer(buffer.data(), buffer.size());
    auto [ec, n] = tls_ ? co_await tls_->async_read_some(buf, nothrow)
                        : co_await socket_.async_read_some(buf, nothrow);
    if (n > 0 && recorder_)
        recorder_->record(false, buffer.first(n));
    if (ec == asio::ssl::error::stream_truncated)
        ec = asio::error::eof;
    co_return std::pair{ec, n};
}

void transport::shutdown_send() {
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

void transport::close() {
    error_code ignored;
    socket_.close(ignored);
}

} // namespace wsconform::net
