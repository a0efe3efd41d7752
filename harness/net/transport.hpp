#pragma once
/// One connection to the target: TCP or TLS (OpenSSL through Asio), with deadlines and every
/// byte recorded. Knows nothing of frames or cases.

#include "harness/codec/bytes.hpp"
#include "harness/net/url.hpp"
#include "harness/net/wire_recorder.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>

namespace wsconform::net {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

struct tls_settings {
    bool verify = false; ///< verify the certificate chain and host name
    std::string ca_file; ///< trust anchors; empty: the system's default paths
};

/// The TLS client context shared by all connections of a run.
std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& settings,
                                                     std::string* error = nullptr);

class transport {
  public:
    transport(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
              wire_recorder* recorder);

    /// Resolves, connects and, for wss://, performs the TLS handshake with SNI, all within
    /// `timeout`. A timeout is reported as asio::error::timed_out.
    asio::awaitable<error_code> connect(const target_url& url, std::chrono::milliseconds timeout);
    /// Writes all of `data` (recorded as one chunk).
    asio::awaitable<error_code> write(codec::byte_view data);
    /// Reads what is available (recorded). End of stream is asio::error::eof, also when a TLS
    /// peer closes without close_notify.
    asio::awaitable<std::pair<error_code, std::size_t>> read_some(std::span<codec::byte> buffer);
    /// Half-closes our sending side.
    void shutdown_send();
    /// Drops the connection at once; pending operations complete with operation_aborted.
    void close();
    bool is_open() const { return socket_.is_open(); }

  private:
    asio::ip::tcp::socket socket_;
    std::shared_ptr<asio::ssl::context> tls_context_;
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
    wire_recorder* recorder_;
};

} // namespace wsconform::net
