#include "harness/clients/client_process.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace wsconform::clients {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// The lines by which the sanitizers of GCC and Clang start a report.
constexpr std::array<std::string_view, 6> sanitizer_marks = {
    "ERROR: AddressSanitizer",  "ERROR: LeakSanitizer",      "WARNING: ThreadSanitizer",
    "WARNING: MemorySanitizer", "ERROR: HWAddressSanitizer", "runtime error:",
};

/// pidfd_open(2): a descriptor that becomes readable when the process exits, which Asio can
/// wait on like a socket (Linux 5.3).
int open_pidfd(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

} // namespace

void sanitizer_scan::feed(std::string_view piece) {
    if (!found_.empty())
        return;
    carry_.append(piece);
    std::size_t line_start = 0;
    for (;;) {
        auto nl = carry_.find('\n', line_start);
        std::string_view line(carry_.data() + line_start,
                              (nl == std::string::npos ? carry_.size() : nl) - line_start);
        for (auto mark : sanitizer_marks) {
            if (line.find(mark) != std::string_view::npos) {
                found_ = std::string(line.substr(0, 300));
                carry_.clear();
                return;
            }
        }
        if (nl == std::string::npos)
            break;
        line_start = nl + 1;
    }
    carry_.erase(0, line_start);
    // A line without an end in sight: keep its start, which is where a report names itself.
    if (carry_.size() > 1024)
        carry_.resize(1024);
}

client_process::client_process(asio::any_io_executor ex, const std::string& command,
                               const std::vector<std::string>& environment)
    : ex_(std::move(ex)) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        start_error_ = std::string("pipe: ") + std::strerror(errno);
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    // Nothing else of ours: a client holding a copy of another case's socket would keep that
    // connection open after we close it (no FIN: its client waits for one until it gives up).
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Its own process group: a shell's children are killed with it.
    posix_spawnattr_setpgroup(&attributes, 0);
    // Default signal handling in the child, whatever ours is (Asio may block some).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
        env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), environment.begin(), environment.end());
    std::vector<char*> envp;
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string shell = "/bin/sh", dash_c = "-c", cmd = command;
    std::array<char*, 4> argv = {shell.data(), dash_c.data(), cmd.data(), nullptr};

    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        start_error_ = std::string("posix_spawn /bin/sh: ") + std::strerror(rc);
        return;
    }
    pid_ = pid;
    output_ = std::make_shared<output>(ex_, pipe_fds[0]);
    int pidfd = open_pidfd(pid);
    if (pidfd >= 0)
        exit_fd_.emplace(ex_, pidfd);
    asio::co_spawn(ex_, read_output(output_), asio::detached);
}

client_process::~client_process() {
    if (pid_ > 0 && !end_) {
        kill_group();
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
    if (output_) {
        boost::system::error_code ignored;
        output_->pipe.close(ignored);
    }
}

double client_process::group_cpu_seconds() const {
    // /proc/N/stat: "pid (comm) state ppid pgrp ... utime stime ..." (proc(5)); comm may hold
    // spaces and parentheses, so the fields are counted from the last ')'.
    double ticks = 0;
    std::error_code ec;
    // Increments take the error code too: a range-for would throw on a failed readdir.
    for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
         it.increment(ec)) {
        const auto& entry = *it;
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        // A process may end while it is read (ESRCH): plain read(2), whose errors are values.
        std::array<char, 1024> buf{};
        const int fd = ::open((entry.path() / "stat").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        const auto n = ::read(fd, buf.data(), buf.size());
        ::close(fd);
        if (n <= 0)
            continue;
        const std::string stat(buf.data(), static_cast<std::size_t>(n));
        const auto paren = stat.rfind(')');
        if (paren == std::string::npos || paren + 2 > stat.size())
            continue;
        std::istringstream fields(stat.substr(paren + 2));
        std::string state;
        long ppid = 0, pgrp = 0;
        fields >> state >> ppid >> pgrp;
        if (!fields || pgrp != pid_)
            continue;
        std::string skip;
        for (int i = 0; i < 8; ++i) // session .. cmajflt: fields 6 to 13
            fields >> skip;
        unsigned long long utime = 0, stime = 0;
        if (fields >> utime >> stime)
            ticks += static_cast<double>(utime + stime);
    }
    const long hz = ::sysconf(_SC_CLK_TCK);
    return hz > 0 ? ticks / static_cast<double>(hz) : 0;
}

void client_process::kill_group() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
    }
}

