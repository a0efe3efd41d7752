// The opening handshake's pure parts: the cases that cannot be checked with the run's settings,
// and the judgement of a complete response by a case's rules (RFC 6455 §4.1, §4.2.1; RFC 7692
// §7.1).

#include "harness/runner/opening_handshake.hpp"

#include "harness/runner/request.hpp"
#include "harness/runner/session.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;
using rule = handshake_expectation::rule;

TEST(NotCheckable, NeedsCredentialsTheRunGives) {
    case_def c;
    c.needs_credentials = true;
    session_settings s;
    ASSERT_TRUE(not_checkable(c, s));
    EXPECT_TRUE(not_checkable(c, s)->starts_with("not checked: give the credentials"));
    s.extra_headers = {{"authorization", "Bearer x"}};
    EXPECT_FALSE(not_checkable(c, s));
}

TEST(NotCheckable, PlaintextToTheTlsPortNeedsAWssTarget) {
    case_def c;
    c.request.plaintext_to_tls_port = true;
    session_settings s;
    s.url = *net::parse_url("ws://localhost:9001/");
    EXPECT_EQ(not_checkable(c, s), "not checked: the target is not a wss:// URL");
    s.url = *net::parse_url("wss://localhost:9001/");
    EXPECT_FALSE(not_checkable(c, s));
}

TEST(NotCheckable, AnOriginPolicyNeedsTheAllowedOrigin) {
    case_def c;
    c.needs_allowed_origin = true;
    session_settings s;
    EXPECT_TRUE(not_checkable(c, s));
    s.allowed_origin = "https://app.example.test";
    EXPECT_FALSE(not_checkable(c, s));
}

constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";

codec::upgrade_request request(std::vector<header_edit> edits = {}) {
    request_plan plan;
    plan.edits = std::move(edits);
    return build_request(plan, *net::parse_url("ws://localhost:9001/"), key);
}

/// A 101 that answers `key` correctly, with these extra headers.
codec::upgrade_response accepted(std::vector<codec::header_field> extra = {}) {
    codec::upgrade_response r;
    r.status = 101;
    r.headers = {{"Upgrade", "websocket"},
                 {"Connection", "Upgrade"},
                 {"Sec-WebSocket-Accept", codec::compute_accept(key)}};
    r.headers.insert(r.headers.end(), extra.begin(), extra.end());
    return r;
}

TEST(JudgeResponse, ACorrectUpgradeOpens) {
    case_def c;
    case_result record;
    auto o = judge_response(c, request(), accepted(), "", record);
    EXPECT_EQ(o.how, opening::end::open);
    EXPECT_FALSE(o.deflate);
    EXPECT_TRUE(record.result.empty());
}

TEST(JudgeResponse, AWrongAcceptFails) {
    case_def c;
    case_result record;
    auto response = accepted();
    response.headers.back().value = "wrong";
    auto o = judge_response(c, request(), response, "", record);
    EXPECT_EQ(o.how, opening::end::failed);
    EXPECT_TRUE(record.result.starts_with("opening handshake refused or invalid: "))
        << record.result;
    EXPECT_EQ(record.result_close, "the opening handshake was never completed");
}

TEST(JudgeResponse, ARefusalThatWasDueIsDecidedWithHowLongItWasHeld) {
    case_def c;
    c.handshake.what = rule::must_refuse;
    codec::upgrade_response refused;
    refused.status = 400;
    case_result record;
    auto o = judge_response(c, request(), refused, " after 2.0 s", record);
    EXPECT_EQ(o.how, opening::end::decided);
    EXPECT_EQ(record.behavior, verdict::ok);
    EXPECT_EQ(record.result, "refused with status 400 after 2.0 s");
    EXPECT_EQ(record.result_close, "no WebSocket connection was to be opened");
}

TEST(JudgeResponse, AnUpgradeThatHadToBeRefusedFails) {
    case_def c;
    c.rfc = "RFC 6455 4.2.1";
    c.handshake.what = rule::must_refuse;
    case_result record;
    auto o = judge_response(c, request(), accepted(), "", record);
    EXPECT_EQ(o.how, opening::end::failed);
    EXPECT_EQ(record.result, "opening handshake refused or invalid: the server accepted (101) a "
                             "request it must refuse (RFC 6455 4.2.1)");
}

TEST(JudgeResponse, AnAcceptanceTheRfcAllowsIsInformational) {
    case_def c;
    c.handshake.what = rule::must_refuse;
    c.handshake.acceptance_note = "the RFC leaves it open";
    case_result record;
    EXPECT_EQ(judge_response(c, request(), accepted(), "", record).how, opening::end::decided);
    EXPECT_EQ(record.behavior, verdict::informational);
    EXPECT_EQ(record.result, "accepted (101): the RFC leaves it open");
}

