#pragma once
/// Runs one case over one connection, as Autobahn|Testsuite's fuzzing client would: opening
/// handshake (opening_handshake.hpp), the case's script, our side of the protocol (the core,
/// harness/protocol/connection.hpp: pong replies, closing handshake, failing the connection on
/// a violation) on real timers, and the facts the judge decides from (judge.hpp). The pieces:
/// case_socket (writes), frame_log (the wire record's frames), peer_events (what the peer's
/// events leave in the record), echo_stream_driver (9.x, 12.x, 13.x); session.cpp drives them.

#include "harness/codec/handshake.hpp"
#include "harness/net/transport.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"
#include "harness/runner/client_keys.hpp"
#include "harness/runner/judge.hpp"
#include "harness/runner/timing.hpp"

#include <boost/asio/awaitable.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::http2 {
class shared_connection;
}

namespace wsconform::runner {

class compression_cache;

/// Holds the connections of a crowd until all of them have arrived (opened, or failed to).
class crowd_gate {
  public:
    crowd_gate(boost::asio::any_io_executor ex, std::size_t members);
    /// Counts one member in; the last one releases everybody.
    void arrive();
    /// Returns once every member has arrived.
    boost::asio::awaitable<void> wait();

  private:
    std::size_t waiting_for_;
    boost::asio::steady_timer released_;
};

struct session_settings {
    net::target_url url;
    std::shared_ptr<boost::asio::ssl::context> tls; ///< for wss://
    /// The waits below are as the run waits them: set_timeout_scale stretches them once.
    seconds connect_timeout{5};
    seconds open_handshake_timeout{5};  ///< Autobahn openHandshakeTimeout
    seconds close_handshake_timeout{1}; ///< Autobahn closeHandshakeTimeout
    seconds server_drop_timeout{1};     ///< Autobahn serverConnectionDropTimeout
    seconds case_deadline{60};          ///< backstop if every other timer failed to end the case
    seconds probe_timeout{1};           ///< connecting to see whether the target still lives
    seconds reconnect_wait{0.5};        ///< after a failed connect, before the case is tried again
    /// An opening handshake answered later than this says the target is loaded: a quarter of
    /// the closing handshake's 1 s timer, the shortest that decides verdicts.
    seconds slow_handshake{0.25};
    /// --timeout-scale, for the timers a case's own data sets (pause, fail_after, close_after,
    /// trickling, slow_after): `case_timers.steady(step.after)` as they are armed.
    clock_scale case_timers;
    /// --timeout-scale: stretches every wait above and sets `case_timers`. Call once, where
    /// the settings are made.
    void set_timeout_scale(double factor);
    std::uint64_t max_payload = 64ull * 1024 * 1024;   ///< largest frame/message we accept
    std::uint64_t max_received = 256ull * 1024 * 1024; ///< flood guard per case
    /// The wire record each case may keep (record_limits::within): run_cases gives each case
    /// an equal share of `record_budget_bytes`, never less than `record_share_floor`.
    std::uint64_t record_share_bytes = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t record_budget_bytes = 64ull * 1024 * 1024;
    static constexpr std::uint64_t record_share_floor = 64 * 1024;
    /// The received data the running cases may hold together (see memory_weight): with the
    /// record budget, what bounds a run's memory whatever the peer sends. Heavy cases wait.
    std::uint64_t memory_budget_bytes = 96ull * 1024 * 1024;
    /// Our compressed messages kept for reuse by later cases (see compression_cache): run_cases
    /// makes one of `compression_cache_bytes` per run.
    std::shared_ptr<compression_cache> compressed_messages;
    std::uint64_t compression_cache_bytes = 128ull * 1024 * 1024;
    std::vector<codec::header_field> extra_headers; ///< added to every opening handshake
    std::string allowed_origin;  ///< the Origin the server serves (security cases), or empty
    net::tls_settings tls_setup; ///< how the run's TLS context was made (for TLS checks)
    /// Set for the connections of a crowd (`wait_for_crowd`).
    std::shared_ptr<class crowd_gate> gate;
    /// Testing a client: where each case's connection comes from (the run's client_source);
    /// empty when testing the server at `url`.
    std::shared_ptr<class client_source> clients;
    /// Testing a server over HTTP/2 (RFC 8441): the connection the cases' streams share; empty
    /// for HTTP/1.1.
    std::shared_ptr<http2::shared_connection> http2;
    /// Testing a client: the keys of the run's connections, for the checks across the run.
    std::shared_ptr<class client_key_log> client_keys = std::make_shared<client_key_log>();
};

/// How long case `c` may run before its connection is dropped whatever happens, as the run
/// waits it: the run's `case_deadline`, or longer when the case's own timers are (9.x waits up
/// to 1000 s for an echo).
seconds case_backstop(const case_def& c, const session_settings& settings);

/// Runs `c`'s script over one connection to `settings.url`, with its opening handshake and
/// verdicts. Never throws for anything the peer does.
boost::asio::awaitable<case_result> run_connection(const case_def& c,
                                                   const session_settings& settings);

struct accepted_connection;

/// Testing a client: runs `c`'s script over the connection `client` opened (we are the server),
/// from our answer to its opening handshake to the verdicts.
boost::asio::awaitable<case_result>
run_accepted(const case_def& c, const session_settings& settings, accepted_connection client);

} // namespace wsconform::runner
