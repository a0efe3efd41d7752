#include "harness/runner/judge.hpp"

#include "harness/runner/client_keys.hpp"

#include "harness/runner/client_source.hpp"

#include "harness/runner/echo_stream.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wsconform::runner {

namespace {

/// Testing a client, with TCP left open after the closing handshake: it did not close it.
std::string client_kept_tcp_open(const session_facts& facts) {
    return "the client did not close TCP within " +
           format_seconds(facts.closing_timer_fired.value_or(seconds(0))) +
           " of the closing handshake; the tester dropped it (RFC 6455 5.5.1: \"After both "
           "sending and receiving a Close message, an endpoint [...] MUST close the underlying "
           "TCP connection.\")";
}

/// Every expected outcome wants no event at all, and the peer produced some: it answered
/// frames it had to reject (echoed an unmasked frame, ponged it).
bool acted_on_what_to_reject(const case_def& c, const case_result& r) {
    return !r.received.empty() &&
           std::all_of(c.expected.begin(), c.expected.end(),
                       [](const expected_outcome& e) { return e.events.empty(); });
}

/// A FAILED result says first what went wrong, not that the events matched: when the
/// events did match (or the failure is in how the connection ended), the closing problem
/// and the peer's own violation come first, in plain words.
void explain_failure(const session_facts& facts, case_result& r, const close_expectation& ec,
                     bool events_matched) {
    if (r.behavior == verdict::failed && !events_matched)
        return;
    std::string closing;
    if (ec.closed_by_me != r.closed_by_me && ec.closed_by_me) {
        closing = "the peer closed the connection first" +
                  (r.remote_close_code ? ", with " + std::to_string(*r.remote_close_code)
                                       : std::string()) +
                  ", though it had nothing to reject";
    } else if (ec.closed_by_me != r.closed_by_me) {
        closing = "the peer never failed the connection: ";
        if (facts.timer_fired)
            closing += "the tester had to end it after " + format_seconds(*facts.timer_fired);
        else if (!facts.violation.empty())
            closing += "the tester did, on the peer's own violation (" + facts.violation + ")";
        else
            closing += "the tester did";
    } else if (r.behavior_close == close_verdict::unclean) {
        closing = !facts.close_received ? "the peer sent no Close frame: the closing handshake "
                                          "was not completed"
                  : facts.tcp_close_timed_out && facts.we_are_server ? client_kept_tcp_open(facts)
                  : facts.tcp_close_timed_out && facts.over_http2
                      ? "the server did not end the stream (END_STREAM) after the closing "
                        "handshake (RFC 8441 5)"
                  : facts.tcp_close_timed_out ? "the server did not close the TCP connection "
                                                "after the closing handshake"
                  : !facts.stream_ending.empty()
                      ? "after the closing handshake " + facts.stream_ending +
                            ": an abort, where END_STREAM is the orderly close (RFC 8441 5)"
                      : "the closing handshake was not completed";
    } else if (r.behavior_close == close_verdict::wrong_code) {
        closing = "the peer closed with code " + std::to_string(*r.remote_close_code) +
                  ", which this case does not allow";
    }
    // The violation leads, unless the closing sentence already names it.
    const bool named = closing.find(facts.violation) != std::string::npos;
    std::string why = facts.violation.empty() || named ? closing
                      : closing.empty()                ? facts.violation
                                                       : facts.violation + "; " + closing;
    if (why.empty())
        return;
    r.result = why + "; observed " + describe_events(r.received);
}

/// The behavior of an echo_stream case (Autobahn 9.x: OK when every echo came back, now
/// also byte for byte) and its figures. A peer that closes with 1009 is told plainly that
/// its limit is below the message size; its closing handshake is judged as the peer's.
void judge_stream(const stream_figures& s, const session_facts& facts, case_result& r,
                  const close_expectation*& close_rule) {
    static const close_expectation refused{
        false, {codec::close_codes::message_too_big}, true, false};
    const auto& st = *s.step;
    const std::string kind = st.op == codec::opcode::binary ? "binary" : "text";
    const std::string size = size_words(st.size);

    r.metrics["echoed_messages"] = s.echoed;
    r.metrics["echoed_bytes"] = static_cast<double>(s.echoed_bytes);
    auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
    if (s.echoed > 0) {
        auto us = std::max<std::int64_t>(1, s.last_echo_us - s.started_us);
        r.metrics["transfer_ms"] = round3(static_cast<double>(us) / 1000.0);
        // Payload bytes echoed per second, in MB (10^6 bytes) per second: bytes per µs.
        r.metrics["throughput_mb_s"] =
            std::round(static_cast<double>(s.echoed_bytes) / static_cast<double>(us) * 100.0) /
            100.0;
        r.metrics["rtt_p50_ms"] = round3(*percentile(s.rtt_ms, 50));
        r.metrics["rtt_p99_ms"] = round3(*percentile(s.rtt_ms, 99));
        r.metrics["rtt_max_ms"] = round3(*std::max_element(s.rtt_ms.begin(), s.rtt_ms.end()));
    }

    std::string compression;
    if (st.compress && s.plain_sent > 0) {
        auto ratio = [&](std::uint64_t part, std::uint64_t whole) {
            return whole ? std::round(static_cast<double>(part) / static_cast<double>(whole) *
                                      10000.0) /
                               10000.0
                         : 0.0;
        };
        r.metrics["sent_compressed_bytes"] = static_cast<double>(s.compressed_sent);
        r.metrics["sent_compression_ratio"] = ratio(s.compressed_sent, s.plain_sent);
        r.metrics["compressed_echoes"] = static_cast<double>(s.compressed_echoes);
        if (s.echo_inflated > 0)
            r.metrics["echo_compression_ratio"] = ratio(s.echo_payload_in, s.echo_inflated);
        compression = "; sent compressed (" + std::to_string(s.compressed_sent) + " of " +
                      std::to_string(s.plain_sent) + " bytes), " +
                      std::to_string(s.compressed_echoes) + " of the echoes compressed";
    }

    if (s.problem.empty() && s.echoed == st.count) {
        r.behavior = verdict::ok;
        r.result = st.count == 1
                       ? "the " + kind + " message of " + size +
                             " came back unchanged (type, length and every byte checked)"
                       : "all " + std::to_string(st.count) + " " + kind + " messages of " + size +
                             " came back unchanged, each before the next was sent";
        r.result += compression;
        return;
    }
    r.behavior = verdict::failed;
    const bool refused_1009 =
        !r.closed_by_me && r.remote_close_code == codec::close_codes::message_too_big;
    // The message waited for: "the text message of 16 MiB", "text message 7 of 1000 (16
    // bytes)".
    const std::string what = st.count == 1 ? "the " + kind + " message of " + size
                                           : kind + " message " + std::to_string(s.sent) + " of " +
                                                 std::to_string(st.count) + " (" + size + ")";
    std::string progress;
    if (s.awaited_received > 0)
        progress = std::to_string(s.awaited_received) + " of " + std::to_string(st.size) +
                   " bytes of its echo received";
    if (!s.problem.empty()) {
        r.result = s.problem;
    } else if (refused_1009) {
        r.result = "peer refused a " + size + " message with 1009 (message too big): its " +
                   "limit is below " + size;
        close_rule = &refused;
    } else if (facts.timer_fired) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g s", facts.timer_fired->count());
        r.result = "no echo of " + what + " within " + buf;
    } else if (!r.closed_by_me && r.remote_close_code) {
        r.result = "the peer closed with " + std::to_string(*r.remote_close_code) +
                   (r.remote_close_reason.empty() ? "" : " ('" + r.remote_close_reason + "')") +
                   " before echoing " + what;
    } else {
        r.result = "the connection ended before the echo of " + what + " came back";
    }
    if (!progress.empty())
        r.result += " (" + progress + ")";
}

} // namespace

