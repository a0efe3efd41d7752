#pragma once
/// How many cases the runner keeps in flight against a target, found the way TCP finds what a
/// path can take: a window that grows while the target answers quickly and halves when it
/// does not. Sixty-four connections at once turn a slow but conforming server (one thread,
/// one connection at a time) into a failing one: its opening handshakes queue until they miss
/// the timeout, its pongs come after our closing timer. Pure: no clock, no sockets; the runner
/// says when a case starts and how quickly its opening handshake was answered.

#include <cstdint>

namespace wsconform::runner {

class concurrency_window {
  public:
    /// At most `most` cases in flight; `first` to begin with (slow start from there).
    explicit concurrency_window(unsigned most, unsigned first = 4);

    /// Cases that may be in flight now (at least 1).
    unsigned size() const { return size_; }

    /// A case starts: its ticket, to give to ended().
    std::uint64_t started() { return next_ticket_++; }

    /// A case ended; `congested`: its opening handshake was answered late, or not at all. The
    /// window halves once per round (cases started before the last halving do not count
    /// again: they were started into the larger window), and otherwise grows: by one per case
    /// until the first congestion (doubling each round), by one per round after it, never again
    /// to a size that was congested.
    void ended(std::uint64_t ticket, bool congested);

    /// Times the window was halved.
    unsigned halvings() const { return halvings_; }
    /// The smallest size the window had after a halving (`most` if it never halved).
    unsigned smallest() const { return smallest_; }

  private:
    unsigned most_;
    unsigned size_;
    unsigned threshold_;    ///< slow start below it, one per round above it
    unsigned ceiling_;      ///< below every size that was congested
    unsigned grown_by_ = 0; ///< cases ended on time since the window last grew (above threshold_)
    std::uint64_t next_ticket_ = 0;
    std::uint64_t halved_at_ = 0; ///< the first ticket given after the last halving
    unsigned halvings_ = 0;
    unsigned smallest_;
};

} // namespace wsconform::runner
