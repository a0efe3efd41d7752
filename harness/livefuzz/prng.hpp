#pragma once
/// The fuzzer's only source of randomness. Our own generator and bounded draws (not <random>'s
/// distributions, whose output differs between standard libraries) so a seed gives the same
/// inputs on every build.

#include <cstdint>

namespace wsconform::livefuzz {

/// splitmix64's finaliser: spreads (seed, index) into independent streams.
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/// The stream of input `index` of a run seeded with `seed`: independent of which worker
/// sends it and when.
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t index) {
    return mix64(mix64(seed) ^ mix64(index + 0x632be59bd9b4e019ull));
}

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class prng {
  public:
    explicit constexpr prng(std::uint64_t seed) {
        for (auto& word : s_) {
            seed += 0x9e3779b97f4a7c15ull;
            word = mix64(seed);
        }
    }

    constexpr std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform in [0, n) (n > 0); the tiny modulo bias does not matter for fuzzing.
    constexpr std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    /// Uniform in [lo, hi].
    constexpr std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
        return lo + below(hi - lo + 1);
    }
    /// True with probability num/den.
    constexpr bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
    template <class T, std::size_t N>
    constexpr const T& pick(const T (&items)[N]) {
        return items[below(N)];
    }

  private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
    }
    std::uint64_t s_[4]{};
};

} // namespace wsconform::livefuzz
