// The run's cache of our compressed messages: hits return what was stored, distinct settings
// are distinct entries, and the budget holds by dropping the least recently used.
#include "harness/runner/compression_cache.hpp"

#include <gtest/gtest.h>

namespace {

using wsconform::codec::bytes;
using wsconform::runner::compression_cache;
using wsconform::runner::pattern_payload;

std::shared_ptr<const bytes> stored(std::size_t size, std::uint8_t fill) {
    return std::make_shared<const bytes>(size, fill);
}

class CompressionCache : public ::testing::Test {
  protected:
    std::shared_ptr<const pattern_payload> source =
        std::make_shared<const pattern_payload>(bytes{'a', 'b', 'c'});
    compression_cache::key at(std::uint64_t offset, int window_bits = 15) const {
        return {.source = source, .offset = offset, .size = 64, .window_bits = window_bits};
    }
};

TEST_F(CompressionCache, ReturnsWhatWasStoredUnderTheSameKeyOnly) {
    compression_cache cache(1000);
    auto message = stored(10, 7);
    cache.insert(at(0), message);
    EXPECT_EQ(cache.find(at(0)), message);
    EXPECT_EQ(cache.find(at(3)), nullptr);
    EXPECT_EQ(cache.find(at(0, 9)), nullptr) << "another window is another compression";
    auto other_source = at(0);
    other_source.source = std::make_shared<const pattern_payload>(bytes{'a', 'b', 'c'});
    EXPECT_EQ(cache.find(other_source), nullptr) << "sources are told apart by identity";
    auto other_level = at(0);
    other_level.level = 6;
    EXPECT_EQ(cache.find(other_level), nullptr);
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cache.misses(), 4u);
    EXPECT_EQ(cache.bytes_held(), 10u);
}

TEST_F(CompressionCache, DropsTheLeastRecentlyUsedToStayWithinBudget) {
    compression_cache cache(30);
    cache.insert(at(0), stored(10, 0));
    cache.insert(at(1), stored(10, 1));
    cache.insert(at(2), stored(10, 2));
    ASSERT_NE(cache.find(at(0)), nullptr); // 0 is now the most recently used, 1 the least
    cache.insert(at(3), stored(10, 3));
    EXPECT_EQ(cache.bytes_held(), 30u);
    EXPECT_EQ(cache.find(at(1)), nullptr);
    EXPECT_NE(cache.find(at(0)), nullptr);
    EXPECT_NE(cache.find(at(2)), nullptr);
    EXPECT_NE(cache.find(at(3)), nullptr);
    cache.insert(at(4), stored(25, 4)); // needs all but one entry's room
    EXPECT_EQ(cache.bytes_held(), 25u);
    EXPECT_NE(cache.find(at(4)), nullptr);
}

TEST_F(CompressionCache, KeepsNothingLargerThanTheBudgetAndNothingTwice) {
    compression_cache cache(30);
    cache.insert(at(0), stored(31, 0));
    EXPECT_EQ(cache.find(at(0)), nullptr);
    EXPECT_EQ(cache.bytes_held(), 0u);
    auto first = stored(10, 1);
    cache.insert(at(1), first);
    cache.insert(at(1), stored(10, 2));
    EXPECT_EQ(cache.find(at(1)), first);
    EXPECT_EQ(cache.bytes_held(), 10u);
}

TEST_F(CompressionCache, AHeldMessageOutlivesItsEviction) {
    compression_cache cache(10);
    cache.insert(at(0), stored(10, 5));
    auto held = cache.find(at(0));
    cache.insert(at(1), stored(10, 6));
    EXPECT_EQ(cache.find(at(0)), nullptr);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ((*held)[9], 5);
}

} // namespace
