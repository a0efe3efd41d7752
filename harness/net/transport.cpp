#include "harness/net/transport.hpp"

#include "harness/net/tls_key_log.hpp"

#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace wsconform::net {

using namespace asio::experimental::awaitable_operators;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& settings,
                                                     std::string* error) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    auto failed = [&](const std::string& why) -> std::shared_ptr<asio::ssl::context> {
        if (error)
            *error = "TLS setup failed: " + why;
        return nullptr;
    };
    if (settings.versions != tls_versions::defaults) {
        // Legacy versions need security level 0 in OpenSSL 3 (SHA-1 signatures, RFC 8996).
        int version = settings.versions == tls_versions::only_1_0 ? TLS1_VERSION : TLS1_1_VERSION;
        SSL_CTX* native = ctx->native_handle();
        SSL_CTX_set_security_level(native, 0);
        if (SSL_CTX_set_min_proto_version(native, version) != 1 ||
            SSL_CTX_set_max_proto_version(native, version) != 1 ||
            SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0") != 1)
            return failed("this OpenSSL cannot offer the legacy TLS version");
    }
    error_code ec;
    ctx->set_verify_mode(settings.verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
    if (!ec && (settings.verify || settings.load_trust)) {
        if (settings.ca_file.empty())
            ctx->set_default_verify_paths(ec);
        else
            ctx->load_verify_file(settings.ca_file, ec);
    }
    if (ec)
        return failed(ec.message() +
                      (settings.ca_file.empty() ? "" : " (" + settings.ca_file + ")"));
    if (!settings.alpn.empty()) {
        std::string wire; // RFC 7301 §3.1: each name prefixed by its length
        for (const auto& name : settings.alpn)
            wire += static_cast<char>(name.size()) + name;
        if (SSL_CTX_set_alpn_protos(ctx->native_handle(),
                                    reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) != 0)
            return failed("cannot set the ALPN protocols");
    }
    log_tls_keys_if_asked(ctx->native_handle());
    return ctx;
}

std::shared_ptr<asio::ssl::context> make_tls_server_context(const std::string& chain_pem,
                                                            const std::string& key_pem,
                                                            bool legacy_only, std::string* error) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    error_code ec;
    ctx->use_certificate_chain(asio::buffer(chain_pem), ec);
    if (!ec)
        ctx->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem, ec);
    if (ec) {
        if (error)
            *error = "TLS server setup failed: " + ec.message();
        return nullptr;
    }
    if (legacy_only) {
        // OpenSSL 3 speaks TLS 1.0 and 1.1 only at security level 0 (their handshake signs
        // with SHA-1), so that level is set here, for this listener alone.
        SSL_CTX* native = ctx->native_handle();
        SSL_CTX_set_security_level(native, 0);
        if (SSL_CTX_set_min_proto_version(native, TLS1_VERSION) != 1 ||
            SSL_CTX_set_max_proto_version(native, TLS1_1_VERSION) != 1 ||
            SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0") != 1) {
            if (error)
                *error = "TLS server setup failed: this OpenSSL cannot serve TLS 1.0/1.1";
            return nullptr;
        }
    }
    log_tls_keys_if_asked(ctx->native_handle());
    return ctx;
}

transport::transport(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
                     wire_recorder* recorder)
    : socket_(ex), tls_context_(std::move(tls)), recorder_(recorder) {}

void transport::adopt(asio::ip::tcp::socket accepted) {
    socket_ = std::move(accepted);
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

void transport::adopt(transport&& accepted) {
    socket_ = std::move(accepted.socket_);
    tls_context_ = std::move(accepted.tls_context_);
    tls_ = std::move(accepted.tls_);
    accepted_tls_ = accepted.accepted_tls_;
    write_failed_ = accepted.write_failed_;
    // Octet-wise cases write one octet at a time: Nagle would hold each until an ACK.
    error_code ignored;
    lowest().set_option(asio::ip::tcp::no_delay(true), ignored);
}

bool transport::move_to(asio::any_io_executor ex) {
    if (tls_)
        return false;
    // The descriptor is registered with the old loop's reactor: released there, assigned anew.
    error_code ec;
    const auto protocol = socket_.local_endpoint(ec).protocol();
    if (ec)
        return false;
    const auto fd = socket_.release(ec);
    if (ec)
        return false;
    asio::ip::tcp::socket moved(std::move(ex));
    moved.assign(protocol, fd, ec);
    if (ec)
        return false;
    socket_ = std::move(moved);
    return true;
}

asio::awaitable<error_code> transport::accept_tls(std::chrono::steady_clock::duration timeout) {
    if (!tls_context_)
        co_return asio::error::no_protocol_option;
    asio::steady_timer deadline(socket_.get_executor(), timeout);
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket_),
                                                                      *tls_context_);
    auto hs = co_await (tls_->async_handshake(asio::ssl::stream_base::server, nothrow) ||
                        deadline.async_wait(nothrow));
    if (hs.index() == 1) {
        lowest().close();
        co_return asio::error::timed_out;
    }
    auto [ec] = std::get<0>(hs);
    accepted_tls_ = !ec; // after a failed handshake there is no session to close
    co_return ec;
}

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
        tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket_),
                                                                          *tls_context_);
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
            lowest().close();
            co_return asio::error::timed_out;
        }
        if (auto [hec] = std::get<0>(hs); hec)
            co_return hec;
    }
    co_return error_code{};
}

