#pragma once
/// The live-fuzzing campaign and the replay of one finding.
///
/// A campaign works in rounds: a batch of inputs (generated from the seed and their index)
/// goes out over `jobs` concurrent connections; each connection is judged on its own (reply
/// violations, connections kept that had to be failed, valid input dropped or left
/// unanswered); then a fresh connection must still get its canary echoed, else the target
/// crashed (refused) or hung. A dead target is restarted, when the campaign can, and the
/// round's inputs are replayed one at a time to find the one that kills it; the connections
/// such a round dropped are not findings of their own. Every finding is confirmed, minimised,
/// deduplicated by signature (kinds named by their trigger, by the trigger's features) and
/// written as a reproducer; valid input dropped or left unanswered is reported only when it is
/// confirmed. Exit status: 0 no finding, 1 findings (in `out`), 2 could not run.

#include "harness/livefuzz/executor.hpp"
#include "harness/livefuzz/minimiser.hpp"
#include "harness/livefuzz/mutator.hpp"
#include "harness/livefuzz/reproducer.hpp"
#include "harness/runner/restart.hpp"

#include <filesystem>
#include <ostream>

namespace wsconform::livefuzz {

struct campaign_options {
    target_settings target;
    double seconds = 60;
    std::uint64_t seed = 1;
    unsigned jobs = 4;
    std::filesystem::path out;
    std::size_t max_findings = 0; ///< stop after this many findings; 0: run the time out
    runner::restarter restart;    ///< empty: a dead target ends the campaign
    minimise_budget budget;       ///< per finding
    double progress_every = 5;    ///< seconds between progress lines
};

/// Runs the campaign; progress lines go to `err`, findings and the summary to `out`.
int run_campaign(const mutator& inputs, campaign_options options, std::ostream& out,
                 std::ostream& err);

/// Sends a reproducer's input to `target` and says whether the finding shows again.
/// 1 reproduced, 0 not reproduced, 2 could not run (the target did not serve to begin with).
int replay(const reproducer& r, const target_settings& target, std::ostream& out,
           std::ostream& err);

/// Prints input 0..count-1 (index, digest, steps, bytes, origin) and a digest of them all.
void print_inputs(const mutator& inputs, std::uint64_t count, std::ostream& out);

} // namespace wsconform::livefuzz
