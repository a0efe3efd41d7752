// --timeout-scale in one place: a case's or a setting's seconds as the run waits them.

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
    EXPECT_EQ(t.ms(seconds(1)), 1000ms);
}

TEST(ClockScale, StretchesEveryForm) {
    clock_scale t(3.0);
    EXPECT_EQ(t.scaled(seconds(2)), seconds(6));
    EXPECT_EQ(t.steady(seconds(0.25)), 750ms);
    EXPECT_EQ(t.ms(seconds(5)), 15000ms);
}

TEST(ClockScale, MillisecondsAreWholeAndTruncated) {
    clock_scale t(0.05);
    EXPECT_EQ(t.ms(seconds(0.01)), 0ms);
    EXPECT_EQ(t.ms(seconds(1)), 50ms);
}

} // namespace