TEST(JudgeResponse, AnExtensionTheCaseNeedsMustBeNegotiated) {
    case_def c;
    c.handshake.requires_extension = "permessage-deflate";
    case_result record;
    auto offered =
        request({{header_edit::action::set, "Sec-WebSocket-Extensions", "permessage-deflate"}});
    EXPECT_EQ(judge_response(c, offered, accepted(), "", record).how, opening::end::decided);
    EXPECT_EQ(record.behavior, verdict::unimplemented);
    EXPECT_EQ(record.result,
              "the server did not negotiate permessage-deflate, which this case needs");

    case_result agreed_record;
    auto o =
        judge_response(c, offered, accepted({{"Sec-WebSocket-Extensions", "permessage-deflate"}}),
                       "", agreed_record);
    EXPECT_EQ(o.how, opening::end::open);
    EXPECT_TRUE(o.deflate);
}

TEST(JudgeResponse, AnExtensionNotOfferedIsAProblem) {
    case_def c;
    case_result record;
    auto o = judge_response(
        c, request(), accepted({{"Sec-WebSocket-Extensions", "permessage-deflate"}}), "", record);
    EXPECT_EQ(o.how, opening::end::failed);
    EXPECT_FALSE(o.deflate);
}

// --- testing a client: its request, our answer ----------------------------------------------

codec::upgrade_request client_request() {
    codec::upgrade_request r;
    r.target = "/1/1.1.1";
    r.headers = {{"Host", "127.0.0.1:9001"},
                 {"Upgrade", "websocket"},
                 {"Connection", "Upgrade"},
                 {"Sec-WebSocket-Key", std::string(key)},
                 {"Sec-WebSocket-Version", "13"}};
    return r;
}

TEST(JudgeRequest, AConformingRequestGetsA101ThatAnswersItsKey) {
    case_def c;
    case_result record;
    auto [opened, reply] = judge_request(c, client_request(), "127.0.0.1:9001", record);
    EXPECT_EQ(opened.how, opening::end::open);
    EXPECT_EQ(reply.status, 101u);
    // RFC 6455 §1.3's example key and accept value.
    EXPECT_EQ(reply.get("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_FALSE(reply.get("Sec-WebSocket-Extensions")); // cases 1-10: no extension
}

TEST(JudgeRequest, ADefectiveRequestGetsA400AndFailsWithEveryDefect) {
    case_def c;
    case_result record;
    auto r = client_request();
    r.set("Sec-WebSocket-Version", "8");
    r.remove("Host");
    auto [opened, reply] = judge_request(c, r, "127.0.0.1:9001", record);
    EXPECT_EQ(opened.how, opening::end::failed);
    EXPECT_EQ(reply.status, 400u);
    EXPECT_EQ(reply.get("Sec-WebSocket-Version"), "13"); // §4.2.2: the version we understand
    EXPECT_TRUE(record.result.starts_with("the client's opening handshake request is invalid:"));
    EXPECT_NE(record.result.find("Host"), std::string::npos);
    EXPECT_NE(record.result.find("Host header missing (RFC 6455 4.2.1)"), std::string::npos)
        << record.result;
    EXPECT_NE(record.result.find("Sec-WebSocket-Version"), std::string::npos);
}

TEST(JudgeRequest, ACaseAboutOnePartJudgesThatPartOnly) {
    case_def c;
    c.judges_request_parts = {"Connection"};
    auto r = client_request();
    r.remove("Host"); // another case's business
    case_result accepted;
    EXPECT_EQ(judge_request(c, r, "127.0.0.1:9001", accepted).opened.how, opening::end::open);

    r.set("Connection", "keep-alive");
    case_result refused;
    auto [opened, reply] = judge_request(c, r, "127.0.0.1:9001", refused);
    EXPECT_EQ(opened.how, opening::end::failed);
    EXPECT_EQ(reply.status, 400u);
    EXPECT_NE(refused.result.find("Connection header without the 'Upgrade' token"),
              std::string::npos)
        << refused.result;
    EXPECT_EQ(refused.result.find("Host"), std::string::npos) << refused.result;
}

TEST(JudgeRequest, HostMustNameTheHostAndPortOfTheUrl) {
    case_def c;
    c.judges_request_parts = {"Host"};
    auto r = client_request();
    r.set("Host", "127.0.0.1"); // the port left out, though it is not the default
    case_result wrong;
    EXPECT_EQ(judge_request(c, r, "127.0.0.1:9001", wrong).opened.how, opening::end::failed);
    EXPECT_NE(wrong.result.find("Host 127.0.0.1 instead of 127.0.0.1:9001"), std::string::npos)
        << wrong.result;
    // Unknown authority (a testee that chose its URL): any non-empty Host will do.
    case_result unknown;
    EXPECT_EQ(judge_request(c, r, "", unknown).opened.how, opening::end::open);
    // The host compares without case.
    r.set("Host", "LOCALHOST:9001");
    case_result upper;
    EXPECT_EQ(judge_request(c, r, "localhost:9001", upper).opened.how, opening::end::open);
}

} // namespace
