#pragma once
/// The HTTP/2 connection a run's cases share (streams are cheap): opened on first use, and
/// opened again when it was lost or the server sent GOAWAY. Cases that test the connection
/// itself open their own with connection::open.

#include "harness/http2/connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace wsconform::http2 {

class shared_connection {
  public:
    shared_connection(net::target_url url, std::shared_ptr<boost::asio::ssl::context> tls,
                      local_settings settings = {});

    /// The connection, opened (or opened again) within `timeout` if it has to be; on failure,
    /// why. Callers that come while it opens wait for that attempt.
    boost::asio::awaitable<std::pair<std::shared_ptr<connection>, std::string>>
    get(std::chrono::milliseconds timeout);
    /// GOAWAY on the open connection (the end of a run).
    void close();

    const net::target_url& url() const { return url_; }
    std::shared_ptr<boost::asio::ssl::context> tls() const { return tls_; }
    const local_settings& settings() const { return settings_; }

  private:
    net::target_url url_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    local_settings settings_;
    std::shared_ptr<connection> current_;
    bool opening_ = false;
    std::string last_error_;
    /// Cancelled when an attempt to open ends (made on first use, on the caller's executor).
    std::optional<boost::asio::steady_timer> opened_;
};

} // namespace wsconform::http2
