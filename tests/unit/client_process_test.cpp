// A client under test as a process: its exit status, a signal, a sanitizer's report in its
// output, a client that does not exit (killed), output kept within bounds, and nothing of ours
// inherited. Real processes (/bin/sh), no network.

#include "harness/clients/client_process.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace std::chrono_literals;
using clients::client_process;
using runner::client_exit;

client_exit run(const std::string& command, std::chrono::steady_clock::duration grace = 10s) {
    boost::asio::io_context io;
    client_exit end;
    client_process p(io.get_executor(), command);
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { end = co_await p.ended(grace); },
        boost::asio::detached);
    io.run();
    return end;
}

TEST(ClientProcess, ReportsItsExitStatusAndOutput) {
    auto e = run("echo to stdout; echo to stderr >&2; exit 3");
    EXPECT_EQ(e.what, client_exit::how::exited);
    EXPECT_EQ(e.status, 3);
    EXPECT_EQ(e.output, "to stdout\nto stderr\n");
    EXPECT_EQ(e.last_line(), "to stderr");
    EXPECT_FALSE(e.crashed());
    EXPECT_EQ(e.describe(), "exited with status 3");
}

TEST(ClientProcess, ASignalIsACrash) {
    auto e = run("kill -SEGV $$");
    EXPECT_EQ(e.what, client_exit::how::signalled);
    EXPECT_EQ(e.status, SIGSEGV);
    EXPECT_TRUE(e.crashed());
    EXPECT_EQ(e.describe(), "was killed by SIGSEGV");
}

TEST(ClientProcess, ASignalReportedByTheShellIsACrashToo) {
    // A shell that runs the client as its child exits 128 + the signal.
    auto e = run("sh -c 'kill -ABRT $$'; exit $?");
    EXPECT_EQ(e.what, client_exit::how::signalled);
    EXPECT_EQ(e.status, SIGABRT);
    EXPECT_TRUE(e.crashed());
    EXPECT_EQ(e.describe(), "was killed by SIGABRT (exit status 134 from its shell)");
}

TEST(ClientProcess, ASanitizerReportIsFoundWhateverTheStatus) {
    auto e = run("echo starting; echo '==42==ERROR: AddressSanitizer: heap-use-after-free on "
                 "address 0x1' >&2; exit 0");
    EXPECT_EQ(e.status, 0);
    EXPECT_TRUE(e.crashed());
    EXPECT_EQ(e.sanitizer, "==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x1");
    auto ub = run("echo 'x.cpp:3:7: runtime error: signed integer overflow'");
    EXPECT_EQ(ub.sanitizer, "x.cpp:3:7: runtime error: signed integer overflow");
}

TEST(ClientProcess, OneThatDoesNotExitIsKilledWithItsChildren) {
    auto started = std::chrono::steady_clock::now();
    auto e = run("sleep 30 & sleep 30", 200ms);
    EXPECT_EQ(e.what, client_exit::how::killed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s); // the background sleep too
    EXPECT_EQ(e.describe(), "did not exit in time and was killed");
}

TEST(ClientProcess, OneThatIsIdleIsKilledAfterOneGrace) {
    auto e = run("sleep 30", 300ms);
    EXPECT_EQ(e.what, client_exit::how::killed);
    EXPECT_DOUBLE_EQ(e.waited.count(), 0.3); // asleep, not working: no second grace
}

TEST(ClientProcess, OneStillBusyGetsMoreGraces) {
    // A client still working when its grace ends (a loaded machine) is slow, not hung: a busy
    // loop of 1 to 2 s in a child of the shell, then a clean exit, outlasts a 1 s grace.
    auto e =
        run("sh -c 'end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done'", 1s);
    EXPECT_EQ(e.what, client_exit::how::exited) << e.describe();
    EXPECT_EQ(e.status, 0);
}

TEST(ClientProcess, OneBusyForeverIsKilledAfterTheLastGrace) {
    auto e = run("while :; do :; done", 200ms);
    EXPECT_EQ(e.what, client_exit::how::killed);
    EXPECT_DOUBLE_EQ(e.waited.count(), client_process::busy_graces * 0.2);
}

TEST(ClientProcess, KeepsOnlyTheEndOfALongOutput) {
    auto e = run("i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done");
    EXPECT_LE(e.output.size(), client_exit::output_kept);
    EXPECT_EQ(e.last_line(), "line 2999");
}

TEST(ClientProcess, InheritsNoneOfOurDescriptors) {
    // A socket of ours open in the client would keep that connection up after we close it.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto fd = a.native_handle();
    auto e = run("[ -e /proc/self/fd/" + std::to_string(fd) + " ] && exit 7; exit 0");
    EXPECT_EQ(e.status, 0);
}

TEST(ClientProcess, TheDestructorKillsARunningClient) {
    boost::asio::io_context io;
    auto started = std::chrono::steady_clock::now();
    {
        client_process p(io.get_executor(), "sleep 30");
        EXPECT_TRUE(p.running());
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(SanitizerScan, FindsAReportSplitAcrossReads) {
    clients::sanitizer_scan s;
    s.feed("noise\n==7==ERROR: Address");
    EXPECT_EQ(s.found(), "");
    s.feed("Sanitizer: SEGV on unknown address\nmore\n");
    EXPECT_EQ(s.found(), "==7==ERROR: AddressSanitizer: SEGV on unknown address");
}

} // namespace
