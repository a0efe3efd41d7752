#include "harness/runner/runner.hpp"

#include "harness/runner/memory_budget.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <thread>
#include <utility>

namespace wsconform::runner {

namespace asio = boost::asio;

unsigned default_jobs() {
    // The cases mostly wait on timers and the peer, not on our CPU: many connections in flight
    // on one thread cost little, and 64 covers the longest fixed waits of categories 1-10.
    return 64;
}

std::vector<case_result> run_cases(std::span<const case_def* const> cases,
                                   const session_settings& settings, unsigned jobs,
                                   const std::function<void(const progress&)>& on_progress) {
    std::vector<case_result> results(cases.size());
    asio::io_context io;
    std::size_t next = 0;
    progress state;
    state.total = cases.size();
    jobs = std::max(1u, jobs);
    // Heavy cases (9.x: up to 16 MiB echoes) wait for room, so the default --jobs stays within
    // the memory bound; only timing changes, never what is sent or judged.
    memory_budget budget(io.get_executor(), settings.memory_budget_bytes);

    auto worker = [&]() -> asio::awaitable<void> {
        while (next < cases.size()) {
            auto index = next++;
            const case_def& c = *cases[index];
            std::uint64_t taken = 0;
            try {
                if (auto weight = memory_weight(c))
                    taken = co_await budget.acquire(weight);
                results[index] = co_await run_case(c, settings);
                budget.release(std::exchange(taken, 0));
            } catch (const std::exception& e) {
                budget.release(std::exchange(taken, 0));
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
            net::transport t(co_await asio::this_coro::executor, settings.tls, nullptr);
            auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
                settings.connect_timeout * settings.timeout_scale);
            if (auto ec = co_await t.connect(settings.url, timeout))
                error = "cannot connect to " + settings.url.text + ": " + ec.message();
            t.close();
        },
        asio::detached);
    io.run();
    return error;
}

} // namespace wsconform::runner
