#pragma once
/// One connection to the peer under test: TCP or TLS (OpenSSL through Asio), opened by us (a
/// server under test) or accepted from it (a client under test), with deadlines and every byte
/// recorded. Knows nothing of frames or cases.

#include "harness/codec/bytes.hpp"
#include "harness/net/tunnel.hpp"
#include "harness/net/url.hpp"
#include "harness/net/wire_recorder.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wsconform::net {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

/// Which TLS versions a client offers: the library's defaults, or exactly one legacy version
/// (to find out whether a server still accepts it).
enum class tls_versions : std::uint8_t { defaults, only_1_0, only_1_1 };

struct tls_settings {
    bool verify = false; ///< verify the certificate chain and host name
    std::string ca_file; ///< trust anchors; empty: the system's default paths
    tls_versions versions = tls_versions::defaults;
    /// ALPN protocols offered, most preferred first (RFC 7301), e.g. "h2"; empty: no ALPN.
    std::vector<std::string> alpn{};
    /// Load the trust anchors even without `verify`, so the verification result can be read
    /// after the handshake (transport::tls_peer) while the connection still goes ahead.
    bool load_trust = false;
};

/// What the TLS handshake showed about the server.
struct tls_peer {
    std::string protocol; ///< "TLSv1.3"
    std::string alpn;     ///< the protocol the server selected by ALPN, or empty
    bool has_certificate = false;
    long verify_result = 0;      ///< X509_V_OK (0) or an X509_V_ERR_* code
    std::string verify_message;  ///< OpenSSL's text for verify_result
    std::string subject;         ///< one line, e.g. "CN=localhost"
    std::int64_t not_before = 0; ///< Unix time
    std::int64_t not_after = 0;  ///< Unix time
    bool names_host = false;     ///< the certificate is valid for the URL's host (RFC 6125)
};

/// The TLS client context shared by all connections of a run.
std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& settings,
                                                     std::string* error = nullptr);

/// A TLS server context (we are the server: testing a client) presenting `chain_pem` (leaf
/// first) with `key_pem`. `legacy_only`: TLS 1.0 and 1.1 only, nothing newer (RFC 8996 forbids
/// both; a client must refuse them).
std::shared_ptr<asio::ssl::context> make_tls_server_context(const std::string& chain_pem,
                                                            const std::string& key_pem,
                                                            bool legacy_only,
                                                            std::string* error = nullptr);

class transport {
  public:
    transport(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
              wire_recorder* recorder);
    transport(transport&&) = default;
    transport& operator=(transport&&) = default;

    /// Resolves, connects and, for wss://, performs the TLS handshake with SNI, all within
    /// `timeout`. A timeout is reported as asio::error::timed_out.
    asio::awaitable<error_code> connect(const target_url& url, std::chrono::milliseconds timeout);
    /// Takes a connection a client opened to us (we are the server: testing a client), plain
    /// TCP. The socket must belong to this transport's executor.
    void adopt(asio::ip::tcp::socket accepted);
    /// Takes over `accepted`'s connection (TCP, or TLS after accept_tls) and keeps recording
    /// into this transport's recorder.
    void adopt(transport&& accepted);
    /// Runs over `carried` from now on (an HTTP/2 stream): reads, writes and closes go to it,
    /// still recorded here. The transport must not have a connection of its own.
    void adopt(std::shared_ptr<tunnel> carried);
    /// Plain TCP only: moves the connection to the event loop of `ex` (a connection accepted on
    /// one thread's loop, run on another's). False when it is TLS or the socket is gone.
    bool move_to(asio::any_io_executor ex);
    /// After adopt(socket), with a server context: the TLS handshake as the server, within
    /// `timeout`. The error's message is OpenSSL's reason (e.g. the alert the client sent).
    asio::awaitable<error_code> accept_tls(std::chrono::steady_clock::duration timeout);
    /// Writes all of `data` (recorded as one chunk). After a write failed, every write fails
    /// at once with the same error.
    asio::awaitable<error_code> write(codec::byte_view data);
    /// Reads what is available (recorded). End of stream is asio::error::eof, also when a TLS
    /// peer closes without close_notify.
    asio::awaitable<std::pair<error_code, std::size_t>> read_some(std::span<codec::byte> buffer);
    /// Half-closes our sending side.
    void shutdown_send();
    /// Drops the connection at once; pending operations complete with operation_aborted. A TLS
    /// connection we accepted (we are the server) first gets our close_notify (RFC 8446 6.1:
    /// "Each party MUST send a "close_notify" alert before closing its write side of the
    /// connection"): a client may wait for it before it lets go of the connection.
    void close();
    bool is_open() const { return tunnel_ ? tunnel_->is_open() : lowest().is_open(); }
    bool secure() const { return tls_ != nullptr; }
    /// Over a tunnel (HTTP/2): how its stream ended if not in order (tunnel::abnormal_end).
    std::string tunnel_end() const { return tunnel_ ? tunnel_->abnormal_end() : std::string(); }
    /// Over a tunnel: its carrying connection ended (tunnel::carrier_lost).
    bool carrier_lost() const { return tunnel_ && tunnel_->carrier_lost(); }
    /// After a TLS connect: the negotiated protocol and the server's certificate, checked
    /// against `host`. Empty for plain TCP.
    std::optional<tls_peer> peer(std::string_view host) const;

  private:
    asio::ip::tcp::socket& lowest() { return tls_ ? tls_->next_layer() : socket_; }
    const asio::ip::tcp::socket& lowest() const { return tls_ ? tls_->next_layer() : socket_; }

    asio::ip::tcp::socket socket_; ///< plain TCP; moved into `tls_` once TLS starts
    std::shared_ptr<asio::ssl::context> tls_context_;
    /// Owns its socket (not a reference to `socket_`), so a transport can be moved: an accepted
    /// TLS connection goes from the listener that read its request to the case.
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> tls_;
    bool accepted_tls_ = false;      ///< tls_ is the server side (accept_tls)
    std::shared_ptr<tunnel> tunnel_; ///< set: the connection is a stream inside another
    wire_recorder* recorder_;
    error_code write_failed_; ///< the error of the write that failed, if one did
};

} // namespace wsconform::net
