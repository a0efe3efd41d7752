#pragma once
/// Shrinks an input that reproduces a finding to the shortest one that still does: delta
/// debugging over the steps (Zeller's ddmin), then simpler steps (no pauses, no chunking, empty
/// or halved payloads, zero masking keys, plain opcode/FIN/RSV where the finding allows).
/// Every reduction is kept only if `reproduces` still says yes, so the result always
/// reproduces as well as the original did.

#include "harness/livefuzz/input.hpp"

#include <chrono>
#include <functional>

namespace wsconform::livefuzz {

struct minimise_budget {
    std::size_t max_trials = 400;
    std::chrono::steady_clock::duration max_time = std::chrono::seconds(20);
};

struct minimise_result {
    fuzz_input input;
    std::size_t trials = 0;
    bool exhausted = false; ///< stopped by the budget, not because nothing shrank further
};

minimise_result minimise(fuzz_input input, const std::function<bool(const fuzz_input&)>& reproduces,
                         const minimise_budget& budget = {});

} // namespace wsconform::livefuzz
