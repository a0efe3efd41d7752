#pragma once
/// Sends one fuzz input over one fresh connection (opening handshake from the handshake codec,
/// then the input as its steps, chunking and pauses say, then the canary) and reads the
/// server's answer with the reply checker; and checks that the target still serves.

#include "harness/livefuzz/input.hpp"
#include "harness/livefuzz/oracle.hpp"
#include "harness/net/transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace wsconform::livefuzz {

struct target_settings {
    net::target_url url;
    std::shared_ptr<boost::asio::ssl::context> tls; ///< for wss://
    /// Over HTTP/2 (RFC 8441): each input on an extended CONNECT stream of a connection of its
    /// own (inputs run on event loops of their own, so no connection is shared).
    bool http2 = false;
    /// TCP (and TLS) connect, and separately the opening handshake.
    std::chrono::milliseconds connect_timeout{2000};
    /// After the canary: how long its echo (or the server's Close) may take.
    std::chrono::milliseconds reply_timeout{1000};
    /// Without a canary (the input ends inside a frame, or with a Close): how long to collect
    /// what the server sends after the last write.
    std::chrono::milliseconds quiet_timeout{50};
    /// After the canary's echo, when the input was valid and had pings but no pong has come:
    /// how long a pong may still take.
    std::chrono::milliseconds pong_timeout{200};
};

/// One input's connection: what RFC 6455 expects of the server and what it did.
struct execution {
    expectation expected; ///< over the octets sent, canary included when it was sent
    connection_outcome outcome;
};

boost::asio::awaitable<execution> execute(const fuzz_input& in, const target_settings& target);

/// Whether the target still serves: a fresh connection gets its canary echoed
/// (runner::canary_case). `scale` stretches every timer of that check.
struct liveness {
    enum class state : std::uint8_t { alive, refused, unresponsive };
    state what = state::alive;
    std::string detail;
    bool alive() const { return what == state::alive; }
};
boost::asio::awaitable<liveness> check_alive(const target_settings& target, double scale = 1.0);

/// The same, on a private io_context, for callers outside one.
liveness check_alive_now(const target_settings& target, double scale = 1.0);
execution execute_now(const fuzz_input& in, const target_settings& target);

} // namespace wsconform::livefuzz