void decide(case_result& r, verdict v, std::string why) {
    r.behavior = v;
    r.behavior_close = v == verdict::failed          ? close_verdict::failed
                       : v == verdict::informational ? close_verdict::informational
                                                     : close_verdict::ok;
    r.overall = overall(r.behavior, r.behavior_close);
    r.result = std::move(why);
}

case_result decided_without_connection(verdict v, std::string why, std::string result_close) {
    case_result r;
    decide(r, v, std::move(why));
    r.result_close = std::move(result_close);
    return r;
}

/// A request the server had to refuse got a non-101 answer: an HTTP error with the headers
/// the case requires is OK.
void judge_refusal(const case_def& c, const codec::upgrade_response& response, case_result& r) {
    const auto& rule = c.handshake;
    auto refused = "refused with status " + std::to_string(response.status);
    if (rule.what == handshake_expectation::rule::may_refuse) {
        decide(r, verdict::ok, refused);
        return;
    }
    if (response.status < 400) {
        decide(r, verdict::non_strict, refused + ", not an HTTP error code (RFC 6455 4.2.1)");
        return;
    }
    auto versions = response.list("Sec-WebSocket-Version");
    if (!rule.requested_version.empty() &&
        std::find(versions.begin(), versions.end(), rule.requested_version) != versions.end()) {
        decide(r, verdict::ok,
               refused + ": the server lists version " + rule.requested_version +
                   " as one it understands, so the refusal is not "
                   "about the version");
        return;
    }
    verdict v = verdict::ok;
    std::string why = refused;
    for (const auto& required : rule.refusal_headers) {
        auto values = response.list(required.name);
        if (std::none_of(values.begin(), values.end(),
                         [&](const std::string& value) { return value == required.value; })) {
            v = rule.missing_refusal_header;
            why += " without '" + required.name + ": " + required.value + "'";
            if (v == verdict::non_strict)
                why += " (RFC 6455 4.2.1 asks only for an appropriate error code here; naming "
                       "the supported version tells the client what to use)";
            break;
        }
        r.notes.push_back("the refusal carries '" + required.name + ": " + required.value + "'");
    }
    // A 5xx blames the server for the client's mistake.
    if (response.status >= 500 && v == verdict::ok) {
        v = verdict::non_strict;
        why += ", a server error: the request was at fault, and RFC 6455 4.2.1 asks for an "
               "appropriate error code (such as 400 Bad Request)";
    }
    decide(r, v, why);
}

