#include "harness/livefuzz/campaign.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

namespace wsconform::livefuzz {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

std::string seconds_text(double s) {
    return runner::format_seconds(runner::seconds(s));
}

/// Runs `inputs` over at most `jobs` connections at once. A connection that cannot be opened
/// stops the round (the target is probably gone): inputs not started stay empty.
std::vector<std::optional<execution>> run_round(const std::vector<fuzz_input>& inputs,
                                                const target_settings& target, unsigned jobs) {
    asio::io_context io;
    std::vector<std::optional<execution>> results(inputs.size());
    std::size_t next = 0;
    bool stop = false;
    auto worker = [&]() -> asio::awaitable<void> {
        while (!stop && next < inputs.size()) {
            const auto i = next++;
            try {
                results[i] = co_await execute(inputs[i], target);
            } catch (const std::exception& e) { // a bug of ours must not end the campaign
                results[i].emplace();
                results[i]->outcome.failure = std::string("internal error: ") + e.what();
            }
            if (!results[i]->outcome.upgraded)
                stop = true;
        }
    };
    for (unsigned j = 0; j < std::max(1u, jobs); ++j)
        asio::co_spawn(io, worker(), asio::detached);
    io.run();
    return results;
}

std::string kind_of(const liveness& l) {
    return l.what == liveness::state::refused ? "crash" : "hang";
}

/// The trigger features of a crash signature ("len64+unmasked" -> {len64, unmasked}).
std::set<std::string> features(const std::string& tag) {
    std::set<std::string> out;
    std::size_t from = 0;
    for (;;) {
        auto plus = tag.find('+', from);
        out.insert(tag.substr(from, plus - from));
        if (plus == std::string::npos)
            return out;
        from = plus + 1;
    }
}

class campaign {
  public:
    campaign(const mutator& inputs, campaign_options options, std::ostream& out, std::ostream& err)
        : inputs_(inputs), o_(std::move(options)), out_(out), err_(err), start_(clock::now()),
          deadline_(start_ + std::chrono::duration_cast<clock::duration>(
                                 std::chrono::duration<double>(o_.seconds))) {}

    int run() {
        if (auto l = check_alive_now(o_.target); !l.alive()) {
            err_ << "wsconform: fuzz-live: the target " << o_.target.url.text
                 << " does not serve: " << l.detail << '\n';
            return 2;
        }
        out_ << "fuzz-live: " << o_.target.url.text << ", seed " << o_.seed << ", " << o_.jobs
             << (o_.jobs == 1 ? " job, " : " jobs, ") << seconds_text(o_.seconds) << ", "
             << inputs_.seed_count() << " seeds; reproducers in " << o_.out.string() << std::endl;
        auto next_progress = start_ + progress_interval();
        const std::size_t round_size = std::max<std::size_t>(8, 8 * std::size_t(o_.jobs));
        while (!stop_ && clock::now() < deadline_) {
            std::vector<fuzz_input> round;
            const auto first = next_index_;
            for (std::size_t k = 0; k < round_size; ++k)
                round.push_back(inputs_.generate(next_index_++));
            auto results = run_round(round, o_.target, o_.jobs);
            for (const auto& r : results)
                sent_ += r.has_value();

            // Every connection on its own, then whether the target still serves.
            std::vector<std::pair<std::size_t, finding_claim>> claims;
            for (std::size_t k = 0; k < results.size(); ++k)
                if (results[k])
                    if (auto claim = judge(results[k]->expected, results[k]->outcome))
                        claims.emplace_back(k, std::move(*claim));
            bool died = false;
            if (auto l = alive(); !l.alive()) {
                died = true;
                on_dead(round, results, first, l);
            }
            for (auto& [k, claim] : claims) {
                if (stop_)
                    break;
                // The round's connections ended with the target: its crash or hang is the
                // finding, not each connection it dropped.
                if (died && claim.sig.kind == "dropped-valid")
                    continue;
                on_claim(round[k], first + k, claim, results[k]->outcome);
            }
            if (clock::now() >= next_progress) {
                progress();
                next_progress = clock::now() + progress_interval();
            }
        }
        const double secs = elapsed();
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? double(sent_) / secs : 0.0);
        out_ << "fuzz-live: " << sent_ << " inputs in " << seconds_text(secs) << " (" << rate
             << " inputs/s), " << findings_ << (findings_ == 1 ? " finding" : " findings") << " ("
             << duplicates_ << " duplicates), " << restarts_
             << (restarts_ == 1 ? " restart" : " restarts") << std::endl;
        if (failed_)
            return 2;
        return findings_ > 0 ? 1 : 0;
    }

