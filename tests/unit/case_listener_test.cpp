// The port clients under test connect to: a request for a reserved path reaches the case that
// waits for it, with the bytes that came after the header; anything else gets an HTTP error
// that says why. Loopback sockets, no process.

#include "harness/clients/case_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

/// Sends `request` to the listener and returns all it answers (until it closes).
asio::awaitable<std::string> ask(unsigned short port, std::string request) {
    tcp::socket s(co_await asio::this_coro::executor);
    co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(request), asio::use_awaitable);
    std::string answer;
    auto [ec, n] = co_await asio::async_read(s, asio::dynamic_buffer(answer),
                                             asio::as_tuple(asio::use_awaitable));
    (void)ec;
    (void)n;
    co_return answer;
}

std::string upgrade(const std::string& path) {
    return "GET " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

TEST(CaseListener, HandsAReservedPathsConnectionToItsCase) {
    asio::io_context io;
    std::string error;
    clients::case_listener l(io.get_executor(), "127.0.0.1", 0, error);
    ASSERT_EQ(error, "");
    EXPECT_EQ(l.base_url(), "ws://127.0.0.1:" + std::to_string(l.port()));
    l.start();
    auto path = l.reserve("1.1.1");
    EXPECT_EQ(path, "/1/1.1.1");
    std::optional<runner::accepted_connection> got;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await l.wait(path, 10s);
            got = l.take(path);
            l.stop();
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            tcp::socket s(co_await asio::this_coro::executor);
            co_await s.async_connect({asio::ip::make_address("127.0.0.1"), l.port()},
                                     asio::use_awaitable);
            auto bytes = upgrade(path + "?x=1") + "\x81\x80";
            co_await asio::async_write(s, asio::buffer(bytes), asio::use_awaitable);
        },
        asio::detached);
    io.run();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->request.target, "/1/1.1.1?x=1");
    EXPECT_EQ(got->request.get("Sec-WebSocket-Version"), "13");
    EXPECT_EQ(got->early, (codec::bytes{0x81, 0x80})); // a frame sent before our answer
    EXPECT_TRUE(got->request_text.ends_with("\r\n\r\n"));
}

TEST(CaseListener, AnUnknownPathGets404AndAMalformedRequest400) {
    asio::io_context io;
    std::string error;
    clients::case_listener l(io.get_executor(), "127.0.0.1", 0, error);
    l.start();
    std::string unknown, malformed;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            unknown = co_await ask(l.port(), upgrade("/nobody"));
            malformed = co_await ask(l.port(), "GET / HTTP/1.1\r\nNo colon here\r\n\r\n");
            l.stop();
        },
        asio::detached);
    io.run();
    EXPECT_TRUE(unknown.starts_with("HTTP/1.1 404 Not Found\r\n")) << unknown;
    EXPECT_NE(unknown.find("no case waits for /nobody"), std::string::npos);
    EXPECT_TRUE(malformed.starts_with("HTTP/1.1 400 Bad Request\r\n")) << malformed;
    EXPECT_NE(malformed.find("malformed opening handshake request"), std::string::npos);
}

TEST(CaseListener, AWaitEndsAfterItsTimeoutWithNothing) {
    asio::io_context io;
    std::string error;
    clients::case_listener l(io.get_executor(), "127.0.0.1", 0, error);
    l.start();
    auto path = l.reserve("2.1");
    bool empty = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await l.wait(path, 50ms);
            empty = !l.take(path);
            l.stop();
        },
        asio::detached);
    io.run();
    EXPECT_TRUE(empty);
}

TEST(CaseListener, SaysWhyItCannotListen) {
    asio::io_context io;
    std::string error;
    clients::case_listener first(io.get_executor(), "127.0.0.1", 0, error);
    clients::case_listener second(io.get_executor(), "127.0.0.1", first.port(), error);
    EXPECT_TRUE(error.starts_with("cannot listen on 127.0.0.1:")) << error;
    std::string bad;
    clients::case_listener third(io.get_executor(), "not-an-address", 0, bad);
    EXPECT_TRUE(bad.starts_with("bad listening address 'not-an-address'")) << bad;
}

} // namespace
