#include "harness/runner/runner.hpp"

#include "harness/http2/shared_connection.hpp"

#include "harness/runner/budget.hpp"
#include "harness/runner/client_source.hpp"
#include "harness/runner/compression_cache.hpp"
#include "harness/runner/concurrency.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>

namespace wsconform::runner {

namespace asio = boost::asio;

namespace {

/// Compressed echo streams (12.x, 13.x) in flight at once.
constexpr std::uint64_t cpu_heavy_cases_at_once = 4;

/// How often a target that stopped accepting connections is tried while it may come back.
constexpr seconds back_poll{0.1};
/// Cases in flight at the start (a run of a few cases starts them all at once); the window
/// doubles from there while the target keeps up.
constexpr unsigned first_window = 16;

using clock = std::chrono::steady_clock;

/// One connect to the target, nothing sent: TCP, and TLS for wss:// when `tls`.
asio::awaitable<boost::system::error_code> connect_once(const session_settings& settings,
                                                        seconds timeout, bool tls) {
    auto url = settings.url;
    url.tls = url.tls && tls;
    net::transport t(co_await asio::this_coro::executor, settings.tls, nullptr);
    auto ec = co_await t.connect(url, to_ms(timeout));
    t.close();
    co_return ec;
}

/// How long a probe's connection must stay up for the target to count as alive.
constexpr seconds probe_linger{0.05};

/// Whether the target still accepts connections after a case that ended badly: a connect, and
/// the connection must not be reset within probe_linger. A process that is dying as the probe
/// arrives may still have its listening socket, which completes the connect; the connection
/// is then reset as the socket goes. Only after an `abrupt_end` (no clean closing handshake:
/// how a death looks) is the wait worth its time; after a clean one the connect is enough.
asio::awaitable<boost::system::error_code> probe_alive(const session_settings& settings,
                                                       bool abrupt_end) {
    net::transport t(co_await asio::this_coro::executor, settings.tls, nullptr);
    auto url = settings.url;
    url.tls = false;
    auto ec = co_await t.connect(url, to_ms(settings.probe_timeout));
    if (ec || !abrupt_end)
        co_return ec;
    asio::steady_timer linger(co_await asio::this_coro::executor,
                              std::chrono::duration_cast<clock::duration>(probe_linger));
    boost::system::error_code ended;
    linger.async_wait([&](auto timer_ec) {
        if (!timer_ec)
            t.close();
    });
    codec::byte one[1];
    auto [read_ec, n] = co_await t.read_some(one);
    if (linger.cancel() > 0 && read_ec && read_ec != asio::error::operation_aborted)
        ended = read_ec; // reset or closed before the linger was up: it is going away
    (void)n;
    t.close();
    co_return ended ? ended : boost::system::error_code{};
}

/// A connect error that means nothing listens there any more (refused, reset, unreachable), as
/// opposed to a busy target that did not answer in time.
bool stopped_accepting(const boost::system::error_code& ec) {
    return ec && ec != asio::error::timed_out;
}

/// The case failed because its connection could not be made (refused, unreachable, timed out):
/// the target may have stopped accepting connections. Procedures (a crowd of connections, a
/// size search) judge refused connections themselves and are not retried.
bool connect_failed(const case_def& c, const case_result& r) {
    return std::holds_alternative<std::monostate>(c.run_as) && r.connect_error && !r.handshake_ok &&
           r.overall == verdict::failed;
}

/// Whether a case's ending could hide the death of the target: anything but OK with a clean
/// closing handshake. Only then does the runner look whether the target still accepts
/// connections.
bool ended_badly(const case_result& r) {
    return !(r.overall == verdict::ok && r.was_clean);
}

/// How much longer than the target's worst observed stall a timeout must be for load not to
/// explain it.
constexpr double stall_margin = 4;

/// A verdict that load on the target could have caused: a timeout of ours decided it, it is
/// not the clean OK that a slow target cannot fake, and the timeout is not far longer than the
/// longest the target kept an opening handshake waiting during the run (`worst_stall`): a
/// 15 s limit on a trickled handshake is not reached because a handshake took 0.3 s.
bool load_sensitive(const case_result& r, seconds worst_stall) {
    return r.decided_by_timeout && ended_badly(r) &&
           *r.decided_by_timeout <= stall_margin * worst_stall;
}

/// How long the target kept the case's opening handshake waiting: until its answer, or the
/// whole timeout when none came in time (the connect or the handshake timed out). Nothing for
/// the cases whose handshake time is their own: a procedure's connections, a trickled request.
std::optional<seconds> handshake_wait(const case_def& c, const case_result& r) {
    if (!std::holds_alternative<std::monostate>(c.run_as) || load_of(c) == load_class::background)
        return std::nullopt;
    if (r.handshake_us >= 0)
        return seconds(static_cast<double>(r.handshake_us) / 1e6);
    if (r.decided_by_timeout && !r.handshake_ok)
        return r.decided_by_timeout;
    return std::nullopt;
}

/// How long the machine kept the case's peer before its opening handshake, the measure of
/// load that confirm_alone weighs timeouts against: the handshake wait, or, for a client
/// process started for the case, the time from its start to its request when longer (many
/// clients starting at once on a busy machine show the load there, not in the handshake).
std::optional<seconds> stall_of(const case_def& c, const case_result& r) {
    auto wait = handshake_wait(c, r);
    if (r.client_start_us >= 0) {
        const seconds start(static_cast<double>(r.client_start_us) / 1e6);
        if (!wait || *wait < start)
            wait = start;
    }
    return wait;
}

/// The verdict of a case the target could not be reached for (Autobahn silently skips them).
case_result unreachable(const std::string& error, std::string note) {
    auto r = decided_without_connection(verdict::failed,
                                        "target stopped accepting connections: " + error,
                                        "the opening handshake was never completed");
    r.notes.push_back(std::move(note));
    r.started_at = iso_now();
    return r;
}

/// FAILED for killing the target; what the case saw first stays in the notes.
void blame(case_result& r, std::string why) {
    r.behavior = verdict::failed;
    r.behavior_close = close_verdict::failed;
    r.overall = verdict::failed;
    r.result = std::move(why);
    r.result_close = "the target died: no closing handshake";
}

/// The compressed echo stream of a case whose messages come from a shared data set.
const echo_stream* compressed_stream(const case_def& c) {
    const auto* e = compressed_echo(c);
    return e && e->source ? e : nullptr;
}

/// The order in which cases start: background cases, then the shared ones, then those that run
/// alone, then the checks across the run (load_class). Compressed echo streams that send the same
/// messages (one data set, one message size: 12.1.10, 12.1.15-18 and each 13.x.10, 13.x.15-18)
/// start one after another, so what one compressed is still in the cache when the next needs it,
/// and the largest messages first, so the run does not end on one long case keeping one core busy.
/// The others keep their order and come first: they mostly wait on timers, and the compressed cases
/// fill the cores meanwhile. Only timing changes, never what is sent or judged.
std::vector<std::size_t> start_order(std::span<const case_def* const> cases) {
    std::vector<std::size_t> order(cases.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::map<const pattern_payload*, std::size_t> source_rank; // by first appearance
    for (const auto* c : cases)
        if (const auto* e = compressed_stream(*c))
            source_rank.try_emplace(e->source.get(), source_rank.size());
    auto rank = [&](std::size_t i) {
        const auto* e = compressed_stream(*cases[i]);
        const auto load = static_cast<int>(load_of(*cases[i]));
        return e ? std::tuple(load, 1, ~e->size, source_rank.at(e->source.get()))
                 : std::tuple(load, 0, std::uint64_t{0}, std::size_t{0});
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
    return order;
}

/// One run of many cases against one target: workers take the cases in start order, each in
/// flight on its own connection, and the run survives a target that stops accepting
/// connections (it crashed, or was stopped) during a case.
///
/// After a case that ended badly (ended_badly), a TCP connect tells whether the target still
/// accepts connections. If it does not, it is taken for dead: no new case starts; the cases in
/// flight (their connections died with it) are held back; the target is restarted
/// (run_options::restart) or given time to come back by itself; then each held-back case runs
/// again, alone. A case during which the target dies again, alone, is the one it dies on:
/// FAILED for that. The others get the verdict of their second run, never FAILED for a death
/// that was not theirs. If the target does not come back, they and every case not started
/// are FAILED "target stopped accepting connections"; a case that was alone in flight when it
/// died is blamed for it.
///
/// Verdicts must not depend on --jobs. Cases start in start order, as many at once as the
/// target takes (concurrency_window: fewer while its opening handshakes come late); cases that
/// load the target run alone (load_class); and a verdict that a timeout decided while other
/// cases were in flight is confirmed after the others, on a quiet target: the case runs again
/// alone, and that run's verdict stands (its notes tell).
class case_run {
  public:
    case_run(std::span<const case_def* const> cases, const session_settings& settings,
             const run_options& options)
        : cases_(cases), results_(cases.size()), settings_(settings), options_(options),
          order_(start_order(cases)),
          // Heavy cases (9.x: up to 16 MiB echoes) wait for room, so the default --jobs stays
          // within the memory bound; only timing changes, never what is sent or judged.
          memory_(io_.get_executor(), settings.memory_budget_bytes),
          // Cases that keep a core busy on both sides (cpu_heavy): a few at once keep both
          // sides' cores busy; more only stretch each case's round trips.
          cpu_slots_(io_.get_executor(), cpu_heavy_cases_at_once),
          window_(std::max(1u, options.jobs), first_window), crowded_(cases.size(), false),
          decided_(cases.size(), false), resumed_(io_), idle_(io_), admissions_(io_) {
        settings_.compressed_messages =
            std::make_shared<compression_cache>(settings.compression_cache_bytes);
        // Every record is kept until the report is written: together within the budget.
        settings_.record_share_bytes =
            std::max(session_settings::record_share_floor,
                     settings.record_budget_bytes / std::max<std::size_t>(1, cases.size()));
        state_.total = cases.size();
        admissions_.expires_at(asio::steady_timer::time_point::max());
    }

    std::vector<case_result> run() {
        const auto jobs = std::max(1u, options_.jobs);
        workers_ = static_cast<unsigned>(std::min<std::size_t>(jobs, cases_.size()));
        attach_shared(true);
        for (unsigned i = 0; i < workers_; ++i)
            asio::co_spawn(io_, worker(), asio::detached);
        if (workers_ == 0)
            attach_shared(false);
        io_.run();
        if (window_.halvings() > 0)
            notice("the target answered opening handshakes late (after more than " +
                   std::to_string(std::lround(settings_.slow_handshake.count() * 1000)) +
                   " ms) with many cases in flight: the run went down to " +
                   count(window_.smallest(), "case") + " at once, and up again while it kept up");
        confirm_alone();
        return std::move(results_);
    }

  private:
    /// A case that was in flight when the target stopped accepting connections.
    struct held_case {
        std::size_t index;
        case_result first; ///< what its first run came to
    };

    /// Counts a case in flight while it lives (the recovery waits for none to be left), and
    /// marks the cases that shared the target with others.
    class in_flight {
      public:
        in_flight(case_run& run, std::size_t index) : run_(run), index_(index) {
            if (!run_.running_.empty()) {
                for (auto other : run_.running_)
                    run_.crowded_[other] = true;
                run_.crowded_[index_] = true;
            }
            run_.running_.insert(index_);
        }
        ~in_flight() {
            run_.running_.erase(index_);
            if (run_.running_.empty())
                run_.idle_.cancel();
        }
        in_flight(const in_flight&) = delete;
        in_flight& operator=(const in_flight&) = delete;

      private:
        case_run& run_;
        std::size_t index_;
    };

    /// A case admitted to start (may_start), counted until it ends.
    class admission {
      public:
        admission(case_run& run, load_class load) : run_(run), load_(load) {
            ++run_.admitted_[static_cast<int>(load_)];
        }
        ~admission() {
            --run_.admitted_[static_cast<int>(load_)];
            run_.admissions_.cancel(); // the waiting workers look again
        }
        admission(const admission&) = delete;
        admission& operator=(const admission&) = delete;

      private:
        case_run& run_;
        load_class load_;
    };

    std::size_t admitted(load_class load) const { return admitted_[static_cast<int>(load)]; }

    /// Whether the case at `position` of the start order may start now: cases start in that
    /// order, within the window; a case of load_class::alone once only background ones are in
    /// flight, and nothing else beside it; one of load_class::last once all the others ended.
    bool may_start(std::size_t position, load_class load) const {
        if (target_gone_)
            return true; // it is decided at once, without a connection
        if (position != next_admitted_ || admitted(load_class::alone) > 0)
            return false;
        if (load == load_class::alone)
            return admitted(load_class::shared) == 0;
        if (load == load_class::last)
            return admitted(load_class::background) + admitted(load_class::shared) == 0;
        return admitted(load_class::background) + admitted(load_class::shared) < window_.size();
    }

    /// Testing a client: its source serves on our executor while cases run (its port keeps the
    /// executor busy, so it stops once the last worker is done).
    /// What the run's cases share, attached while they run: the source of a client's
    /// connections (testing a client), and the HTTP/2 connection (closed once the last case is
    /// done, or io_.run() would wait on it).
    void attach_shared(bool on) {
        if (!on && settings_.http2)
            settings_.http2->close();
        if (!settings_.clients)
            return;
        if (on)
            settings_.clients->attach(io_.get_executor());
        else
            settings_.clients->detach();
    }

    asio::awaitable<void> worker() {
        struct last_one_out {
            case_run& run;
            ~last_one_out() {
                if (--run.workers_ == 0)
                    run.attach_shared(false);
            }
        } counted{*this};
        while (next_ < cases_.size()) {
            const auto position = next_++;
            auto index = order_[position];
            const case_def& c = *cases_[index];
            const auto load = load_of(c);
            std::optional<case_result> r;
            try {
                while (!may_start(position, load))
                    co_await admissions_.async_wait(asio::as_tuple(asio::use_awaitable));
                admission admitted(*this, load);
                ++next_admitted_;
                admissions_.cancel(); // the next in order may be admitted too
                // A CPU slot first, so a case waiting for one holds no memory meanwhile.
                budget_share cpu_share, memory_share;
                if (cpu_heavy(c) && !target_gone_)
                    cpu_share = budget_share(cpu_slots_, co_await cpu_slots_.acquire(1));
                if (auto weight = memory_weight(c, settings_.max_payload); !target_gone_)
                    memory_share = budget_share(memory_, co_await memory_.acquire(weight));
                const auto ticket = window_.started();
                r = co_await run_one(index);
                if (r) {
                    // A late opening handshake says the target is loaded.
                    const auto wait = handshake_wait(c, *r);
                    window_.ended(ticket, wait && *wait > settings_.slow_handshake);
                    if (auto stall = stall_of(c, *r))
                        worst_stall_ = std::max(worst_stall_, *stall);
                }
            } catch (const std::exception& e) {
                r = internal_error(e);
            }
            if (r) // else held back, decided by recover()
                decide(index, std::move(*r));
        }
    }

    /// After the run: the verdicts that a timeout decided while other cases were in flight
    /// (load_sensitive) are confirmed on a quiet target, each case again, alone.
    void confirm_alone() {
        std::vector<std::size_t> doubtful;
        for (std::size_t i = 0; i < cases_.size(); ++i)
            if (crowded_[i] && decided_[i] && load_sensitive(results_[i], worst_stall_))
                doubtful.push_back(i);
        if (doubtful.empty() || target_gone_)
            return;
        notice(count(doubtful.size(), "verdict") +
               " decided by a timeout while other cases were in flight: running " +
               (doubtful.size() == 1 ? "that case" : "those cases") +
               " again, one at a time, on a quiet target");
        io_.restart();
        attach_shared(true);
        asio::co_spawn(io_, confirm(std::move(doubtful)), asio::detached);
        io_.run();
    }

    asio::awaitable<void> confirm(std::vector<std::size_t> doubtful) {
        for (auto index : doubtful) {
            if (target_gone_)
                break; // the first verdicts stand: nothing can be confirmed any more
            const std::string first =
                std::string(to_string(results_[index].overall)) + ": " + results_[index].result;
            std::optional<case_result> r;
            try {
                crowded_[index] = false;
                r = co_await run_one(index);
            } catch (const std::exception& e) {
                r = internal_error(e);
            }
            if (!r)
                continue; // held back: recover() decides it
            const std::string second = std::string(to_string(r->overall)) + ": " + r->result;
            r->notes.push_back(
                second == first
                    ? "a timeout decided this verdict while other cases were in flight; the case "
                      "ran again alone after them and came to the same verdict"
                    : "a timeout decided the first run's verdict while other cases were in "
                      "flight (" +
                          first +
                          "); the case ran again alone after them, and this run's verdict "
                          "stands");
            decide(index, std::move(*r));
        }
        attach_shared(false);
    }

    /// Runs one case; a failed connect to a target that still accepts connections is tried
    /// again once. Returns nothing for a case held back by a recovery.
    asio::awaitable<std::optional<case_result>> run_one(std::size_t index) {
        while (recovering_)
            co_await resumed_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (target_gone_)
            co_return unreachable(*target_gone_,
                                  "not run: the target had stopped accepting connections");
        const case_def& c = *cases_[index];
        const auto stops = stops_;
        case_result r;
        {
            in_flight counted(*this, index);
            r = co_await run_case(c, settings_);
            if (settings_.clients) {
                // A client under test: no target to look after; each case starts its own.
            } else if (stops_ == stops && ended_badly(r)) {
                co_await look_at_target(r);
            }
            if (!settings_.clients && stops_ == stops && connect_failed(c, r)) {
                // It still accepts connections: a passing refusal (a full accept queue, a
                // proxy in between) gets a second try.
                auto first = r.connect_error;
                asio::steady_timer wait(io_, to_steady(settings_.reconnect_wait));
                co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
                r = co_await run_case(c, settings_);
                r.notes.push_back("the first connect failed (" + first.message() +
                                  "): retried once");
                if (stops_ == stops && ended_badly(r))
                    co_await look_at_target(r);
                if (stops_ == stops && connect_failed(c, r)) {
                    if (!target_gone_)
                        target_gone_ = r.connect_error.message() + " (" + settings_.url.text + ")";
                    co_return unreachable(
                        *target_gone_, "could not connect (" + first.message() +
                                           "), nor on a second try (" + r.connect_error.message() +
                                           "); the cases not yet started are not run");
                }
            }
        }
        if (stops_ != stops) {
            held_.push_back({index, std::move(r)});
            co_return std::nullopt;
        }
        co_return r;
    }

    /// After a case that ended badly: does the target still accept connections? If not, the
    /// recovery starts (once, however many cases ask).
    asio::awaitable<void> look_at_target(const case_result& r) {
        auto ec = co_await probe_alive(settings_, !r.was_clean);
        if (!stopped_accepting(ec) || recovering_)
            co_return;
        recovering_ = true;
        resumed_.expires_at(asio::steady_timer::time_point::max());
        target_stopped(ec);
        asio::co_spawn(io_, recover(), asio::detached);
    }

    void target_stopped(const boost::system::error_code& ec) {
        ++stops_;
        stop_error_ = ec.message();
        stopped_at_ = clock::now();
    }

    asio::awaitable<void> recover() {
        while (!running_.empty()) {
            idle_.expires_at(asio::steady_timer::time_point::max());
            co_await idle_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        auto held = std::move(held_);
        held_.clear();
        std::sort(held.begin(), held.end(),
                  [](const held_case& a, const held_case& b) { return a.index < b.index; });
        notice("the target stopped accepting connections (" + stop_error_ + ") with " +
               count(held.size(), "case") + " in flight; " +
               (options_.restart ? "restarting it" : "waiting for it to come back") + " (up to " +
               format_seconds(options_.back_within) + ")");
        bool back = co_await bring_back();
        if (back)
            notice("the target is back after " + format_seconds(clock::now() - stopped_at_) +
                   ": running those " + count(held.size(), "case") + " again, one at a time");
        const std::string first_error = stop_error_;
        for (std::size_t k = 0; k < held.size(); ++k) {
            if (!back) {
                give_up(held, k);
                break;
            }
            auto& h = held[k];
            crowded_[h.index] = false; // it runs alone now
            const std::string beside = others(held, k);
            const auto came_back = clock::now() - stopped_at_;
            case_result r;
            bool died = false;
            try {
                r = co_await run_case(*cases_[h.index], settings_);
                if (ended_badly(r)) {
                    auto ec = co_await probe_alive(settings_, !r.was_clean);
                    if ((died = stopped_accepting(ec)))
                        target_stopped(ec);
                }
            } catch (const std::exception& e) {
                r = internal_error(e);
            }
            r.notes.push_back("first run: " + std::string(to_string(h.first.overall)) + ": " +
                              h.first.result);
            if (died) {
                blame(r, "the target died during this case: it stopped accepting connections (" +
                             first_error + ")" + beside +
                             ", and again when the case was run alone (" + stop_error_ + ")");
                decide(h.index, std::move(r));
                notice("the target died again during " + cases_[h.index]->id +
                       ", run alone: FAILED for it");
                back = co_await bring_back();
            } else {
                r.notes.push_back("the target stopped accepting connections (" + first_error +
                                  ") while this case ran" + beside + "; it accepted them again " +
                                  format_seconds(came_back) +
                                  " later, and this case was run again, alone");
                decide(h.index, std::move(r));
            }
        }
        recovering_ = false;
        resumed_.cancel();
    }

    /// Restarts the target if the run can (run_options::restart), then waits until it accepts
    /// connections, for run_options::back_within at most.
    asio::awaitable<bool> bring_back() {
        if (options_.restart) {
            std::string url, error;
            if (!options_.restart(url, error)) {
                stop_error_ += "; it could not be restarted: " + error;
                co_return false;
            }
            if (!url.empty()) {
                auto moved = net::parse_url(url, &error);
                if (!moved) {
                    stop_error_ += "; it was restarted at a bad URL '" + url + "': " + error;
                    co_return false;
                }
                settings_.url = *moved;
            }
        }
        const auto until =
            clock::now() + std::chrono::duration_cast<clock::duration>(options_.back_within);
        asio::steady_timer pause(io_);
        for (;;) {
            if (!co_await connect_once(settings_, settings_.probe_timeout, false))
                co_return true;
            if (clock::now() >= until)
                co_return false;
            pause.expires_after(std::chrono::duration_cast<clock::duration>(back_poll));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    /// The target did not come back: the held-back cases from `from` on, and every case not
    /// started, are not run. A case that was alone in flight (and had connected) is the one.
    void give_up(std::vector<held_case>& held, std::size_t from) {
        target_gone_ = stop_error_ + " (" + settings_.url.text + ")";
        const std::string waited =
            " and did not accept them again within " + format_seconds(options_.back_within);
        for (std::size_t k = from; k < held.size(); ++k) {
            auto& h = held[k];
            if (held.size() == 1 && !h.first.connect_error) {
                blame(h.first, "the target died during this case: it stopped accepting "
                               "connections (" +
                                   stop_error_ + ")" + waited);
                decide(h.index, std::move(h.first));
                continue;
            }
            auto r = unreachable(*target_gone_, "it stopped accepting connections while this case "
                                                "ran" +
                                                    others(held, k) + waited +
                                                    ": which case it died on is not known (run "
                                                    "with --jobs 1, or let it be restarted)");
            r.notes.push_back("first run: " + std::string(to_string(h.first.overall)) + ": " +
                              h.first.result);
            decide(h.index, std::move(r));
        }
        notice("the target did not come back: " + *target_gone_);
    }

    /// " beside 2 other cases (1.1.8, 5.19)", or "" for a case alone in flight.
    std::string others(const std::vector<held_case>& held, std::size_t k) const {
        if (held.size() < 2)
            return {};
        std::string ids;
        std::size_t listed = 0;
        for (std::size_t j = 0; j < held.size(); ++j) {
            if (j == k)
                continue;
            if (listed++ == 8) {
                ids += ", ...";
                break;
            }
            ids += (ids.empty() ? "" : ", ") + cases_[held[j].index]->id;
        }
        return " beside " + count(held.size() - 1, "other case") + " (" + ids + ")";
    }

    static std::string count(std::size_t n, std::string_view what) {
        return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
    }

    static case_result internal_error(const std::exception& e) {
        // A bug of ours must not take the run down: record it against the case.
        case_result r;
        r.result = std::string("internal error: ") + e.what();
        r.result_close = r.result;
        return r;
    }

    void notice(const std::string& text) {
        if (options_.on_notice)
            options_.on_notice(text);
    }

    /// Sets a case's verdict; a case decided again (confirm_alone) replaces its first one.
    void decide(std::size_t index, case_result r) {
        if (!decided_[index]) {
            decided_[index] = true;
            ++state_.done;
        } else if (results_[index].overall == verdict::failed) {
            --state_.failed;
        }
        results_[index] = std::move(r);
        if (results_[index].overall == verdict::failed)
            ++state_.failed;
        state_.last = cases_[index];
        state_.last_result = &results_[index];
        if (options_.on_progress)
            options_.on_progress(state_);
    }

    std::span<const case_def* const> cases_;
    std::vector<case_result> results_;
    session_settings settings_; ///< the run's; the URL changes if a restart moved the target
    const run_options& options_;
    const std::vector<std::size_t> order_;
    asio::io_context io_;
    budget memory_;
    budget cpu_slots_;
    progress state_;
    std::size_t next_ = 0;          ///< the next case a worker takes (position in order_)
    std::size_t next_admitted_ = 0; ///< the next case that may start (position in order_)
    concurrency_window window_;
    std::size_t admitted_[4] = {0, 0, 0, 0}; ///< admitted cases by load_class
    std::vector<bool> crowded_;              ///< the case shared the target with another case
    std::vector<bool> decided_;
    /// The longest the target kept an opening handshake waiting, or a client took to start
    /// and ask (stall_of), for load_sensitive().
    seconds worst_stall_{0};

    std::set<std::size_t> running_; ///< cases in flight (their indices)
    /// Set once the target is gone: it stopped accepting connections and did not come back, or
    /// refused a case twice. Every case not yet started is then FAILED at once with this
    /// reason, instead of each waiting out its own connect.
    std::optional<std::string> target_gone_;
    std::uint64_t stops_ = 0; ///< times the target was found not accepting connections
    std::string stop_error_;  ///< the connect error of the last of them
    clock::time_point stopped_at_;
    bool recovering_ = false;       ///< no case starts meanwhile
    asio::steady_timer resumed_;    ///< cancelled when the recovery ends
    asio::steady_timer idle_;       ///< cancelled when the last case in flight ends
    asio::steady_timer admissions_; ///< cancelled when an admitted case ends
    std::vector<held_case> held_;
    unsigned workers_ = 0; ///< workers still taking cases
};

} // namespace

unsigned default_jobs() {
    // The cases mostly wait on timers and the peer, not on our CPU: many connections in flight
    // on one thread cost little, and 64 covers the longest fixed waits of categories 1-10.
    return 64;
}

std::vector<case_result> run_cases(std::span<const case_def* const> cases,
                                   const session_settings& settings, const run_options& options) {
    return case_run(cases, settings, options).run();
}

std::string probe_target(const session_settings& settings) {
    asio::io_context io;
    std::string error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (auto ec = co_await connect_once(settings, settings.connect_timeout, true)) {
                error = "cannot connect to " + settings.url.text + ": " + ec.message();
                co_return;
            }
            if (!settings.http2)
                co_return;
            // Over HTTP/2, a server that does not speak it is a usage error (one line), not a
            // FAILED for every case; one without RFC 8441's setting is judged by the cases.
            auto [conn, why] = co_await http2::connection::open(settings.url, settings.tls,
                                                                settings.http2->settings(),
                                                                to_ms(settings.connect_timeout));
            if (!conn)
                error = "no HTTP/2 at " + settings.url.text + ": " + why;
            else
                conn->close();
        },
        asio::detached);
    io.run();
    return error;
}

} // namespace wsconform::runner