void transport::adopt(std::shared_ptr<tunnel> carried) {
    tunnel_ = std::move(carried);
}

asio::awaitable<error_code> transport::write(codec::byte_view data) {
    // A connection that failed a write is broken for good. Asio would queue a new write to
    // wait for the socket to become writable, and a reset socket never signals that again
    // (the reactor is edge-triggered, and its one error edge went to the failed write).
    if (write_failed_)
        co_return write_failed_;
    if (recorder_)
        recorder_->record(true, data);
    auto buffer = asio::buffer(data.data(), data.size());
    error_code ec;
    if (tunnel_)
        ec = co_await tunnel_->write(data);
    else if (tls_)
        std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, buffer, nothrow);
    else
        std::tie(ec, std::ignore) = co_await asio::async_write(socket_, buffer, nothrow);
    if (ec && ec != asio::error::operation_aborted)
        write_failed_ = ec;
    co_return ec;
}

asio::awaitable<std::pair<error_code, std::size_t>>
transport::read_some(std::span<codec::byte> buffer) {
    auto buf = asio::buffer(buffer.data(), buffer.size());
    error_code ec;
    std::size_t n = 0;
    // Not a conditional expression: GCC 12 mis-compiles co_await in the arms of ?:.
    if (tunnel_)
        std::tie(ec, n) = co_await tunnel_->read_some(buffer);
    else if (tls_)
        std::tie(ec, n) = co_await tls_->async_read_some(buf, nothrow);
    else
        std::tie(ec, n) = co_await socket_.async_read_some(buf, nothrow);
    if (n > 0 && recorder_)
        recorder_->record(false, buffer.first(n));
    if (ec == asio::ssl::error::stream_truncated)
        ec = asio::error::eof;
    co_return std::pair{ec, n};
}

std::optional<tls_peer> transport::peer(std::string_view host) const {
    if (!tls_)
        return std::nullopt;
    SSL* ssl = tls_->native_handle();
    tls_peer p;
    p.protocol = SSL_get_version(ssl);
    const unsigned char* selected = nullptr;
    unsigned selected_length = 0;
    SSL_get0_alpn_selected(ssl, &selected, &selected_length);
    if (selected)
        p.alpn.assign(reinterpret_cast<const char*>(selected), selected_length);
    p.verify_result = SSL_get_verify_result(ssl);
    p.verify_message = X509_verify_cert_error_string(p.verify_result);
    std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
    if (!cert)
        return p;
    p.has_certificate = true;
    if (auto* name = X509_get_subject_name(cert.get())) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (bio && X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) >= 0) {
            char* data = nullptr;
            auto n = BIO_get_mem_data(bio.get(), &data);
            p.subject.assign(data, static_cast<std::size_t>(n));
        }
    }
    auto unix_time = [](const ASN1_TIME* t) -> std::int64_t {
        std::tm tm{};
        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
            return 0;
        return static_cast<std::int64_t>(timegm(&tm));
    };
    p.not_before = unix_time(X509_get0_notBefore(cert.get()));
    p.not_after = unix_time(X509_get0_notAfter(cert.get()));
    const std::string h(host);
    error_code ec;
    asio::ip::make_address(h, ec);
    p.names_host = ec ? X509_check_host(cert.get(), h.c_str(), h.size(), 0, nullptr) == 1
                      : X509_check_ip_asc(cert.get(), h.c_str(), 0) == 1;
    return p;
}

void transport::shutdown_send() {
    if (tunnel_)
        return tunnel_->shutdown_send();
    error_code ignored;
    lowest().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

namespace {
/// Writes our close_notify, then closes TCP; bounded, since the peer may not read.
asio::awaitable<void>
close_notify_then_close(std::shared_ptr<asio::ssl::stream<asio::ip::tcp::socket>> stream) {
    // As if the peer's close_notify had come: SSL_shutdown then only sends ours, and the
    // shutdown completes once it is written instead of waiting for the peer's.
    SSL_set_shutdown(stream->native_handle(), SSL_RECEIVED_SHUTDOWN);
    asio::steady_timer limit(stream->get_executor(), std::chrono::milliseconds(500));
    co_await (stream->async_shutdown(nothrow) || limit.async_wait(nothrow));
    error_code ignored;
    stream->next_layer().close(ignored);
}
} // namespace

void transport::close() {
    if (tunnel_)
        return tunnel_->close();
    error_code ignored;
    if (tls_ && accepted_tls_ && tls_->next_layer().is_open()) {
        // The stream leaves this transport (it is closed from now on); pending reads and writes
        // end with operation_aborted while the close_notify goes out.
        std::shared_ptr<asio::ssl::stream<asio::ip::tcp::socket>> stream(std::move(tls_));
        stream->next_layer().cancel(ignored);
        auto ex = stream->get_executor();
        asio::co_spawn(ex, close_notify_then_close(std::move(stream)), asio::detached);
        return;
    }
    lowest().close(ignored);
}

} // namespace wsconform::net
