// The judge against Autobahn|Testsuite's verdict rules (../shared/reference/autobahn-testsuite.md
// section 2): `behavior` by exact match of the observed events, `behaviorClose` by the first
// of its five rules that applies, the overrides (INFORMATIONAL cases, WRONG CODE that fails
// the behavior, closedByWrongEndpointIsFatal), and ours: outright decisions, refusals, streams.

#include "harness/runner/judge.hpp"

#include "harness/runner/client_source.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;

/// A case in the shape of Autobahn's 1.1.1: OK when the text comes back, the tester closes
/// with 1000, cleanly.
case_def echo_case() {
    case_def c;
    c.id = "1.1.1";
    c.expected = {{verdict::ok, {text_message("Hello")}, std::nullopt}};
    return c;
}

/// What a conforming run of echo_case shows: the echo, our Close answered, TCP closed by the
/// server.
case_result clean_run() {
    case_result r;
    r.handshake_ok = true;
    r.received = {text_message("Hello")};
    r.closed_by_me = true;
    r.remote_close_code = codec::close_codes::normal;
    return r;
}

session_facts closed_cleanly() {
    return {.close_sent = true, .close_received = true};
}

TEST(Judge, ExactMatchIsOk) {
    auto r = clean_run();
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_EQ(r.behavior, verdict::ok);
    EXPECT_EQ(r.behavior_close, close_verdict::ok);
    EXPECT_EQ(r.overall, verdict::ok);
    EXPECT_TRUE(r.was_clean);
    EXPECT_EQ(r.result, "Actual events match the OK expectation: [text 'Hello']");
}

TEST(Judge, OrderAndContentMatter) {
    auto r = clean_run();
    r.received = {text_message("Hello"), text_message("Hello")};
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_NE(r.result.find("Actual events differ from any expected"), std::string::npos);
}

TEST(Judge, TheNonStrictListMatchesToo) {
    // 3.2-style: OK when the valid message was echoed before the peer failed, NON-STRICT when not.
    auto c = echo_case();
    c.close = {.closed_by_me = false, .codes = {1002}, .require_clean = false};
    c.expected.push_back({verdict::non_strict, {}, std::nullopt});
    case_result r;
    r.handshake_ok = true;
    r.remote_close_code = 1002;
    judge_connection(c, {.close_received = true}, r);
    EXPECT_EQ(r.behavior, verdict::non_strict);
    EXPECT_EQ(r.behavior_close, close_verdict::ok);
    EXPECT_EQ(r.overall, verdict::non_strict);
}

TEST(Judge, NoHandshakeFailsBoth) {
    case_result r;
    judge_connection(echo_case(), {}, r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.behavior_close, close_verdict::failed);
}

// behaviorClose, rule by rule, first match wins.

TEST(Judge, Rule1WrongEndpointFails) {
    auto r = clean_run();
    r.closed_by_me = false; // the peer closed, we were to
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_EQ(r.behavior, verdict::ok); // outside 6.x/7.x the behavior ignores closing
    EXPECT_EQ(r.behavior_close, close_verdict::failed);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result_close.rfind("The connection was failed by the wrong endpoint", 0), 0u);
    // A FAILED says first what went wrong, not that the events matched.
    EXPECT_EQ(r.result.rfind("the peer closed the connection first, with 1000", 0), 0u);
}

TEST(Judge, Rule2UncleanWhenRequired) {
    auto r = clean_run();
    judge_connection(echo_case(), {.close_sent = true}, r); // no Close came back
    EXPECT_FALSE(r.was_clean);
    EXPECT_EQ(r.behavior_close, close_verdict::unclean);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result.rfind("the peer sent no Close frame", 0), 0u);
}

TEST(Judge, Rule2ServerMustDropTcpInTime) {
    auto r = clean_run();
    auto facts = closed_cleanly();
    facts.tcp_close_timed_out = true;
    judge_connection(echo_case(), facts, r);
    EXPECT_FALSE(r.was_clean);
    EXPECT_EQ(r.behavior_close, close_verdict::unclean);
}

