// --timeout-scale: the run's waits stretched once where the settings are made, a case's timers
// stretched as they are armed.

#include "harness/runner/timing.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform::runner;
using namespace std::chrono_literals;
using seconds = std::chrono::duration<double>;

TEST(ClockScale, DefaultIsOneToOne) {
    clock_scale t;
    EXPECT_EQ(t.factor(), 1.0);
    EXPECT_EQ(t.scaled(seconds(2.5)), seconds(2.5));
    EXPECT_EQ(t.steady(seconds(0.5)), 500ms);
}

TEST(ClockScale, StretchesEveryForm) {
    clock_scale t(3.0);
    EXPECT_EQ(t.scaled(seconds(2)), seconds(6));
    EXPECT_EQ(t.steady(seconds(0.25)), 750ms);
}

TEST(ClockScale, MillisecondsAreWholeAndTruncated) {
    EXPECT_EQ(to_ms(seconds(0.0005)), 0ms);
    EXPECT_EQ(to_ms(seconds(0.0509)), 50ms);
    EXPECT_EQ(to_steady(seconds(0.25)), 250ms);
}

} // namespace
