// The runner's concurrency window: slow start, halving once per round on a late opening
// handshake, growth by one per round after that, and its bounds.
#include "harness/runner/concurrency.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using wsconform::runner::concurrency_window;

/// Starts `n` cases and ends them all, each `congested` or not.
void round(concurrency_window& w, unsigned n, bool congested) {
    std::vector<std::uint64_t> tickets;
    for (unsigned i = 0; i < n; ++i)
        tickets.push_back(w.started());
    for (auto t : tickets)
        w.ended(t, congested);
}

TEST(ConcurrencyWindow, DoublesEachRoundUpToTheMost) {
    concurrency_window w(64, 4);
    EXPECT_EQ(w.size(), 4u);
    round(w, w.size(), false);
    EXPECT_EQ(w.size(), 8u);
    round(w, w.size(), false);
    EXPECT_EQ(w.size(), 16u);
    round(w, w.size(), false);
    round(w, w.size(), false);
    EXPECT_EQ(w.size(), 64u);
    round(w, w.size(), false);
    EXPECT_EQ(w.size(), 64u); // never past --jobs
    EXPECT_EQ(w.halvings(), 0u);
    EXPECT_EQ(w.smallest(), 64u);
}

TEST(ConcurrencyWindow, HalvesOncePerRoundOfLateHandshakes) {
    concurrency_window w(64, 32);
    std::vector<std::uint64_t> tickets;
    for (int i = 0; i < 32; ++i)
        tickets.push_back(w.started());
    // Every case of the round was late: they were all started into the window of 32, so the
    // window halves once, not 32 times.
    for (auto t : tickets)
        w.ended(t, true);
    EXPECT_EQ(w.size(), 16u);
    EXPECT_EQ(w.halvings(), 1u);
    // A case started after the halving and late again halves it again.
    w.ended(w.started(), true);
    EXPECT_EQ(w.size(), 8u);
    EXPECT_EQ(w.smallest(), 8u);
}

TEST(ConcurrencyWindow, GrowsByOnePerRoundAfterTheFirstHalving) {
    concurrency_window w(64, 16);
    w.ended(w.started(), true); // 8, and 8 is the threshold from now on
    ASSERT_EQ(w.size(), 8u);
    round(w, 8, false);
    EXPECT_EQ(w.size(), 9u); // eight times 1/8
    round(w, 9, false);
    EXPECT_EQ(w.size(), 10u);
}

TEST(ConcurrencyWindow, NeverBelowOneNorAboveTheMost) {
    concurrency_window w(3, 10);
    EXPECT_EQ(w.size(), 3u);
    for (int i = 0; i < 5; ++i)
        w.ended(w.started(), true);
    EXPECT_EQ(w.size(), 1u);
    concurrency_window one(1, 4);
    round(one, 1, false);
    EXPECT_EQ(one.size(), 1u); // --jobs 1 stays one at a time
    concurrency_window zero(0, 0);
    EXPECT_EQ(zero.size(), 1u);
}

TEST(ConcurrencyWindow, NeverGrowsBackToACongestedSize) {
    concurrency_window w(64, 16);
    w.ended(w.started(), true); // congested at 16: 8, and never 16 again
    for (int i = 0; i < 40; ++i)
        round(w, w.size(), false);
    EXPECT_EQ(w.size(), 15u);
    w.ended(w.started(), true); // congested at 15: 7, at most 14 from now on
    EXPECT_EQ(w.size(), 7u);
    for (int i = 0; i < 40; ++i)
        round(w, w.size(), false);
    EXPECT_EQ(w.size(), 14u);
}

} // namespace