TEST(Judge, Rule3WrongCode) {
    auto r = clean_run();
    r.remote_close_code = 1001;
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_EQ(r.behavior_close, close_verdict::wrong_code);
    EXPECT_EQ(r.result_close, "The close code should have been 1000 or empty, was 1001");
}

TEST(Judge, Rule3AnAbsentCodeIsAccepted) {
    auto r = clean_run();
    r.remote_close_code.reset();
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_EQ(r.behavior_close, close_verdict::ok);
}

TEST(Judge, Rule4DroppedByTheClientIsNonStrict) {
    auto r = clean_run();
    r.dropped_by_me = true;
    auto facts = closed_cleanly();
    judge_connection(echo_case(), facts, r);
    EXPECT_EQ(r.behavior_close, close_verdict::failed_by_client);
    EXPECT_EQ(r.overall, verdict::non_strict);
}

TEST(Judge, Rule4DoesNotApplyWhenWeAreTheServer) {
    // Autobahn's fuzzingserver drops TCP after the closing handshake: RFC 6455 §7.1.1 makes it
    // the server's job.
    auto r = clean_run();
    r.dropped_by_me = true;
    auto facts = closed_cleanly();
    facts.we_are_server = true;
    judge_connection(echo_case(), facts, r);
    EXPECT_EQ(r.behavior_close, close_verdict::ok);
    EXPECT_EQ(r.overall, verdict::ok);
}

// --- a client under test started as a process -----------------------------------------------

case_result judged_clean_run() {
    auto r = clean_run();
    judge_connection(echo_case(), closed_cleanly(), r);
    return r;
}

TEST(JudgeClientExit, ACleanExitAfterANormalEndChangesNothing) {
    auto r = judged_clean_run();
    judge_client_exit({.what = client_exit::how::exited, .status = 0}, r);
    EXPECT_EQ(r.overall, verdict::ok);
    EXPECT_EQ(r.notes.back(), "the client exited with status 0");
}

TEST(JudgeClientExit, ACrashFailsTheCaseWhateverTheConnectionShowed) {
    auto r = judged_clean_run();
    judge_client_exit({.what = client_exit::how::signalled, .status = 11}, r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result, "the client crashed: it was killed by SIGSEGV");
    // What the connection showed stays in the notes.
    EXPECT_NE(std::find(r.notes.begin(), r.notes.end(),
                        "Actual events match the OK expectation: [text 'Hello']"),
              r.notes.end());
}

TEST(JudgeClientExit, ASanitizerReportIsACrashEvenWithStatusZero) {
    auto r = judged_clean_run();
    judge_client_exit({.what = client_exit::how::exited,
                       .status = 0,
                       .sanitizer = "==1==ERROR: AddressSanitizer: heap-buffer-overflow"},
                      r);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result, "the client crashed: it exited with status 0; its sanitizer reported: "
                        "==1==ERROR: AddressSanitizer: heap-buffer-overflow");
}

TEST(JudgeClientExit, AClientKilledAfterAnUncleanEndFailsByATimeout) {
    auto r = judged_clean_run();
    r.was_clean = false; // say, TCP dropped with no closing handshake
    r.overall = r.behavior = verdict::non_strict;
    judge_client_exit({.what = client_exit::how::killed, .status = 9, .waited = seconds(5)}, r);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result, "the client did not exit in time and was killed (it kept running 5.0 s "
                        "after its connection ended)");
    ASSERT_TRUE(r.decided_by_timeout); // the runner may confirm it on a quiet machine
    EXPECT_EQ(*r.decided_by_timeout, seconds(5));
}

