#pragma once
/// Keeps the memory the running cases may hold within a budget: a case takes its weight before
/// it starts and gives it back when it ends. Waiters are served in order, so a heavy case is
/// not overtaken for ever by light ones. Single-threaded, like the runner (no locks).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <list>

namespace wsconform::runner {

class memory_budget {
  public:
    memory_budget(boost::asio::any_io_executor ex, std::uint64_t total);
    memory_budget(const memory_budget&) = delete;
    memory_budget& operator=(const memory_budget&) = delete;

    /// Waits until `weight` (at most the whole budget) is free and takes it; returns what was
    /// taken, to give back with release().
    boost::asio::awaitable<std::uint64_t> acquire(std::uint64_t weight);
    void release(std::uint64_t taken);

    std::uint64_t available() const { return available_; }
    std::size_t waiting() const { return waiters_.size(); }

  private:
    struct waiter {
        std::uint64_t weight;
        boost::asio::steady_timer wake;
        bool granted = false; ///< its weight is taken; it resumes soon
    };
    void grant();

    boost::asio::any_io_executor ex_;
    std::uint64_t total_;
    std::uint64_t available_;
    std::list<waiter> waiters_; ///< a list: a waiter's timer must not move while it waits
};

} // namespace wsconform::runner
