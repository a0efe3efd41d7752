#pragma once
/// A budget of units shared by the running cases: a case takes its weight before it starts and
/// gives it back when it ends. Waiters are served in order, so a heavy case is not overtaken for
/// ever by light ones. The runner keeps two: the memory the cases may hold (bytes), and its
/// CPU-heavy cases (a weight of 1 each). Single-threaded, like the runner (no locks).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <list>
#include <utility>

namespace wsconform::runner {

class budget {
  public:
    budget(boost::asio::any_io_executor ex, std::uint64_t total);
    budget(const budget&) = delete;
    budget& operator=(const budget&) = delete;

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

/// A share taken from a budget, given back when it goes out of scope.
class budget_share {
  public:
    budget_share() = default;
    budget_share(budget& budget, std::uint64_t taken) : budget_(&budget), taken_(taken) {}
    budget_share(budget_share&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)), taken_(other.taken_) {}
    budget_share& operator=(budget_share&& other) noexcept {
        if (this != &other) {
            give_back();
            budget_ = std::exchange(other.budget_, nullptr);
            taken_ = other.taken_;
        }
        return *this;
    }
    ~budget_share() { give_back(); }

    void give_back() {
        if (auto* b = std::exchange(budget_, nullptr))
            b->release(taken_);
    }

  private:
    budget* budget_ = nullptr;
    std::uint64_t taken_ = 0;
};

} // namespace wsconform::runner