TEST(JudgeClientExit, AClientThatLingersAfterACleanCloseIsNonStrict) {
    // The closing handshake was complete; the process outlived the exit wait (its own close
    // timer, a loop left running): worth a verdict below OK, not a protocol failure.
    auto r = judged_clean_run();
    ASSERT_TRUE(r.was_clean);
    judge_client_exit({.what = client_exit::how::killed, .status = 9, .waited = seconds(5)}, r);
    EXPECT_EQ(r.overall, verdict::non_strict);
    EXPECT_EQ(r.behavior, verdict::non_strict);
    EXPECT_EQ(r.result, "the client did not exit in time and was killed (it kept running 5.0 s "
                        "after its connection ended), after a clean closing handshake");
    ASSERT_TRUE(r.decided_by_timeout);

    // A FAILED verdict keeps its reason, with the kill in the notes.
    auto failed = judged_clean_run();
    failed.overall = failed.behavior = verdict::failed;
    failed.result = "the peer echoed the wrong bytes";
    judge_client_exit({.what = client_exit::how::killed, .status = 9, .waited = seconds(5)},
                      failed);
    EXPECT_EQ(failed.overall, verdict::failed);
    EXPECT_EQ(failed.result, "the peer echoed the wrong bytes");
    EXPECT_EQ(failed.notes.back(), "the client did not exit in time and was killed (it kept "
                                   "running 5.0 s after its connection ended)");
}

TEST(JudgeClientExit, ANonZeroExitFailsOnlyAfterANormalEnd) {
    auto r = judged_clean_run();
    judge_client_exit({.what = client_exit::how::exited, .status = 1, .output = "boom\n"}, r);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result, "the client exited with status 1 after a normal end of its connection "
                        "(a clean closing handshake with 1000) (it printed: boom)");

    // It failed the connection with 1002, as the case wanted: status 1 is its way to say so.
    case_def c = echo_case();
    c.expected = {{verdict::ok, {}, std::nullopt}};
    c.close.closed_by_me = false;
    c.close.codes = {codec::close_codes::protocol_error};
    case_result failed_by_peer;
    failed_by_peer.handshake_ok = true;
    failed_by_peer.remote_close_code = codec::close_codes::protocol_error;
    judge_connection(c, closed_cleanly(), failed_by_peer);
    ASSERT_EQ(failed_by_peer.overall, verdict::ok);
    judge_client_exit({.what = client_exit::how::exited, .status = 1}, failed_by_peer);
    EXPECT_EQ(failed_by_peer.overall, verdict::ok);
}

TEST(Judge, WrongCodeCanFailTheBehavior) {
    auto c = echo_case();
    c.wrong_code_fails_behavior = true; // 7.1.1-7.1.5, 7.3.x, ...
    auto r = clean_run();
    r.remote_close_code = 1001;
    judge_connection(c, closed_cleanly(), r);
    EXPECT_EQ(r.behavior, verdict::failed);
}

TEST(Judge, WrongEndpointCanBeFatal) {
    // 6.x: the peer never noticed the bad UTF-8, so we had to close.
    case_def c;
    c.expected = {{verdict::ok, {}, std::nullopt}};
    c.close = {.closed_by_me = false,
               .codes = {1007},
               .require_clean = false,
               .wrong_endpoint_is_fatal = true};
    case_result r;
    r.handshake_ok = true;
    r.closed_by_me = true;
    judge_connection(c, {.close_sent = true, .timer_fired = seconds(1)}, r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.result.rfind("the peer never failed the connection: the tester had to end it "
                             "after 1.0 s",
                             0),
              0u);
}

TEST(Judge, InformationalCasesAreInformationalBothWays) {
    auto c = echo_case();
    c.informational = true; // 7.1.6, 7.13.x
    auto r = clean_run();
    r.remote_close_code = 1001;
    judge_connection(c, closed_cleanly(), r);
    EXPECT_EQ(r.behavior, verdict::informational);
    EXPECT_EQ(r.behavior_close, close_verdict::informational);
    EXPECT_EQ(r.overall, verdict::informational);
}

