// The pure part of a case's connection driver: the backstop deadline that ends a case whose own
// timers failed to.

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

} // namespace
