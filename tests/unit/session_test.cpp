// The pure parts of a case's connection driver: the backstop deadline that ends a case whose own
// timers failed to, and the run's waits under --timeout-scale.

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

TEST(CaseBackstop, IsStretchedOnceWithTheCasesTimers) {
    case_def c;
    c.script = {fail_after{seconds(100), false}};
    session_settings s;
    s.case_deadline = seconds(60);
    s.set_timeout_scale(2);
    EXPECT_EQ(case_backstop(c, s), seconds(220)); // (100 s + 10 s) x 2, over 60 s x 2
    c.script.clear();
    EXPECT_EQ(case_backstop(c, s), seconds(120));
}

TEST(SessionSettings, TimeoutScaleStretchesEveryWaitOnce) {
    session_settings s;
    s.set_timeout_scale(4);
    EXPECT_EQ(s.connect_timeout, seconds(20));
    EXPECT_EQ(s.open_handshake_timeout, seconds(20));
    EXPECT_EQ(s.close_handshake_timeout, seconds(4));
    EXPECT_EQ(s.server_drop_timeout, seconds(4));
    EXPECT_EQ(s.case_deadline, seconds(240));
    EXPECT_EQ(s.probe_timeout, seconds(4));
    EXPECT_EQ(s.reconnect_wait, seconds(2));
    EXPECT_EQ(s.slow_handshake, seconds(1));
    // A case's own timers are stretched as they are armed, by the same factor.
    EXPECT_EQ(s.case_timers.scaled(seconds(1.5)), seconds(6));
}

} // namespace