  private:
    clock::duration progress_interval() const {
        return std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(o_.progress_every));
    }
    double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

    void progress() {
        const double secs = elapsed();
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? double(sent_) / secs : 0.0);
        err_ << "progress: " << seconds_text(secs) << ", " << sent_ << " inputs (" << rate
             << "/s), " << findings_ << (findings_ == 1 ? " finding, " : " findings, ") << restarts_
             << (restarts_ == 1 ? " restart" : " restarts") << std::endl;
    }

    /// Liveness, with a second, slower look before calling a busy target hung.
    liveness alive() {
        auto l = check_alive_now(o_.target);
        if (l.what == liveness::state::unresponsive)
            l = check_alive_now(o_.target, 3.0);
        return l;
    }

    /// Restarts the target and waits until it serves; false (and the campaign stops) if not.
    bool restart() {
        if (!o_.restart)
            return false;
        std::string url, error;
        ++restarts_;
        if (!o_.restart(url, error)) {
            err_ << "wsconform: fuzz-live: cannot restart the target: " << error << '\n';
            stop_ = true;
            return false;
        }
        if (!url.empty()) {
            auto parsed = net::parse_url(url, &error);
            if (!parsed) {
                err_ << "wsconform: fuzz-live: restarted target has a bad URL '" << url
                     << "': " << error << '\n';
                stop_ = true;
                return false;
            }
            o_.target.url = *parsed;
        }
        for (auto until = clock::now() + std::chrono::seconds(15); clock::now() < until;) {
            if (check_alive_now(o_.target).alive())
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        err_ << "wsconform: fuzz-live: the restarted target does not serve\n";
        stop_ = true;
        return false;
    }

    minimise_budget budget() const {
        // A finding near the end still gets minimised, within a bounded grace period.
        auto grace = deadline_ + std::chrono::seconds(30) - clock::now();
        auto b = o_.budget;
        b.max_time = std::max<clock::duration>(std::chrono::seconds(3),
                                               std::min<clock::duration>(b.max_time, grace));
        return b;
    }

    /// The target stopped serving after a round: find the input that does it, if it can be
    /// restarted; otherwise report the most likely one, unconfirmed.
    void on_dead(const std::vector<fuzz_input>& round,
                 const std::vector<std::optional<execution>>& results, std::uint64_t first,
                 const liveness& dead) {
        const std::string kind = kind_of(dead);
        std::vector<std::size_t> suspects; // the ones that ended oddly first
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t k = 0; k < results.size(); ++k)
                if (results[k] && results[k]->outcome.abnormal() == (pass == 0))
                    suspects.push_back(k);
        if (suspects.empty())
            suspects.push_back(0);
        if (!o_.restart) {
            const auto k = suspects.front();
            report(round[k], first + k, {kind, trigger_tag(round[k].steps.back())},
                   describe_dead(kind), dead.detail, false, false, round[k].steps.size(), 0);
            err_ << "wsconform: fuzz-live: the target stopped serving and cannot be restarted "
                    "(give --restart-command); stopping\n";
            stop_ = true;
            return;
        }
        if (!restart())
            return;
        std::optional<std::size_t> culprit;
        liveness after;
        for (auto k : suspects) {
            if (clock::now() >= deadline_ + std::chrono::seconds(30))
                break;
            execute_now(round[k], o_.target);
            after = alive();
            if (!after.alive()) {
                culprit = k;
                if (!restart())
                    return;
                break;
            }
        }
        if (!culprit) {
            if (kind == "crash") { // the process did die: report it, unconfirmed
                const auto k = suspects.front();
                report(round[k], first + k, {kind, trigger_tag(round[k].steps.back())},
                       describe_dead(kind) + " (no single input of the round did it again)",
                       dead.detail, false, false, round[k].steps.size(), 0);
            } else {
                err_ << "note: the target stopped answering once, but no input of the round "
                        "does it again (load?): "
                     << dead.detail << '\n';
            }
            return;
        }
        const auto& input = round[*culprit];
        const std::string found_kind = kind_of(after);
        // A crash like one already reported: no need to spend minutes minimising it again.
        if (known_trigger(found_kind, input)) {
            ++duplicates_;
            return;
        }
        bool dead_now = false;
        auto reproduces = [&](const fuzz_input& candidate) {
            if (dead_now) {
                if (!restart())
                    return false;
                dead_now = false;
            }
            execute_now(candidate, o_.target);
            auto l = alive();
            dead_now = !l.alive();
            return dead_now && kind_of(l) == found_kind;
        };
        auto m = minimise(input, reproduces, budget());
        if (dead_now && !restart())
            stop_ = true;
        report(m.input, first + *culprit, {found_kind, trigger_tag(m.input.steps.back())},
               describe_dead(found_kind), after.detail, true, true, input.steps.size(), m.trials);
    }

    static std::string describe_dead(const std::string& kind) {
        return kind == "crash"
                   ? "after this input the server no longer accepts connections (it crashed)"
                   : "after this input the server no longer serves a fresh connection (it "
                     "hangs: no opening handshake or no echo within the deadline)";
    }

    /// The trigger a finding of `kind` is named by: the last step, except that pings left
    /// unanswered are named by the last ping (the step after it may be a continuation frame).
    static std::string trigger_of(const std::string& kind, const fuzz_input& input) {
        if (kind == "unanswered-valid")
            for (auto it = input.steps.rbegin(); it != input.steps.rend(); ++it)
                if (features(trigger_tag(*it)).contains("ping"))
                    return trigger_tag(*it);
        return trigger_tag(input.steps.back());
    }

    /// Whether a finding of `kind` named by a trigger (named_by_trigger) is known whose
    /// features one step of `input` has: "crash:len64" covers any input with a len64 step.
    bool known_trigger(const std::string& kind, const fuzz_input& input) const {
        for (const auto& known : known_)
            if (known.kind == kind)
                for (const auto& step : input.steps) {
                    auto have = features(trigger_tag(step)), need = features(known.rule);
                    if (std::includes(have.begin(), have.end(), need.begin(), need.end()))
                        return true;
                }
        return false;
    }

    /// Valid input the server did not answer as it must (dropped-valid, unanswered-valid): like
    /// a crash, named by what triggers it, which only the minimised input shows. Reported only
    /// when it happens again on a connection of its own (a reply late under load is not a
    /// finding), and never for a connection that a crash or hang ended: that is on_dead's.
    void on_valid_claim(const fuzz_input& input, std::uint64_t index, const finding_claim& claim,
                        const connection_outcome& seen) {
        if (known_trigger(claim.sig.kind, input)) {
            ++duplicates_;
            return;
        }
        bool dead_now = false;
        std::string description = claim.description, observed = seen.reply_summary;
        auto reproduces = [&](const fuzz_input& candidate) {
            if (dead_now) {
                if (!restart())
                    return false;
                dead_now = false;
            }
            auto e = execute_now(candidate, o_.target);
            auto c = judge(e.expected, e.outcome);
            if (!c || c->sig.kind != claim.sig.kind)
                return false;
            if (claim.sig.kind == "dropped-valid" && !alive().alive()) {
                dead_now = true; // a crash or hang: the rounds will find it as one
                return false;
            }
            // The minimiser keeps the last candidate that reproduced: describe that one.
            description = std::move(c->description);
            observed = e.outcome.reply_summary;
            return true;
        };
        const bool confirmed = reproduces(input);
        auto m =
            confirmed ? minimise(input, reproduces, budget()) : minimise_result{input, 0, false};
        // Without a restart command the next round's liveness check reports the crash.
        if (dead_now)
            restart();
        if (!confirmed) {
            err_ << "note: input " << index << " (" << claim.sig.kind << "): " << claim.description
                 << "; not again on a connection of its own, so not reported\n";
            return;
        }
        report(m.input, index, {claim.sig.kind, trigger_of(claim.sig.kind, m.input)}, description,
               "the server sent " + observed, true, true, input.steps.size(), m.trials);
    }

    void on_claim(const fuzz_input& input, std::uint64_t index, const finding_claim& claim,
                  const connection_outcome& seen) {
        if (named_by_trigger(claim.sig.kind)) {
            on_valid_claim(input, index, claim, seen);
            return;
        }
        if (std::find(known_.begin(), known_.end(), claim.sig) != known_.end()) {
            ++duplicates_;
            return;
        }
        auto reproduces = [&](const fuzz_input& candidate) {
            auto e = execute_now(candidate, o_.target);
            auto c = judge(e.expected, e.outcome);
            return c && c->sig == claim.sig;
        };
        const bool confirmed = reproduces(input);
        auto m =
            confirmed ? minimise(input, reproduces, budget()) : minimise_result{input, 0, false};
        // A trial may have taken the server down; the next round needs it.
        if (auto l = alive(); !l.alive()) {
            err_ << "note: the target stopped serving while minimising " << claim.sig.text()
                 << '\n';
            if (!restart())
                stop_ = true;
        }
        report(m.input, index, claim.sig, claim.description,
               seen.reply_summary.empty() ? seen.failure : "the server sent " + seen.reply_summary,
               confirmed, confirmed, input.steps.size(), m.trials);
    }

    void report(const fuzz_input& input, std::uint64_t index, const signature& sig,
                const std::string& description, const std::string& observed, bool confirmed,
                bool minimised, std::size_t original_steps, std::size_t trials) {
        if (std::find(known_.begin(), known_.end(), sig) != known_.end()) {
            ++duplicates_;
            return;
        }
        known_.push_back(sig);
        reproducer r{sig,          description, observed,  o_.target.url.text, o_.seed, index,
                     input.origin, confirmed,   minimised, original_steps,     trials,  input};
        std::string error;
        auto path = write_reproducer(o_.out, r, error);
        ++findings_;
        if (path.empty()) {
            err_ << "wsconform: fuzz-live: " << error << '\n';
            failed_ = true;
            stop_ = true;
            return;
        }
        out_ << "finding " << findings_ << " at " << seconds_text(elapsed()) << ": " << sig.text()
             << " (input " << index << ", " << original_steps << " -> " << input.steps.size()
             << (input.steps.size() == 1 ? " step" : " steps")
             << (minimised ? ", minimised in " + std::to_string(trials) + " trials" : "")
             << (confirmed ? "" : ", unconfirmed") << "): " << path.string() << std::endl;
        if (o_.max_findings && findings_ >= o_.max_findings)
            stop_ = true;
    }

    const mutator& inputs_;
    campaign_options o_;
    std::ostream& out_;
    std::ostream& err_;
    clock::time_point start_, deadline_;
    std::uint64_t next_index_ = 0;
    std::uint64_t sent_ = 0;
    std::size_t findings_ = 0, duplicates_ = 0, restarts_ = 0;
    std::vector<signature> known_;
    bool stop_ = false;
    bool failed_ = false; ///< a reproducer could not be written
};

} // namespace

