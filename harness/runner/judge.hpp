#pragma once
/// Every verdict of the project is decided here, from a case's rules (case_def) and what was
/// observed: the message-level `behavior`, the closing `behavior_close`, the overall verdict
/// and the reasons. Autobahn|Testsuite's rules (a match of the observed events against each
/// expected list; who closed first, a clean close, the code, who dropped TCP) plus ours. Pure:
/// no sockets, no timers.

#include "harness/codec/handshake.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::runner {

/// A verdict decided outright (a refusal, "not checked", a TLS check, a procedure's finding,
/// a target that could not be reached). The closing outcome follows it: FAILED for FAILED,
/// INFORMATIONAL for INFORMATIONAL (as Autobahn's informational cases have it: nothing about
/// the closing was judged), OK otherwise.
void decide(case_result& r, verdict v, std::string why);

/// The result of a case decided without a WebSocket connection: a TLS check, "not checked", a
/// target that no longer accepts connections. `why` explains the behavior; `result_close`
/// says why the close outcome is what it is.
case_result
decided_without_connection(verdict v, std::string why,
                           std::string result_close = "no WebSocket connection was to be opened");

/// A request the server had to refuse got a non-101 answer: OK for an HTTP error with the
/// headers the case requires, NON-STRICT or FAILED as the case's rule says otherwise.
void judge_refusal(const case_def& c, const codec::upgrade_response& response, case_result& r);

/// What an echo stream (9.x, 12.x, 13.x) measured.
struct stream_figures {
    const echo_stream* step = nullptr;
    unsigned sent = 0;     ///< messages whose sending began
    unsigned echoed = 0;   ///< echoes checked complete
    std::string problem{}; ///< why the stream failed, if it did
    std::vector<double> rtt_ms{};
    std::uint64_t echoed_bytes = 0;
    std::int64_t started_us = 0, last_echo_us = 0;
    std::uint64_t plain_sent = 0, compressed_sent = 0;
    std::uint64_t compressed_echoes = 0, echo_payload_in = 0, echo_inflated = 0;
    /// Bytes received of the echo still awaited (0 when none is).
    std::uint64_t awaited_received = 0;
};

/// What a case's connection showed beyond the fields of case_result.
struct session_facts {
    bool decided_at_handshake = false; ///< decide() was called at the opening handshake
    bool close_sent = false;
    bool close_received = false;
    /// A closing timer fired (our Close went unanswered, or the server kept TCP open): how
    /// long it had waited.
    std::optional<seconds> closing_timer_fired{};
    bool tcp_close_timed_out = false; ///< the server did not drop TCP after the closing handshake
    /// Over HTTP/2: how the WebSocket's stream ended when not by END_STREAM (RFC 8441 §5), in
    /// words; empty for an orderly end (and over HTTP/1.1).
    std::string stream_ending{};
    bool over_http2 = false; ///< the WebSocket was an HTTP/2 stream: its "TCP close" is END_STREAM
    bool dropped_on_purpose = false; ///< a fail_after timer with `drop` ended the case
    std::string violation{};         ///< the peer's first RFC violation, in words
    bool data_after_close = false;   ///< the peer sent a data frame after its own Close
    /// A fail_after / close_after timer ended the case: how long it had waited.
    std::optional<seconds> timer_fired{};
    /// When the observed events first met the expectation (µs after the opening handshake).
    std::optional<std::int64_t> expected_met_us{};
    std::optional<stream_figures> stream{};
    /// We are the server (testing a client): dropping TCP after the closing handshake is our
    /// job (RFC 6455 §7.1.1), not a failure of the peer.
    bool we_are_server = false;
    /// The case's slow_after, as this run waits it.
    std::optional<seconds> slow_after{};
};

/// The verdicts of a case that ran over a WebSocket connection, or was decided at its opening
/// handshake: fills behavior, behavior_close, overall, result, result_close, was_clean and the
/// stream's metrics of `r`.
void judge_connection(const case_def& c, const session_facts& facts, case_result& r);

/// Why the mask keys of the frames the client sent (r.frames) are predictable (RFC 6455 §5.3:
/// "the masking key for a given frame MUST NOT make it simple for a server/proxy to predict the
/// masking key for a subsequent frame"): an all-zero key, a key used twice, keys that count up
/// by a constant step. Empty when none of these.
std::string predictable_keys(const case_result& r);

struct client_exit;

/// Testing a client started as a process: how it ended weighs on the case. A crash (a signal
/// such as SIGSEGV, or a sanitizer's report) fails it whatever else happened; so does a client
/// that had to be killed because it did not exit once its connection was over, and a non-zero
/// exit after a normal end (a clean closing handshake with 1000 or no code either way: nothing
/// went wrong that it should report).
void judge_client_exit(const client_exit& e, case_result& r);

} // namespace wsconform::runner