void judge_connection(const case_def& c, const session_facts& facts, case_result& r) {
    r.was_clean = facts.close_sent && facts.close_received && !facts.tcp_close_timed_out &&
                  facts.stream_ending.empty();
    if (facts.timer_fired)
        r.timeout_decided(*facts.timer_fired);
    if (facts.closing_timer_fired)
        r.timeout_decided(*facts.closing_timer_fired);
    if (facts.decided_at_handshake) {
        if (c.informational) {
            r.behavior = verdict::informational;
            r.behavior_close = close_verdict::informational;
        }
        r.overall = overall(r.behavior, r.behavior_close);
        return;
    }
    if (!r.handshake_ok) {
        // No WebSocket connection: for an informational case that is the finding itself.
        r.behavior = c.informational ? verdict::informational : verdict::failed;
        r.behavior_close = c.informational ? close_verdict::informational : close_verdict::failed;
        r.overall = r.behavior;
        return;
    }
    r.behavior = verdict::failed;
    r.result = "Actual events differ from any expected: observed " + describe_events(r.received);
    // The strictest outcome whose events match; of several with the same events, the one
    // whose closing rule names who really closed first.
    const expected_outcome* chosen = nullptr;
    for (const auto& exp : c.expected) {
        if (!matches(exp, r.received))
            continue;
        if (!chosen)
            chosen = &exp;
        if ((exp.close ? *exp.close : c.close).closed_by_me == r.closed_by_me) {
            chosen = &exp;
            break;
        }
    }
    const close_expectation* ec_ptr = &c.close;
    if (chosen) {
        r.behavior = chosen->result;
        if (chosen->close)
            ec_ptr = &*chosen->close;
        r.result = !chosen->meaning.empty()
                       ? chosen->meaning + (r.received.empty()
                                                ? std::string()
                                                : "; observed " + describe_events(r.received))
                       : "Actual events match the " + std::string(to_string(chosen->result)) +
                             " expectation: " + describe_events(r.received);
    }
    if (facts.stream)
        judge_stream(*facts.stream, facts, r, ec_ptr);
    if (r.behavior == verdict::failed && !chosen && !facts.stream && acted_on_what_to_reject(c, r))
        r.result = "the peer acted on what it had to reject: it answered with " +
                   describe_events(r.received) + " instead of failing the connection";
    if (r.behavior == verdict::failed && !facts.violation.empty())
        r.result = facts.violation + "; " + r.result;
    // Over HTTP/2, a stream that ended before the closing handshake did: say how first (the
    // server may have ended the whole connection, for this stream and every other).
    if (r.behavior == verdict::failed && !facts.stream_ending.empty() && !facts.close_received)
        r.result = "the stream ended before the closing handshake: " + facts.stream_ending + "; " +
                   r.result;
    if (r.behavior == verdict::failed && !c.expected.empty()) {
        r.result += "; expected " + describe_events(c.expected.front().events);
        if (c.expected.size() > 1)
            r.result += " (" + std::string(to_string(c.expected.front().result)) + ") or " +
                        describe_events(c.expected[1].events) + " (" +
                        std::string(to_string(c.expected[1].result)) + ")";
    }

    const auto& ec = *ec_ptr;
    auto codes = [&] {
        std::string s;
        for (auto code : ec.codes)
            s += (s.empty() ? "" : ",") + std::to_string(code);
        return s;
    };
    if (ec.closed_by_me != r.closed_by_me) {
        r.behavior_close = close_verdict::failed;
        r.result_close = ec.closed_by_me
                             ? "The connection was failed by the wrong endpoint: the peer closed "
                               "first, the tester was to close"
                             : "The connection was failed by the wrong endpoint: the tester had "
                               "to close, the peer was to fail the connection";
    } else if (ec.require_clean && !r.was_clean) {
        r.behavior_close = close_verdict::unclean;
        r.result_close = "The spec requires the connection to be closed cleanly here";
    } else if (r.remote_close_code && !ec.codes.empty() &&
               std::find(ec.codes.begin(), ec.codes.end(), *r.remote_close_code) ==
                   ec.codes.end()) {
        if (ec.other_codes_non_strict) {
            // The connection was closed, as the rule asks; only the code says otherwise.
            r.behavior_close = close_verdict::ok;
            r.result_close = "Connection was closed by the peer, with code " +
                             std::to_string(*r.remote_close_code);
            if (r.behavior == verdict::ok) {
                r.behavior = verdict::non_strict;
                r.result = "closed the connection as required, but with " +
                           std::to_string(*r.remote_close_code) + " where " + codes() +
                           " (or no code) says why (RFC 6455 7.4.1)" +
                           (r.received.empty() ? std::string()
                                               : "; observed " + describe_events(r.received));
            }
        } else {
            r.behavior_close = close_verdict::wrong_code;
            r.result_close = "The close code should have been " + codes() + " or empty, was " +
                             std::to_string(*r.remote_close_code);
        }
    } else if (r.dropped_by_me && !facts.dropped_on_purpose && !facts.we_are_server) {
        r.behavior_close = close_verdict::failed_by_client;
        r.result_close = facts.over_http2
                             ? "It is preferred that the server end the stream (END_STREAM) first"
                             : "It is preferred that the server close the TCP connection";
    } else {
        r.behavior_close = close_verdict::ok;
        r.result_close = facts.dropped_on_purpose ? "The tester dropped TCP when its timer fired, "
                                                    "as the case does"
                                                  : "Connection was properly closed";
    }

    if (!c.refusal_codes.empty() && !r.closed_by_me && r.remote_close_code &&
        std::find(c.refusal_codes.begin(), c.refusal_codes.end(), *r.remote_close_code) !=
            c.refusal_codes.end()) {
        r.behavior = verdict::ok;
        r.behavior_close = close_verdict::ok;
        r.result = "refused the load cleanly with close code " +
                   std::to_string(*r.remote_close_code) + " after " +
                   std::to_string(r.received.size()) + " events";
        r.result_close = "Connection was closed by the peer with an allowed code";
    } else if (!c.refusal_codes.empty() && !r.closed_by_me && !facts.close_received &&
               !r.dropped_by_me) {
        // It protected itself, but §7.1.7 says it SHOULD send a Close frame first.
        r.behavior = verdict::non_strict;
        r.behavior_close = close_verdict::ok;
        r.result = "refused the load by dropping the connection without a Close frame after " +
                   std::to_string(r.received.size()) +
                   " events (RFC 6455 7.1.7: it SHOULD send a Close with a status code)";
        r.result_close = "The peer dropped the TCP connection";
    }
    if (c.wrong_code_fails_behavior && r.behavior_close == close_verdict::wrong_code) {
        r.behavior = verdict::failed;
        r.result += "; a wrong close code fails this case";
    }
    if (ec.wrong_endpoint_is_fatal && ec.closed_by_me != r.closed_by_me)
        r.behavior = verdict::failed;
    if (facts.slow_after && facts.expected_met_us && r.behavior == verdict::ok &&
        seconds(static_cast<double>(*facts.expected_met_us) / 1e6) > *facts.slow_after) {
        r.behavior = verdict::informational;
        r.timeout_decided(*facts.slow_after);
        r.result = "every expected event came, but only after " +
                   format_seconds(std::chrono::microseconds(*facts.expected_met_us)) +
                   ": the server stalled under the load (a robustness finding, not a "
                   "failure); " +
                   r.result;
    }
    if (facts.expected_met_us)
        r.metrics["expected_events_ms"] = static_cast<double>(*facts.expected_met_us / 1000);
    if (c.informational) {
        r.behavior = verdict::informational;
        r.behavior_close = close_verdict::informational;
    }
    if (facts.data_after_close) {
        // Whatever the case was about, this breaks a MUST of every connection.
        r.behavior = verdict::failed;
        r.result = "the peer sent a data frame after its own Close frame (RFC 6455 5.5.1: "
                   "\"After sending a Close frame, the endpoint MUST NOT send any more data "
                   "frames.\"); " +
                   r.result;
        r.overall = overall(r.behavior, r.behavior_close);
        return;
    }
    if (c.server_keeps_tcp_open && facts.we_are_server && facts.tcp_close_timed_out) {
        r.behavior = verdict::failed;
        r.result = client_kept_tcp_open(facts) + "; " + r.result;
    }
    if (c.check_client_keys) {
        if (auto why = predictable_keys(r); !why.empty()) {
            r.behavior = verdict::failed;
            r.result = "the client's mask keys are predictable: " + why + "; " + r.result;
        }
    }
    r.overall = overall(r.behavior, r.behavior_close);
    if (r.overall == verdict::failed)
        explain_failure(facts, r, ec, chosen != nullptr);
}

