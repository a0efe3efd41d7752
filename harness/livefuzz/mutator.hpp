#pragma once
/// Structure-aware mutation of frame sequences. Input `index` of a run is a pure function of
/// (seed, index, seeds): which worker sends it, and when, never changes what it is.

#include "harness/livefuzz/input.hpp"
#include "harness/livefuzz/prng.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace wsconform::livefuzz {

/// Bounds on what one input may become.
struct mutation_limits {
    std::size_t max_steps = 48;
    std::size_t max_bytes = 192 * 1024;
    std::uint32_t max_total_delay_ms = 40; ///< timing mutations stay small
};

class mutator {
  public:
    mutator(std::vector<seed> seeds, std::uint64_t run_seed, mutation_limits limits = {});

    /// Input number `index`: a seed with 1-6 mutations applied.
    fuzz_input generate(std::uint64_t index) const;

    std::size_t seed_count() const { return seeds_.size(); }

    /// The mutation operators, by name (for `origin` and the unit tests).
    static std::span<const std::string_view> operator_names();

  private:
    /// Applies operator `op` to `in`; false if it did not apply (e.g. no frame to change).
    bool apply(std::size_t op, fuzz_input& in, prng& rng) const;

    std::vector<seed> seeds_;
    std::uint64_t run_seed_;
    mutation_limits limits_;
};

} // namespace wsconform::livefuzz
