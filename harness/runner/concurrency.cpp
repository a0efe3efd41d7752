#include "harness/runner/concurrency.hpp"

#include <algorithm>

namespace wsconform::runner {

concurrency_window::concurrency_window(unsigned most, unsigned first)
    : most_(std::max(1u, most)), size_(std::clamp(first, 1u, most_)), threshold_(most_),
      ceiling_(most_), smallest_(most_) {}

void concurrency_window::ended(std::uint64_t ticket, bool congested) {
    if (congested) {
        if (ticket < halved_at_)
            return; // its lateness was already answered
        // Past the size that congested it, the window does not grow again: each probe past a
        // server's cliff costs every case then in flight its timers (and a rerun alone).
        ceiling_ = std::max(1u, std::min(ceiling_, size_ - 1));
        threshold_ = std::max(1u, size_ / 2);
        size_ = threshold_;
        grown_by_ = 0;
        halved_at_ = next_ticket_;
        ++halvings_;
        smallest_ = std::min(smallest_, size_);
        return;
    }
    if (size_ >= ceiling_)
        return;
    if (size_ < threshold_ || ++grown_by_ >= size_) {
        ++size_;
        grown_by_ = 0;
    }
}

} // namespace wsconform::runner
