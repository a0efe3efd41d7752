#include "harness/runner/runner.hpp"

#include "harness/runner/budget.hpp"
#include "harness/runner/compression_cache.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>

namespace wsconform::runner {

namespace asio = boost::asio;

namespace {

/// Compressed echo streams (12.x, 13.x) in flight at once.
constexpr std::uint64_t cpu_heavy_cases_at_once = 4;

/// How long the runner waits after a failed connect before it tries the target again.
constexpr seconds reconnect_wait{0.5};

/// One TCP (and TLS) connect to the target, nothing sent.
asio::awaitable<boost::system::error_code> connect_once(const session_settings& settings) {
    net::transport t(co_await asio::this_coro::executor, settings.tls, nullptr);
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(settings.connect_timeout *
                                                                         settings.timeout_scale);
    auto ec = co_await t.connect(settings.url, timeout);
    t.close();
    co_return ec;
}

/// The case failed because its connection could not be made (refused, unreachable, timed out):
/// the target may have stopped accepting connections. Procedures (a crowd of connections, a
/// size search) judge refused connections themselves and are not retried.
bool connect_failed(const case_def& c, const case_result& r) {
    return std::holds_alternative<std::monostate>(c.run_as) && r.connect_error && !r.handshake_ok &&
           r.overall == verdict::failed;
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

/// The compressed echo stream of a case whose messages come from a shared data set.
const echo_stream* compressed_stream(const case_def& c) {
    const auto* e = compressed_echo(c);
    return e && e->source ? e : nullptr;
}

/// The order in which cases start. Compressed echo streams that send the same messages (one
/// data set, one message size: 12.1.10, 12.1.15-18 and each 13.x.10, 13.x.15-18) start one
/// after another, so what one compressed is still in the cache when the next needs it, and
/// the largest messages first, so the run does not end on one long case keeping one core
/// busy. The others keep their order and come first: they mostly wait on timers, and the
/// compressed cases fill the cores meanwhile. Only timing changes, never what is sent or
/// judged.
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
        return e ? std::tuple(1, ~e->size, source_rank.at(e->source.get()))
                 : std::tuple(0, std::uint64_t{0}, std::size_t{0});
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
    return order;
}

} // namespace

unsigned default_jobs() {
    // The cases mostly wait on timers and the peer, not on our CPU: many connections in flight
    // on one thread cost little, and 64 covers the longest fixed waits of categories 1-10.
    return 64;
}

std::vector<case_result> run_cases(std::span<const case_def* const> cases,
                                   const session_settings& run_settings, unsigned jobs,
                                   const std::function<void(const progress&)>& on_progress) {
    std::vector<case_result> results(cases.size());
    session_settings settings = run_settings;
    settings.compressed_messages =
        std::make_shared<compression_cache>(settings.compression_cache_bytes);
    asio::io_context io;
    std::size_t next = 0;
    progress state;
    state.total = cases.size();
    jobs = std::max(1u, jobs);
    // Heavy cases (9.x: up to 16 MiB echoes) wait for room, so the default --jobs stays within
    // the memory bound; only timing changes, never what is sent or judged.
    budget memory(io.get_executor(), settings.memory_budget_bytes);
    // Cases that keep a core busy on both sides (cpu_heavy): a few at once keep both sides'
    // cores busy; more only stretch each case's round trips.
    budget cpu_slots(io.get_executor(), cpu_heavy_cases_at_once);
    // Set once the target is gone: a case could not connect, nor could a retry after a
    // reconnect. Every case not yet started is then FAILED at once with this reason, instead of
    // each waiting out its own connect.
    std::optional<std::string> target_gone;

    // Runs one case; a failed connect is retried once, after a short wait and a reconnect.
    auto run_one = [&](const case_def& c) -> asio::awaitable<case_result> {
        if (target_gone)
            co_return unreachable(*target_gone,
                                  "not run: the target had stopped accepting connections");
        auto r = co_await run_case(c, settings);
        if (!connect_failed(c, r))
            co_return r;
        auto first = r.connect_error;
        asio::steady_timer wait(co_await asio::this_coro::executor);
        wait.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            reconnect_wait * settings.timeout_scale));
        co_await wait.async_wait(asio::use_awaitable);
        if (target_gone)
            co_return unreachable(*target_gone, "could not connect (" + first.message() +
                                                    "); the target had stopped accepting "
                                                    "connections");
        auto ec = co_await connect_once(settings);
        if (!ec) {
            r = co_await run_case(c, settings);
            r.notes.push_back("the first connect failed (" + first.message() +
                              "): retried once after a reconnect");
            if (!connect_failed(c, r))
                co_return r;
            ec = r.connect_error;
        }
        if (!target_gone)
            target_gone = ec.message() + " (" + settings.url.text + ")";
        co_return unreachable(*target_gone, "could not connect (" + first.message() +
                                                "), nor after a reconnect (" + ec.message() +
                                                "); the cases not yet started are not run");
    };

    const auto order = start_order(cases);
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < cases.size()) {
            auto index = order[next++];
            const case_def& c = *cases[index];
            try {
                // A CPU slot first, so a case waiting for one holds no memory meanwhile.
                budget_share cpu_share, memory_share;
                if (cpu_heavy(c) && !target_gone)
                    cpu_share = budget_share(cpu_slots, co_await cpu_slots.acquire(1));
                if (auto weight = memory_weight(c); weight && !target_gone)
                    memory_share = budget_share(memory, co_await memory.acquire(weight));
                results[index] = co_await run_one(c);
            } catch (const std::exception& e) {
                // A bug of ours must not take the run down: record it against the case.
                results[index] = {};
                results[index].result = std::string("internal error: ") + e.what();
                results[index].result_close = results[index].result;
            }
            ++state.done;
            if (results[index].overall == verdict::failed)
                ++state.failed;
            state.last = &c;
            state.last_result = &results[index];
            if (on_progress)
                on_progress(state);
        }
    };
    for (unsigned i = 0; i < std::min<std::size_t>(jobs, cases.size()); ++i)
        asio::co_spawn(io, worker(), asio::detached);
    io.run();
    return results;
}

std::string probe_target(const session_settings& settings) {
    asio::io_context io;
    std::string error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (auto ec = co_await connect_once(settings))
                error = "cannot connect to " + settings.url.text + ": " + ec.message();
        },
        asio::detached);
    io.run();
    return error;
}

} // namespace wsconform::runner
