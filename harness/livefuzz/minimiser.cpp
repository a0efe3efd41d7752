#include "harness/livefuzz/minimiser.hpp"

#include <algorithm>

namespace wsconform::livefuzz {

namespace {

class trials {
  public:
    trials(const std::function<bool(const fuzz_input&)>& reproduces, const minimise_budget& budget)
        : reproduces_(reproduces), budget_(budget), start_(std::chrono::steady_clock::now()) {}

    /// Runs one trial unless the budget is spent.
    bool holds(const fuzz_input& candidate) {
        if (count_ >= budget_.max_trials ||
            std::chrono::steady_clock::now() - start_ >= budget_.max_time) {
            exhausted_ = true;
            return false;
        }
        ++count_;
        return reproduces_(candidate);
    }
    /// Replaces `current` by `candidate` when the candidate differs and still reproduces.
    bool adopt(fuzz_input& current, fuzz_input candidate) {
        if (candidate == current || !holds(candidate))
            return false;
        current = std::move(candidate);
        return true;
    }
    bool exhausted() const { return exhausted_; }
    std::size_t count() const { return count_; }

  private:
    const std::function<bool(const fuzz_input&)>& reproduces_;
    minimise_budget budget_;
    std::chrono::steady_clock::time_point start_;
    std::size_t count_ = 0;
    bool exhausted_ = false;
};

/// ddmin over the steps: remove ever smaller chunks while the finding still reproduces.
void reduce_steps(fuzz_input& input, trials& t) {
    std::size_t n = 2;
    while (input.steps.size() >= 2 && !t.exhausted()) {
        const auto size = input.steps.size();
        const auto chunk = (size + n - 1) / n;
        bool reduced = false;
        for (std::size_t start = 0; start < size && !reduced && !t.exhausted(); start += chunk) {
            auto candidate = input;
            auto first = candidate.steps.begin() + static_cast<std::ptrdiff_t>(start);
            candidate.steps.erase(
                first, first + static_cast<std::ptrdiff_t>(std::min(chunk, size - start)));
            if (candidate.steps.empty())
                continue;
            if (t.adopt(input, std::move(candidate))) {
                n = std::max<std::size_t>(n - 1, 2);
                reduced = true;
            }
        }
        if (!reduced) {
            if (n >= size)
                break;
            n = std::min(size, n * 2);
        }
    }
}

/// One pass of simplifications over every step; true if any was kept.
bool simplify_steps(fuzz_input& input, trials& t) {
    bool changed = false;
    auto attempt = [&](auto&& edit) {
        auto candidate = input;
        edit(candidate);
        changed = t.adopt(input, std::move(candidate)) || changed;
    };
    attempt([](fuzz_input& c) { c.write_chunk = 0; });
    for (std::size_t i = 0; i < input.steps.size() && !t.exhausted(); ++i) {
        attempt([i](fuzz_input& c) { c.steps[i].delay_ms = 0; });
        if (!input.steps[i].is_frame()) {
            // Raw bytes: keep the shortest prefix that still reproduces.
            while (!t.exhausted()) {
                const auto& raw = input.steps[i].raw();
                if (raw.size() < 2)
                    break;
                auto candidate = input;
                candidate.steps[i].raw().resize(raw.size() / 2);
                if (!t.adopt(input, std::move(candidate)))
                    break;
                changed = true;
            }
            // The first header byte as plain as the finding allows: binary, FIN, no RSV.
            auto first_byte = [&](codec::byte keep, codec::byte set) {
                attempt([i, keep, set](fuzz_input& c) {
                    auto& raw = c.steps[i].raw();
                    if (!raw.empty())
                        raw.front() = static_cast<codec::byte>((raw.front() & keep) | set);
                });
            };
            first_byte(0xf0, 0x02);
            first_byte(0xff, 0x80);
            first_byte(0x8f, 0x00);
            continue;
        }
        attempt([i](fuzz_input& c) {
            c.steps[i].frame().payload.clear();
            c.steps[i].frame().declared_length.reset();
        });
        attempt([i](fuzz_input& c) { c.steps[i].frame().payload.clear(); });
        while (!t.exhausted()) { // halve what is left
            const auto& f = input.steps[i].frame();
            if (f.payload.size() < 2)
                break;
            auto candidate = input;
            candidate.steps[i].frame().payload.resize(f.payload.size() / 2);
            if (!t.adopt(input, std::move(candidate)))
                break;
            changed = true;
        }
        attempt([i](fuzz_input& c) { c.steps[i].frame().declared_length.reset(); });
        attempt([i](fuzz_input& c) { c.steps[i].frame().form = codec::length_form::minimal; });
        attempt([i](fuzz_input& c) { c.steps[i].frame().op = codec::opcode::binary; });
        attempt([i](fuzz_input& c) { c.steps[i].frame().fin = true; });
        attempt([i](fuzz_input& c) { c.steps[i].frame().rsv = 0; });
        if (input.steps[i].frame().masked) // a zero key shows the payload as it is
            attempt([i](fuzz_input& c) { c.steps[i].frame().key = {0, 0, 0, 0}; });
    }
    return changed;
}

} // namespace

minimise_result minimise(fuzz_input input, const std::function<bool(const fuzz_input&)>& reproduces,
                         const minimise_budget& budget) {
    trials t(reproduces, budget);
    // Steps first (the big win), then their contents; repeat while either still shrinks.
    for (int round = 0; round < 4 && !t.exhausted(); ++round) {
        const auto before = input.steps.size();
        reduce_steps(input, t);
        if (!simplify_steps(input, t) && input.steps.size() == before)
            break;
    }
    return {std::move(input), t.count(), t.exhausted()};
}

} // namespace wsconform::livefuzz