TEST(Judge, TheViolationLeadsAFailedReason) {
    auto r = clean_run();
    r.received.clear();
    session_facts facts = closed_cleanly();
    facts.violation = "peer violated RFC 6455 5.2: reserved opcode";
    judge_connection(echo_case(), facts, r);
    EXPECT_EQ(r.result.rfind("peer violated RFC 6455 5.2: reserved opcode; Actual events", 0), 0u);
}

TEST(Judge, DataAfterThePeersCloseFailsAnyCase) {
    auto c = echo_case();
    c.informational = true; // even where the RFC leaves the case's own behaviour open
    auto r = clean_run();
    auto facts = closed_cleanly();
    facts.data_after_close = true;
    judge_connection(c, facts, r);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result.rfind("the peer sent a data frame after its own Close frame (RFC 6455 "
                             "5.5.1",
                             0),
              0u);
}

TEST(Judge, SlowExpectedEventsAreInformational) {
    auto c = echo_case();
    auto r = clean_run();
    auto facts = closed_cleanly();
    facts.slow_after = seconds(5);
    facts.expected_met_us = 7'000'000;
    judge_connection(c, facts, r);
    EXPECT_EQ(r.behavior, verdict::informational);
    EXPECT_EQ(r.metrics.at("expected_events_ms"), 7000);
    facts.slow_after = seconds(10); // 7 s is within 5 s at --timeout-scale 2
    r = clean_run();
    judge_connection(c, facts, r);
    EXPECT_EQ(r.behavior, verdict::ok);
}

// --- outright decisions: one mapping for the whole project -----------------------------------

TEST(Judge, SaysWhichTimeoutDecided) {
    // The runner confirms such verdicts on a quiet target when other cases were in flight.
    auto r = clean_run();
    judge_connection(echo_case(), closed_cleanly(), r);
    EXPECT_FALSE(r.decided_by_timeout); // the peer did everything itself

    auto c = echo_case();
    auto unanswered = clean_run();
    unanswered.remote_close_code.reset();
    judge_connection(c, {.close_sent = true, .closing_timer_fired = seconds(1)}, unanswered);
    EXPECT_EQ(unanswered.behavior_close, close_verdict::unclean);
    ASSERT_TRUE(unanswered.decided_by_timeout);
    EXPECT_EQ(*unanswered.decided_by_timeout, seconds(1));

    // The longest timeout is kept.
    auto waited = clean_run();
    waited.received.clear();
    judge_connection(
        c, {.close_sent = true, .closing_timer_fired = seconds(1), .timer_fired = seconds(6)},
        waited);
    EXPECT_EQ(waited.behavior, verdict::failed);
    ASSERT_TRUE(waited.decided_by_timeout);
    EXPECT_EQ(*waited.decided_by_timeout, seconds(6));
}

TEST(Judge, DecidedOutrightTheCloseFollowsTheBehavior) {
    const std::pair<verdict, close_verdict> mapping[] = {
        {verdict::ok, close_verdict::ok},
        {verdict::non_strict, close_verdict::ok},
        {verdict::unimplemented, close_verdict::ok},
        {verdict::informational, close_verdict::informational},
        {verdict::failed, close_verdict::failed},
    };
    for (auto [v, close] : mapping) {
        auto r = decided_without_connection(v, "why", "why close");
        EXPECT_EQ(r.behavior, v);
        EXPECT_EQ(r.behavior_close, close);
        EXPECT_EQ(r.overall, v);
        EXPECT_EQ(r.result, "why");
        EXPECT_EQ(r.result_close, "why close");
        case_result s;
        decide(s, v, "again");
        EXPECT_EQ(s.behavior_close, close);
    }
}

TEST(Judge, DecidedAtTheHandshakeKeepsItsVerdict) {
    case_result r;
    decide(r, verdict::non_strict, "refused with status 200");
    judge_connection(echo_case(), {.decided_at_handshake = true}, r);
    EXPECT_EQ(r.overall, verdict::non_strict);
    EXPECT_EQ(r.result, "refused with status 200");
}

// --- refusals --------------------------------------------------------------------------------

