#pragma once
/// Runs one case over one connection, as Autobahn|Testsuite's fuzzing client would: opening
/// handshake, the case's script, our side of the protocol (pong replies, closing handshake,
/// failing the connection on a violation), timers, and the verdicts.

#include "harness/codec/handshake.hpp"
#include "harness/net/transport.hpp"
#include "harness/runner/case.hpp"

#include <boost/asio/awaitable.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
    /// Multiplies every timer: case timers, handshake and closing timeouts.
    double timeout_scale = 1.0;
    seconds connect_timeout{5};
    seconds open_handshake_timeout{5};  ///< Autobahn openHandshakeTimeout
    seconds close_handshake_timeout{1}; ///< Autobahn closeHandshakeTimeout
    seconds server_drop_timeout{1};     ///< Autobahn serverConnectionDropTimeout
    seconds case_deadline{60};          ///< backstop if every other timer failed to end the case
    std::uint64_t max_payload = 64ull * 1024 * 1024;   ///< largest frame/message we accept
    std::uint64_t max_received = 256ull * 1024 * 1024; ///< flood guard per case
    /// Memory the running cases may hold together (see memory_weight): heavy cases wait.
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
};

/// A frame as it crossed the wire, for the wire log.
struct frame_record {
    std::int64_t t_us = 0;
    bool sent = false;
    codec::frame value;             ///< payload cut to the first 1024 bytes
    std::size_t payload_length = 0; ///< the real payload length
};

struct case_result {
    verdict behavior = verdict::failed;
    close_verdict behavior_close = close_verdict::failed;
    verdict overall = verdict::failed;
    std::string result;             ///< why `behavior` is what it is
    std::string result_close;       ///< why `behavior_close` is what it is
    std::vector<std::string> notes; ///< further reasoning (violations seen, timers fired)

    std::vector<event> received;
    std::optional<codec::close_code> remote_close_code;
    std::string remote_close_reason;
    std::optional<codec::close_code> local_close_code;
    bool handshake_ok = false;
    boost::system::error_code connect_error; ///< why the TCP/TLS connect failed, if it did
    bool closed_by_me = false;
    bool failed_by_me = false;
    bool dropped_by_me = false;
    bool was_clean = false;

    std::string started_at;       ///< ISO 8601 UTC
    std::int64_t duration_ms = 0; ///< end of opening handshake to TCP close (Autobahn's)
    std::int64_t handshake_us = -1;
    std::string request;  ///< the opening handshake as sent
    std::string response; ///< the response header as received
    std::vector<net::wire_chunk> chunks;
    std::vector<frame_record> frames;
    /// Figures a case measured (a size limit, a hold time, counts), by name.
    std::map<std::string, double> metrics;

    /// One line: what the peer did.
    std::string observation() const;
};

/// The current UTC time in ISO 8601 with milliseconds ("2026-11-22T05:55:07.123Z"), as
/// case_result::started_at has it.
std::string iso_now();

/// The result of a case decided without a WebSocket connection: a TLS check, "not checked", a
/// target that no longer accepts connections. `why` explains the behavior; the close outcome
/// follows it, and `result_close` says why.
case_result
decided_without_connection(verdict v, std::string why,
                           std::string result_close = "no WebSocket connection was to be opened");

/// Runs `c`'s script over one connection to `settings.url`, with its opening handshake and
/// verdicts. Never throws for anything the peer does.
boost::asio::awaitable<case_result> run_connection(const case_def& c,
                                                   const session_settings& settings);

/// A fresh connection that must get one echo within 1 s (timers scale with
/// `session_settings::timeout_scale`): the server is still serving. Run it with run_connection;
/// `behavior` is OK when the echo came.
const case_def& canary_case();

/// Runs case `c`: one connection, or the procedure `c.run_as` names; then, for cases that
/// check it, whether a fresh connection still gets an echo. A FAILED result ends with the
/// requirements the case enforces, quoted (`c.musts`).
boost::asio::awaitable<case_result> run_case(const case_def& c, const session_settings& settings);

} // namespace wsconform::runner