std::string predictable_keys(const case_result& r) {
    const auto keys = received_mask_keys(r);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i] == 0)
            return "frame " + std::to_string(i + 1) + " was masked with the all-zero key";
        for (std::size_t j = 0; j < i; ++j)
            if (keys[j] == keys[i])
                return "frames " + std::to_string(j + 1) + " and " + std::to_string(i + 1) +
                       " were masked with the same key " + hex_key(keys[i]);
    }
    if (keys.size() >= 3) {
        const std::uint32_t stride = keys[1] - keys[0];
        bool counter = true;
        for (std::size_t i = 2; i < keys.size() && counter; ++i)
            counter = keys[i] - keys[i - 1] == stride;
        if (counter)
            return "each of its " + std::to_string(keys.size()) + " keys is the one before plus " +
                   hex_key(stride);
    }
    return {};
}

namespace {
/// A clean closing handshake with 1000 or no code either way.
bool normal_end(const case_result& r) {
    auto normal = [](const std::optional<codec::close_code>& c) {
        return !c || *c == codec::close_codes::normal;
    };
    return r.was_clean && normal(r.remote_close_code) && normal(r.local_close_code);
}
} // namespace

void judge_client_exit(const client_exit& e, case_result& r) {
    r.metrics["client_exit_status"] =
        e.what == client_exit::how::exited ? e.status : -static_cast<double>(e.status);
    std::string why;
    if (e.crashed())
        why = "the client crashed: it " + e.describe();
    else if (e.what == client_exit::how::killed) {
        why = "the client " + e.describe() + " (it kept running " + format_seconds(e.waited) +
              " after its connection ended)";
        r.timeout_decided(e.waited); // a machine loaded by other clients may have slowed it
        if (r.overall == verdict::failed) {
            // The case failed on its own (a client that never asked, say): that reason leads.
            r.notes.push_back(std::move(why));
            return;
        }
        if (r.was_clean) {
            // The closing handshake was complete: what the RFC asks of the connection is done.
            // A process that lingers after it (a close timer of its own that did not see our TCP
            // close: python3-websockets 10.4 waits 2 x 10 s once it stopped reading a bomb; an
            // event loop left running) is worth knowing, but no protocol failure.
            r.notes.push_back(r.result);
            if (r.overall == verdict::ok || r.overall == verdict::informational) {
                r.behavior = r.overall = verdict::non_strict;
                r.result = std::move(why) + ", after a clean closing handshake";
            } else {
                r.notes.push_back(std::move(why));
            }
            return;
        }
    } else if (e.what == client_exit::how::exited && e.status != 0 && normal_end(r))
        why = "the client exited with status " + std::to_string(e.status) +
              " after a normal end of its connection (a clean closing handshake with " +
              (r.remote_close_code ? "1000" : "no code") + ")";
    else if (e.what == client_exit::how::not_started)
        why = "the client " + e.describe();
    if (why.empty()) {
        r.notes.push_back("the client " + e.describe());
        return;
    }
    if (auto line = e.last_line(); !line.empty() && e.sanitizer.empty())
        why += " (it printed: " + line + ")";
    r.notes.push_back(r.result); // what the connection showed
    r.behavior = verdict::failed;
    r.overall = verdict::failed;
    r.result = std::move(why);
}

} // namespace wsconform::runner
