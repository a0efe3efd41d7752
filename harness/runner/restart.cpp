#include "harness/runner/restart.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

extern char** environ;

namespace wsconform::runner {

restarter restart_over_stdio(std::chrono::seconds timeout) {
    return [timeout](std::string& new_url, std::string& error) {
        std::fputs("restart-request\n", stdout);
        std::fflush(stdout);
        // Unbuffered reads, one byte at a time, so nothing past the reply line is consumed.
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                error = "no answer to restart-request on stdin within " +
                        std::to_string(timeout.count()) + " s";
                return false;
            }
            pollfd in{STDIN_FILENO, POLLIN, 0};
            if (::poll(&in, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char c = 0;
            auto n = ::read(STDIN_FILENO, &c, 1);
            if (n <= 0) {
                error = "stdin closed while waiting for the restart";
                return false;
            }
            if (c == '\n')
                break;
            line.push_back(c);
        }
        if (line == "restarted" || line.starts_with("restarted ")) {
            new_url = line.size() > 10 ? line.substr(10) : std::string();
            return true;
        }
        error = "restart refused: " + line;
        return false;
    };
}

restarter restart_with_command(std::string command, std::chrono::seconds timeout) {
    return [command = std::move(command), timeout](std::string&, std::string& error) {
        std::string sh = "/bin/sh", flag = "-c", cmd = command;
        std::vector<char*> argv = {sh.data(), flag.data(), cmd.data(), nullptr};
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setpgroup(&attr, 0); // its own group, so a timeout can stop all of it
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        pid_t pid = 0;
        int rc = ::posix_spawn(&pid, sh.c_str(), nullptr, &attr, argv.data(), environ);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
            error = "cannot run --restart-command";
            return false;
        }
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        for (;;) {
            auto done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid)
                break;
            if (done < 0) {
                error = "lost the --restart-command process";
                return false;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                error = "--restart-command did not finish within " +
                        std::to_string(timeout.count()) + " s";
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            error = "--restart-command failed (status " + std::to_string(status) + ")";
            return false;
        }
        return true;
    };
}

} // namespace wsconform::runner