asio::awaitable<void> client_process::read_output(std::shared_ptr<output> out) {
    std::array<char, 4096> buf;
    while (out->pipe.is_open()) {
        auto [ec, n] = co_await out->pipe.async_read_some(asio::buffer(buf), nothrow);
        if (n > 0) {
            std::string_view piece(buf.data(), n);
            out->scan.feed(piece);
            out->tail.append(piece);
            if (out->tail.size() > 2 * runner::client_exit::output_kept)
                out->tail.erase(0, out->tail.size() - runner::client_exit::output_kept);
        }
        if (ec)
            break;
    }
    out->done = true;
    out->closed.cancel();
}

void client_process::reap(int wait_status) {
    runner::client_exit e;
    if (WIFSIGNALED(wait_status)) {
        e.what = killed_ ? runner::client_exit::how::killed : runner::client_exit::how::signalled;
        e.status = WTERMSIG(wait_status);
    } else {
        e.what = killed_ ? runner::client_exit::how::killed : runner::client_exit::how::exited;
        e.status = WEXITSTATUS(wait_status);
        // The shell that ran the command (it does not always exec the client) reports a
        // client killed by signal N as exit status 128 + N.
        if (!killed_ && e.status > 128 && e.status < 128 + 32) {
            e.what = runner::client_exit::how::signalled;
            e.status -= 128;
            e.via_shell = true;
        }
    }
    end_ = std::move(e);
}

asio::awaitable<void> client_process::exited() {
    if (!started() || end_)
        co_return;
    if (exit_fd_) {
        // The pidfd's readiness is an edge: one that came while nobody waited (this wait was
        // cancelled before) is not seen again, so look first.
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            reap(st);
            co_return;
        }
        co_await exit_fd_->async_wait(asio::posix::descriptor_base::wait_read, nothrow);
    } else {
        // No pidfd (an old kernel): look every 20 ms.
        asio::steady_timer poll(ex_);
        for (;;) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                reap(st);
                co_return;
            }
            poll.expires_after(std::chrono::milliseconds(20));
            co_await poll.async_wait(nothrow);
        }
    }
    int st = 0;
    if (!end_ && ::waitpid(pid_, &st, WNOHANG) == pid_)
        reap(st);
}

asio::awaitable<runner::client_exit>
client_process::ended(std::chrono::steady_clock::duration grace) {
    if (!started()) {
        runner::client_exit e;
        e.what = runner::client_exit::how::not_started;
        e.output = start_error_;
        co_return e;
    }
    auto waited = std::chrono::steady_clock::duration::zero();
    double cpu = group_cpu_seconds();
    for (int round = 1; !end_; ++round) {
        asio::steady_timer limit(ex_, grace);
        co_await (exited() || limit.async_wait(nothrow));
        if (end_)
            break;
        waited += grace;
        const double now = group_cpu_seconds();
        const bool busy = now - cpu >= busy_share * std::chrono::duration<double>(grace).count();
        cpu = now;
        if (busy && round < busy_graces)
            continue;
        killed_ = true;
        kill_group();
        int st = 0;
        ::waitpid(pid_, &st, 0);
        reap(st);
        end_->waited = waited;
    }
    // The rest of its output: a grandchild may hold the pipe open; give it a moment.
    auto out = output_;
    if (!out->done) {
        asio::steady_timer drain(ex_, std::chrono::milliseconds(200));
        co_await (drain.async_wait(nothrow) || out->closed.async_wait(nothrow));
        if (!out->done) {
            boost::system::error_code ignored;
            out->pipe.close(ignored);
        }
    }
    runner::client_exit e = *end_;
    e.sanitizer = out->scan.found();
    e.output = out->tail.size() > runner::client_exit::output_kept
                   ? out->tail.substr(out->tail.size() - runner::client_exit::output_kept)
                   : out->tail;
    co_return e;
}

} // namespace wsconform::clients
