#pragma once
/// What one case came to: the verdicts and their reasons, what the peer sent, how the
/// connection ended, and the wire record. Written by the session and the judge, read by the
/// report writer.

#include "harness/codec/close_code.hpp"
#include "harness/codec/frame.hpp"
#include "harness/net/wire_recorder.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/verdict.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::runner {

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
    /// Over HTTP/2: the connection this case's stream shared with others ended during the case
    /// (run_case runs it again on a connection of its own). Not reported.
    bool shared_connection_lost = false;
    boost::system::error_code connect_error; ///< why the TCP/TLS connect failed, if it did
    bool closed_by_me = false;
    bool failed_by_me = false;
    bool dropped_by_me = false;
    bool was_clean = false;
    /// The longest timeout of ours, as waited (scaled), that decided the verdict or part of it
    /// (the connect, the opening or closing handshake, a case timer, a stall): a target slowed
    /// by other cases in flight could have caused it, so the runner may confirm the verdict on
    /// a quiet target.
    std::optional<seconds> decided_by_timeout;

    /// Records that a timeout of `waited` decided (part of) the verdict.
    void timeout_decided(seconds waited);

    std::string started_at;       ///< ISO 8601 UTC
    std::int64_t duration_ms = 0; ///< end of opening handshake to TCP close (Autobahn's)
    std::int64_t handshake_us = -1;
    /// Testing a client started for the case: from its start to its opening request (not
    /// reported; the runner weighs the load on the machine with it). -1 otherwise.
    std::int64_t client_start_us = -1;
    std::string request;  ///< the opening handshake as sent
    std::string response; ///< the response header as received
    std::vector<net::wire_chunk> chunks;
    /// [0] received, [1] sent: the ends and middle digest of each direction, which a shortened
    /// record (--wire-log) keeps instead of `chunks`' bytes.
    std::array<net::stream_ends, 2> stream_ends;
    std::vector<frame_record> frames;
    /// Figures a case measured (a size limit, a hold time, counts), by name.
    std::map<std::string, double> metrics;

    /// One line: what the peer did.
    std::string observation() const;
};

/// The current UTC time in ISO 8601 with milliseconds ("2026-11-22T05:55:07.123Z"), as
/// case_result::started_at has it.
std::string iso_now();

} // namespace wsconform::runner
