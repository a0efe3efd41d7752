// The pure parts of a case's connection: the backstop deadline that ends a case whose own
// timers failed to, and the cases that cannot be checked with the run's settings.

#include "harness/runner/opening_handshake.hpp"
#include "harness/runner/session.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;

TEST(CaseBackstop, IsTheRunsDeadlineForAnUntimedScript) {
    case_def c;
    c.script = {runner::pause{seconds(3), {}}};
    session_settings s;
    s.case_deadline = seconds(60);
    EXPECT_EQ(case_backstop(c, s), seconds(60));
}

TEST(CaseBackstop, OutlastsTheCasesOwnTimers) {
    case_def c;
    c.script = {fail_after{seconds(1000), false}, close_after{seconds(70)}};
    session_settings s;
    s.case_deadline = seconds(60);
    EXPECT_EQ(case_backstop(c, s), seconds(1010));
    c.script = {close_after{seconds(55)}};
    EXPECT_EQ(case_backstop(c, s), seconds(65));
}

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

} // namespace
