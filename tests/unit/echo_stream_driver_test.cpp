// The echo stream's driver against echoes handed in as the protocol core's chunk events: each
// message waits for its echo, a complete echo is an event, a wrong or unasked one fails the
// stream, and the figures count what came back. The socket is never connected: our writes
// fail at once, which the stream does not judge (the connection would end the case).

#include "harness/runner/echo_stream_driver.hpp"

#include "harness/runner/case_socket.hpp"
#include "harness/runner/frame_log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;
namespace asio = boost::asio;

protocol::event chunk(std::string_view payload, bool first = true, bool last = true) {
    protocol::event e;
    e.what = protocol::event::kind::message_chunk;
    e.payload = codec::to_bytes(payload);
    e.first = first;
    e.last = last;
    return e;
}

/// Messages of 4 bytes, "abab".
echo_stream text_step(unsigned count) {
    echo_stream step;
    step.size = 4;
    step.pattern = codec::to_bytes("ab");
    step.count = count;
    return step;
}

struct streaming {
    explicit streaming(unsigned count) : step(text_step(count)) {}
    asio::io_context io;
    echo_stream step; // before the driver, which reads it
    std::shared_ptr<case_socket> socket =
        std::make_shared<case_socket>(io.get_executor(), nullptr, 0);
    protocol::connection core{protocol::connection_options{}}; // a client
    record_limits limits;
    case_result record;
    frame_log log{limits, socket->recorder(), record};
    codec::mask_source keys;
    std::optional<codec::deflate_params> deflate;
    codec::deflate_params offer;
    echo_stream_driver driver{io.get_executor(), step,
                              echo_stream_driver::connection{.socket = *socket,
                                                             .core = core,
                                                             .log = log,
                                                             .keys = &keys,
                                                             .deflate = deflate,
                                                             .deflate_offer = offer,
                                                             .compressed_messages = nullptr}};
    bool finished = false;

    void start() {
        asio::co_spawn(
            io,
            [this]() -> asio::awaitable<void> {
                co_await driver.run();
                finished = true;
            },
            asio::detached);
        io.poll();
    }
};

TEST(EchoStreamDriver, EachMessageWaitsForItsEcho) {
    streaming s(2);
    s.start();
    EXPECT_FALSE(s.finished);
    EXPECT_EQ(s.driver.figures().sent, 1u);
    EXPECT_FALSE(s.driver.on_chunk(chunk("ab", true, false))); // half of it
    EXPECT_EQ(s.driver.figures().awaited_received, 2u);
    auto echoed = s.driver.on_chunk(chunk("ab", false, true));
    ASSERT_TRUE(echoed);
    EXPECT_EQ(echoed->streamed_length, 4u);
    EXPECT_FALSE(echoed->binary);
    s.io.poll();
    EXPECT_EQ(s.driver.figures().sent, 2u);
    EXPECT_TRUE(s.driver.on_chunk(chunk("abab")));
    s.io.poll();
    EXPECT_TRUE(s.finished);
    auto fig = s.driver.figures();
    EXPECT_EQ(fig.echoed, 2u);
    EXPECT_EQ(fig.echoed_bytes, 8u);
    EXPECT_EQ(fig.rtt_ms.size(), 2u);
    EXPECT_TRUE(fig.problem.empty());
    EXPECT_EQ(fig.awaited_received, 0u);
}

TEST(EchoStreamDriver, AWrongEchoEndsTheStream) {
    streaming s(3);
    s.start();
    EXPECT_FALSE(s.driver.on_chunk(chunk("abba")));
    s.io.poll();
    EXPECT_TRUE(s.finished);
    auto fig = s.driver.figures();
    EXPECT_EQ(fig.sent, 1u);
    EXPECT_TRUE(fig.problem.starts_with("message 1 of 3: ")) << fig.problem;
}

TEST(EchoStreamDriver, AnEchoOfNothingSentIsAProblem) {
    streaming s(1);
    EXPECT_FALSE(s.driver.on_chunk(chunk("abab")));
    EXPECT_EQ(s.driver.figures().problem,
              "the peer sent a message that echoes nothing sent (after 0 echoes)");
}

TEST(EchoStreamDriver, ADeflateViolationFailsTheStreamOthersDoNot) {
    streaming s(1);
    s.start();
    s.driver.on_violation({.error = {}, .section = "RFC 6455 5.2", .detail = "x", .offset = 0});
    EXPECT_TRUE(s.driver.figures().problem.empty());
    s.driver.on_violation(
        {.error = {}, .section = "RFC 7692 6.1", .detail = "RSV1 on a continuation", .offset = 0});
    s.io.poll();
    EXPECT_TRUE(s.finished);
    EXPECT_EQ(s.driver.figures().problem, "the echo breaks RFC 7692 6.1: RSV1 on a continuation");
}

TEST(EchoStreamDriver, CompressingWithoutDeflateAgreedIsAProblem) {
    streaming s(1);
    s.step.compress = true;
    s.start();
    EXPECT_TRUE(s.finished);
    EXPECT_EQ(s.driver.figures().sent, 0u);
    EXPECT_EQ(s.driver.figures().problem,
              "permessage-deflate was not agreed, so nothing can be sent compressed");
}

} // namespace
