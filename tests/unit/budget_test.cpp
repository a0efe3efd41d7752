// The runner's budgets: shares go back when they end, waiters are served in order, and which
// cases count as CPU-heavy.
#include "harness/runner/budget.hpp"
#include "harness/runner/case.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

namespace asio = boost::asio;
using wsconform::runner::budget;
using wsconform::runner::budget_share;

TEST(MemoryBudget, AShareGoesBackWhenItEndsAndWakesTheWaiterInOrder) {
    asio::io_context io;
    budget room(io.get_executor(), 10);
    std::vector<int> order;
    auto take = [&](int who, std::uint64_t weight, bool hold) -> asio::awaitable<void> {
        budget_share share(room, co_await room.acquire(weight));
        order.push_back(who);
        if (!hold)
            co_return; // the share goes back here
        share.give_back();
        share.give_back(); // a second give_back gives nothing
    };
    budget_share held;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { held = budget_share(room, co_await room.acquire(8)); },
        asio::detached);
    io.run();
    EXPECT_EQ(room.available(), 2u);
    io.restart();
    asio::co_spawn(io, take(1, 5, false), asio::detached); // waits: only 2 free
    asio::co_spawn(io, take(2, 1, true), asio::detached);  // fits, but must not overtake 1
    io.poll(); // run() would wait for the waiters for ever
    EXPECT_TRUE(order.empty());
    EXPECT_EQ(room.waiting(), 2u);
    held = budget_share(); // gives the 8 back
    io.restart();
    io.poll();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    EXPECT_EQ(room.available(), 10u);
    EXPECT_EQ(room.waiting(), 0u);
}

TEST(CpuHeavy, OnlyCompressedEchoStreams) {
    using namespace wsconform::runner;
    case_def plain, streamed, compressed;
    streamed.script = {echo_stream{.size = 1 << 20, .count = 1}};
    compressed.script = {close_after{seconds(1)},
                         echo_stream{.size = 16, .count = 1000, .compress = true}};
    EXPECT_FALSE(cpu_heavy(plain));
    EXPECT_FALSE(cpu_heavy(streamed));
    EXPECT_TRUE(cpu_heavy(compressed));
    // Its memory weight is its messages', no longer a share of the budget to bound concurrency.
    EXPECT_LT(memory_weight(compressed, 64u << 20), 4u << 20);
}

TEST(MemoryWeight, IsWhatThePeerCanMakeTheCaseHold) {
    using namespace wsconform::runner;
    constexpr std::uint64_t run = 64ull << 20, mib = 1ull << 20;
    case_def plain, streamed, crowd, bomb;
    EXPECT_EQ(memory_weight(plain, run), mib); // one frame of up to its receive_limit
    streamed.script = {echo_stream{.size = 16 * mib, .count = 1}};
    EXPECT_EQ(memory_weight(streamed, run), 33 * mib); // the echo's frame, twice while it grows
    crowd.run_as = connection_crowd{.connections = 1000};
    EXPECT_EQ(memory_weight(crowd, run), 1000 * mib);
    expected_outcome any_echo;
    any_echo.any_payload = true;
    bomb.expected = {any_echo};
    EXPECT_EQ(memory_weight(bomb, run), run);
}

} // namespace