int run_campaign(const mutator& inputs, campaign_options options, std::ostream& out,
                 std::ostream& err) {
    return campaign(inputs, std::move(options), out, err).run();
}

int replay(const reproducer& r, const target_settings& target, std::ostream& out,
           std::ostream& err) {
    if (auto l = check_alive_now(target); !l.alive()) {
        err << "wsconform: replay: the target " << target.url.text
            << " does not serve: " << l.detail << '\n';
        return 2;
    }
    auto e = execute_now(r.input, target);
    bool reproduced = false;
    std::string seen;
    if (r.sig.kind == "crash" || r.sig.kind == "hang") {
        auto l = check_alive_now(target);
        if (l.what == liveness::state::unresponsive)
            l = check_alive_now(target, 3.0);
        reproduced = !l.alive() && kind_of(l) == r.sig.kind;
        seen = l.alive() ? "the server still serves a fresh connection" : l.detail;
    } else {
        auto claim = judge(e.expected, e.outcome);
        // A kind named by its trigger (dropped-valid, ...) reproduces as that kind.
        reproduced = claim && (named_by_trigger(r.sig.kind) ? claim->sig.kind == r.sig.kind
                                                            : claim->sig == r.sig);
        seen = claim ? claim->sig.text() + ": " + claim->description
                     : (e.outcome.upgraded ? "the server sent " + e.outcome.reply_summary
                                           : e.outcome.failure);
    }
    out << (reproduced ? "reproduced: " : "not reproduced: ") << r.sig.text() << " against "
        << target.url.text << " (" << seen << ")" << std::endl;
    return reproduced ? 1 : 0;
}

void print_inputs(const mutator& inputs, std::uint64_t count, std::ostream& out) {
    std::uint64_t all = 14695981039346656037ull;
    for (std::uint64_t i = 0; i < count; ++i) {
        auto in = inputs.generate(i);
        auto d = digest(in);
        for (int b = 0; b < 8; ++b)
            all = (all ^ ((d >> (8 * b)) & 0xff)) * 1099511628211ull;
        out << "input " << i << ' ' << digest_hex(d) << ' ' << in.steps.size() << " steps "
            << wire_bytes(in).size() << " bytes chunk " << in.write_chunk << ": " << in.origin
            << '\n';
    }
    out << "digest of " << count << " inputs: " << digest_hex(all) << std::endl;
}

} // namespace wsconform::livefuzz
