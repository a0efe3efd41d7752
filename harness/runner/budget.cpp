#include "harness/runner/budget.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace wsconform::runner {

namespace asio = boost::asio;

budget::budget(asio::any_io_executor ex, std::uint64_t total)
    : ex_(std::move(ex)), total_(total), available_(total) {}

asio::awaitable<std::uint64_t> budget::acquire(std::uint64_t weight) {
    weight = std::min(weight, total_);
    const bool queue =
        std::any_of(waiters_.begin(), waiters_.end(), [](const waiter& w) { return !w.granted; });
    if (!queue && weight <= available_) {
        available_ -= weight;
        co_return weight;
    }
    auto& w = waiters_.emplace_back(waiter{weight, asio::steady_timer(ex_), false});
    w.wake.expires_at(asio::steady_timer::time_point::max());
    auto it = std::prev(waiters_.end());
    auto [ec] = co_await w.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec; // cancelled by grant(), which has taken the weight for us
    waiters_.erase(it);
    co_return weight;
}

void budget::release(std::uint64_t taken) {
    available_ = std::min(total_, available_ + taken);
    grant();
}

void budget::grant() {
    // In order: the first waiter that does not fit stops the others behind it.
    for (auto& w : waiters_) {
        if (w.granted)
            continue; // not resumed yet
        if (w.weight > available_)
            break;
        available_ -= w.weight;
        w.granted = true;
        w.wake.cancel();
    }
}

} // namespace wsconform::runner
