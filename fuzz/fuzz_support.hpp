#pragma once
/// Shared pieces of the fuzz targets: the libFuzzer entry point declaration, a reader that
/// turns the fuzz input into configuration choices, a deterministic chunk planner, and the
/// contract check that turns a broken invariant into a crash the engine records.

#include "harness/codec/bytes.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace wsconform::fuzz {

using codec::byte;
using codec::byte_view;

/// Reports a broken contract and aborts: libFuzzer saves the input as a crash, the replay
/// main fails the ctest.
[[noreturn]] inline void contract_failed(const char* expr, const char* what, const char* file,
                                         int line) {
    std::fprintf(stderr, "%s:%d: contract broken: %s (%s)\n", file, line, what, expr);
    std::abort();
}

} // namespace wsconform::fuzz

/// A macro rather than a function so the message names the failing expression and line
/// (clang 14 with libstdc++ 12 has no usable std::source_location).
#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ::wsconform::fuzz::contract_failed(#cond, what, __FILE__, __LINE__);                   \
    } while (false)

namespace wsconform::fuzz {

/// Consumes configuration from the front of the input. Running out yields zeros, so every
/// input, the empty one included, is a valid configuration.
class input_reader {
  public:
    explicit input_reader(byte_view data) : data_(data) {}

    byte u8() {
        if (data_.empty())
            return 0;
        byte b = data_.front();
        data_ = data_.subspan(1);
        return b;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
    std::uint32_t u32() { return std::uint32_t{u16()} << 16 | u16(); }
    bool flag() { return (u8() & 1) != 0; }
    /// Up to `n` bytes (fewer at the end of the input).
    byte_view take(std::size_t n) {
        n = std::min(n, data_.size());
        auto out = data_.first(n);
        data_ = data_.subspan(n);
        return out;
    }
    byte_view rest() { return take(data_.size()); }
    std::size_t remaining() const { return data_.size(); }

  private:
    byte_view data_;
};

/// A small deterministic generator (xorshift64*) for choices that should not consume input
/// bytes, such as where to cut the stream: the wire bytes stay contiguous in the input, so
/// the dictionary and mutations act on them directly.
class rng {
  public:
    explicit rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    std::uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545F4914F6CDD1Dull;
    }
    /// Uniform-enough value in [lo, hi].
    std::size_t between(std::size_t lo, std::size_t hi) {
        return lo + static_cast<std::size_t>(next() % (hi - lo + 1));
    }

  private:
    std::uint64_t state_;
};

/// How a stream is cut into reads. Mode 0 feeds everything at once; the others bound the
/// size of each read, down to one byte at a time, so state kept across read boundaries is
/// exercised.
class chunker {
  public:
    chunker(std::uint8_t mode, std::uint64_t seed) : max_(limit(mode)), rng_(seed) {}

    /// Calls `feed` with consecutive pieces that together are `data`.
    template <class Feed>
    void run(byte_view data, Feed&& feed) {
        while (!data.empty()) {
            std::size_t n = max_ == 0 ? data.size() : rng_.between(1, max_);
            n = std::min(n, data.size());
            feed(data.first(n));
            data = data.subspan(n);
        }
    }

  private:
    static std::size_t limit(std::uint8_t mode) {
        static constexpr std::array<std::size_t, 8> limits = {0, 1, 2, 3, 7, 16, 100, 1000};
        return limits[mode & 7];
    }
    std::size_t max_;
    rng rng_;
};

} // namespace wsconform::fuzz