codec::upgrade_response response(unsigned status, std::vector<codec::header_field> headers = {}) {
    codec::upgrade_response out;
    out.status = status;
    out.headers = std::move(headers);
    return out;
}

case_def version_case() {
    case_def c;
    c.handshake.what = handshake_expectation::rule::must_refuse;
    c.handshake.refusal_headers = {{"Sec-WebSocket-Version", "13"}};
    c.handshake.requested_version = "14";
    return c;
}

TEST(Judge, ARefusalWithTheRequiredHeaderIsOk) {
    case_result r;
    judge_refusal(version_case(), response(426, {{"Sec-WebSocket-Version", "13"}}), r);
    EXPECT_EQ(r.behavior, verdict::ok);
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_EQ(r.notes[0], "the refusal carries 'Sec-WebSocket-Version: 13'");
}

TEST(Judge, ARefusalWithoutItTakesTheRulesVerdict) {
    case_result r;
    judge_refusal(version_case(), response(400), r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.result, "refused with status 400 without 'Sec-WebSocket-Version: 13'");
    auto lenient = version_case();
    lenient.handshake.missing_refusal_header = verdict::non_strict;
    case_result s;
    judge_refusal(lenient, response(400), s);
    EXPECT_EQ(s.behavior, verdict::non_strict);
}

TEST(Judge, ARefusalListingTheRequestedVersionIsNotAboutTheVersion) {
    case_result r;
    judge_refusal(version_case(), response(400, {{"Sec-WebSocket-Version", "13, 14"}}), r);
    EXPECT_EQ(r.behavior, verdict::ok);
}

TEST(Judge, AServerErrorIsNonStrictAndNotAnErrorIsNonStrict) {
    case_result r;
    judge_refusal(version_case(), response(503, {{"Sec-WebSocket-Version", "13"}}), r);
    EXPECT_EQ(r.behavior, verdict::non_strict);
    case_result s;
    judge_refusal(version_case(), response(200), s);
    EXPECT_EQ(s.behavior, verdict::non_strict);
}

// --- echo streams ----------------------------------------------------------------------------

TEST(Judge, AStreamEchoedWholeIsOkWithItsFigures) {
    echo_stream step{.op = codec::opcode::binary, .size = 1000, .count = 2};
    case_def c;
    c.script = {step};
    auto r = clean_run();
    r.received.clear();
    auto facts = closed_cleanly();
    facts.stream = stream_figures{.step = &step,
                                  .sent = 2,
                                  .echoed = 2,
                                  .rtt_ms = {1.0, 3.0},
                                  .echoed_bytes = 2000,
                                  .started_us = 0,
                                  .last_echo_us = 4000};
    judge_connection(c, facts, r);
    EXPECT_EQ(r.behavior, verdict::ok);
    EXPECT_EQ(r.result, "all 2 binary messages of 1000 bytes came back unchanged, each before the "
                        "next was sent");
    EXPECT_EQ(r.metrics.at("throughput_mb_s"), 0.5);
    EXPECT_EQ(r.metrics.at("rtt_p99_ms"), 3.0);
}

TEST(Judge, AStreamRefusedWith1009SaysTheLimit) {
    echo_stream step{.op = codec::opcode::text, .size = 1 << 20};
    case_def c;
    c.script = {step};
    case_result r;
    r.handshake_ok = true;
    r.remote_close_code = codec::close_codes::message_too_big;
    auto facts = session_facts{.close_sent = true, .close_received = true};
    facts.stream = stream_figures{.step = &step, .sent = 1, .awaited_received = 10};
    judge_connection(c, facts, r);
    EXPECT_EQ(r.behavior, verdict::failed);
    EXPECT_EQ(r.behavior_close, close_verdict::ok); // the peer's own refusal, judged as such
    EXPECT_EQ(r.result.rfind("peer refused a 1 MiB message with 1009", 0), 0u);
    EXPECT_NE(r.result.find("(10 of 1048576 bytes of its echo received)"), std::string::npos);
}

} // namespace
