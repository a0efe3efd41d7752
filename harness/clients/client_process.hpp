#pragma once
/// A client under test started as a process (exec mode: once per case, with that case's URL),
/// and how it ended: its exit status or signal, a sanitizer's report in its output, or that it
/// had to be killed. Its output is kept within a fixed size whatever it prints.

#include "harness/runner/client_source.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace wsconform::clients {

/// Finds a sanitizer's report in a stream of output read in pieces of any size.
class sanitizer_scan {
  public:
    void feed(std::string_view piece);
    /// The first report line found, or "".
    const std::string& found() const { return found_; }

  private:
    std::string carry_; ///< the unfinished last line of the previous pieces (bounded)
    std::string found_;
};

/// One process: `/bin/sh -c command` in its own process group, stdin from /dev/null, stdout and
/// stderr into one pipe that is read as it comes. The destructor kills the whole group if it is
/// still running, so no client outlives the case that started it.
class client_process {
  public:
    /// Starts `command` with `environment` added (NAME=value). On failure, what ended() returns
    /// says why.
    client_process(boost::asio::any_io_executor ex, const std::string& command,
                   const std::vector<std::string>& environment = {});
    ~client_process();
    client_process(const client_process&) = delete;
    client_process& operator=(const client_process&) = delete;

    bool started() const { return pid_ > 0; }
    /// Whether it has exited (as far as the last look at it saw).
    bool running() const { return started() && !end_; }

    /// Waits until it exits by itself, at most `grace`; then kills its group and waits for that.
    /// A group that kept a core busy during the grace (still working through what it was sent,
    /// on a loaded machine) is slow, not hung: it gets another grace, up to `busy_graces` in
    /// all. Also collects the rest of its output. Once it has ended, returns at once.
    boost::asio::awaitable<runner::client_exit> ended(std::chrono::steady_clock::duration grace);
    static constexpr int busy_graces = 4;
    /// The share of one core a group must have used during a grace to count as busy.
    static constexpr double busy_share = 0.02;
    /// Waits until it exits (no limit); for racing against its connection.
    boost::asio::awaitable<void> exited();

  private:
    /// The pipe and what came through it; shared with the reading coroutine, which may resume
    /// once more after the process object is gone.
    struct output {
        output(boost::asio::any_io_executor ex, int fd) : pipe(ex, fd), closed(ex) {
            closed.expires_at(boost::asio::steady_timer::time_point::max());
        }
        boost::asio::posix::stream_descriptor pipe;
        boost::asio::steady_timer closed; ///< cancelled at the pipe's end
        std::string tail;                 ///< the end of the output
        sanitizer_scan scan;
        bool done = false;
    };
    static boost::asio::awaitable<void> read_output(std::shared_ptr<output> out);
    void reap(int wait_status);
    void kill_group();
    /// CPU time (user and system) of the processes in its group now, in seconds (Linux /proc).
    double group_cpu_seconds() const;
    boost::asio::any_io_executor ex_;
    pid_t pid_ = -1;
    std::optional<boost::asio::posix::stream_descriptor> exit_fd_; ///< pidfd: readable on exit
    std::shared_ptr<output> output_;
    std::optional<runner::client_exit> end_; ///< set once reaped
    std::string start_error_;
    bool killed_ = false;
};

} // namespace wsconform::clients
