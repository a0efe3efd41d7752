// The pure parts of the streamed echo (9.x): the payload generator, the message's wire bytes
// produced piece by piece, the echo checker, percentiles, and the runner's memory budget.

#include "harness/codec/decoder.hpp"
#include "harness/runner/budget.hpp"
#include "harness/runner/echo_stream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace wsconform::runner {
namespace {

using codec::bytes;
using codec::opcode;

const bytes autobahn_text = codec::to_bytes("BAsd7&jh23");

TEST(PatternPayload, FillMatchesRepeatAtEveryOffset) {
    pattern_payload p(autobahn_text);
    const auto whole = codec::repeat(autobahn_text, 70000);
    for (std::uint64_t offset : {0ull, 1ull, 9ull, 10ull, 16383ull, 16384ull, 40001ull}) {
        bytes out(70000 - offset);
        p.fill(offset, out);
        EXPECT_TRUE(std::equal(out.begin(), out.end(), whole.begin() + offset)) << offset;
    }
}

TEST(PatternPayload, FirstMismatchFindsTheExactByte) {
    pattern_payload p(bytes{0x00, 0xfe, 0x23, 0xfa, 0xf0});
    auto data = codec::repeat(bytes{0x00, 0xfe, 0x23, 0xfa, 0xf0}, 50000);
    EXPECT_FALSE(p.first_mismatch(0, data));
    EXPECT_FALSE(p.first_mismatch(5, codec::byte_view(data).subspan(5)));
    data[33333] ^= 1;
    auto at = p.first_mismatch(0, data);
    ASSERT_TRUE(at);
    EXPECT_EQ(*at, 33333u);
    // The same bytes read at the wrong phase differ at once.
    EXPECT_EQ(p.first_mismatch(1, data), std::optional<std::size_t>(0));
}

/// Every byte message_wire writes, in pieces of `piece` bytes, with the frames it started.
bytes wire_of(message_wire& w, std::size_t piece, std::vector<codec::frame>& logged) {
    bytes out, buf(piece);
    while (!w.done()) {
        if (w.at_frame_start()) {
            std::uint64_t length = 0;
            logged.push_back(w.start_frame(8, length));
        }
        auto n = w.next(buf);
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return out;
}

TEST(MessageWire, SameBytesAsTheEncoderWithTheSameKeys) {
    const std::uint64_t size = 100000;
    pattern_payload p(autobahn_text);
    const auto payload = codec::repeat(autobahn_text, size);
    for (std::uint64_t fragment : {0ull, 64ull, 4096ull, 99999ull, 100000ull}) {
        for (std::size_t piece : {std::size_t{7}, std::size_t{64}, std::size_t{65536}}) {
            codec::mask_source keys(42), same(42);
            message_wire w(opcode::text, p, size, fragment, &keys);
            std::vector<codec::frame> logged;
            auto got = wire_of(w, piece, logged);

            bytes expected;
            const std::uint64_t step = fragment == 0 ? size : fragment;
            for (std::uint64_t at = 0; at < size; at += step) {
                auto n = std::min(step, size - at);
                auto f =
                    codec::make_frame(at == 0 ? opcode::text : opcode::continuation,
                                      bytes(payload.begin() + static_cast<std::ptrdiff_t>(at),
                                            payload.begin() + static_cast<std::ptrdiff_t>(at + n)),
                                      at + n == size);
                codec::mask(f, same);
                codec::encode(f, expected);
            }
            EXPECT_EQ(got, expected) << "fragment " << fragment << ", piece " << piece;
            EXPECT_EQ(logged.size(), (size + step - 1) / step);
            EXPECT_EQ(logged.front().payload, bytes(payload.begin(), payload.begin() + 8));
        }
    }
}

TEST(MessageWire, EmptyMessageIsOneEmptyFrame) {
    pattern_payload p(bytes{'*'});
    codec::mask_source keys(1);
    message_wire w(opcode::binary, p, 0, 0, &keys);
    std::vector<codec::frame> logged;
    auto got = wire_of(w, 64, logged);
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_TRUE(logged[0].fin);
    EXPECT_EQ(got.size(), 6u); // 2 header bytes and the key
    codec::decoder d({.incoming_mask = codec::masking_rule::required});
    d.feed(got);
    auto r = d.next();
    ASSERT_EQ(r.what, codec::decode_result::status::frame);
    EXPECT_EQ(r.value.op, opcode::binary);
    EXPECT_TRUE(r.value.payload.empty());
}

TEST(MessageWire, AServersFramesGoUnmasked) {
    // RFC 6455 §5.1: "A server MUST NOT mask any frames that it sends to the client."
    pattern_payload p(bytes{'a', 'b', 'c'});
    message_wire w(opcode::text, p, 300, 128, nullptr);
    std::vector<codec::frame> logged;
    auto got = wire_of(w, 7, logged);
    ASSERT_EQ(logged.size(), 3u);
    codec::decoder d({.incoming_mask = codec::masking_rule::forbidden});
    d.feed(got);
    bytes payload;
    for (int i = 0; i < 3; ++i) {
        auto r = d.next();
        ASSERT_EQ(r.what, codec::decode_result::status::frame);
        EXPECT_FALSE(r.value.masked);
        payload.insert(payload.end(), r.value.payload.begin(), r.value.payload.end());
    }
    ASSERT_EQ(payload.size(), 300u);
    EXPECT_EQ(payload[0], 'a');
    EXPECT_EQ(payload[299], 'c'); // 299 % 3 == 2
}

TEST(MessageWire, CompressedBodyHasRsv1OnTheFirstFrameOnly) {
    // 12.x/13.x: the compressed payload is what is fragmented (Autobahn autoFragmentSize).
    bytes body(1000);
    for (std::size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<codec::byte>(i * 7);
    codec::mask_source keys(3);
    message_wire w(opcode::text, body, 256, &keys, 4);
    std::vector<codec::frame> logged;
    auto got = wire_of(w, 100, logged);
    codec::decoder d({.incoming_mask = codec::masking_rule::required, .allowed_rsv = 4});
    d.feed(got);
    bytes joined;
    std::vector<std::uint8_t> rsv;
    for (auto r = d.next(); r.what == codec::decode_result::status::frame; r = d.next()) {
        rsv.push_back(r.value.rsv);
        EXPECT_EQ(r.value.op, rsv.size() == 1 ? opcode::text : opcode::continuation);
        EXPECT_EQ(r.value.fin, joined.size() + r.value.payload.size() == body.size());
        joined.insert(joined.end(), r.value.payload.begin(), r.value.payload.end());
    }
    EXPECT_EQ(joined, body);
    EXPECT_EQ(rsv, (std::vector<std::uint8_t>{4, 0, 0, 0}));
    ASSERT_EQ(logged.size(), 4u);
    EXPECT_EQ(logged[0].rsv, 4);
    EXPECT_EQ(logged[1].rsv, 0);
}

TEST(MessageWireAndEchoChecker, ConsecutiveSlicesWrapAroundThePayload) {
    // Autobahn 12.x: message i is the data set's bytes from i * size on, wrapping.
    bytes data(1000);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<codec::byte>(i * 31 + i / 256);
    pattern_payload p(data);
    EXPECT_EQ(p.period(), 1000u);
    const std::uint64_t offset = 3 * 384 % 1000; // message 3 of 384 bytes: 152..535
    codec::mask_source keys(5);
    message_wire w(opcode::binary, p, 384, 0, &keys, 900);
    std::vector<codec::frame> logged;
    auto got = wire_of(w, 4096, logged);
    codec::decoder d({.incoming_mask = codec::masking_rule::required});
    d.feed(got);
    auto r = d.next();
    ASSERT_EQ(r.what, codec::decode_result::status::frame);
    bytes expected(data.begin() + 900, data.end());
    expected.insert(expected.end(), data.begin(), data.begin() + 284);
    EXPECT_EQ(r.value.payload, expected);

    bytes slice(data.begin() + static_cast<std::ptrdiff_t>(offset),
                data.begin() + static_cast<std::ptrdiff_t>(offset + 384));
    echo_checker good(true, p, 384, offset);
    EXPECT_TRUE(good.add(true, true, true, slice));
    EXPECT_TRUE(good.complete());
    echo_checker wrong_phase(true, p, 384, offset + 1);
    EXPECT_FALSE(wrong_phase.add(true, true, true, slice));
}

TEST(EchoChecker, AcceptsTheSameMessageInAnyFraming) {
    pattern_payload p(autobahn_text);
    const auto payload = codec::repeat(autobahn_text, 1000);
    echo_checker c(false, p, 1000);
    codec::byte_view v(payload);
    EXPECT_TRUE(c.add(false, true, false, v.first(1)));
    EXPECT_TRUE(c.add(false, false, false, v.subspan(1, 0)));
    EXPECT_TRUE(c.add(false, false, false, v.subspan(1, 600)));
    EXPECT_FALSE(c.complete());
    EXPECT_TRUE(c.add(false, false, true, v.subspan(601)));
    EXPECT_TRUE(c.complete());
    EXPECT_FALSE(c.failed());
    EXPECT_FALSE(c.utf8_error());
    EXPECT_EQ(c.received(), 1000u);
}

TEST(EchoChecker, NamesTheFirstWrongByte) {
    pattern_payload p(bytes{'*'});
    bytes payload(100000, '*');
    payload[70000] = '+';
    echo_checker c(true, p, payload.size());
    EXPECT_FALSE(c.add(true, true, true, payload));
    EXPECT_EQ(c.problem(), "the echo differs from what was sent at byte 70000 of 100000 (sent "
                           "0x2a, got 0x2b)");
}

TEST(EchoChecker, WrongTypeShortAndLong) {
    pattern_payload p(bytes{0xfe});
    bytes payload(16, 0xfe);
    {
        echo_checker c(true, p, 16);
        EXPECT_FALSE(c.add(false, true, true, payload));
        EXPECT_EQ(c.problem(), "the echo is a text message; a binary message was sent");
    }
    {
        echo_checker c(true, p, 16);
        EXPECT_FALSE(c.add(true, true, true, codec::byte_view(payload).first(15)));
        EXPECT_EQ(c.problem(), "the echo ended after 15 of the 16 bytes sent");
    }
    {
        echo_checker c(true, p, 15);
        EXPECT_FALSE(c.add(true, true, true, payload));
        EXPECT_EQ(c.problem(), "the echo is longer than the 15 bytes sent");
    }
}

TEST(EchoChecker, InvalidUtf8InATextEchoIsReported) {
    pattern_payload p(bytes{'*'});
    bytes payload(10, '*');
    payload[4] = 0xff;
    echo_checker c(false, p, 10);
    EXPECT_FALSE(c.add(false, true, true, payload));
    ASSERT_TRUE(c.utf8_error());
    EXPECT_EQ(*c.utf8_error(), 4u);
}

TEST(Percentile, NearestRank) {
    EXPECT_FALSE(percentile({}, 50));
    EXPECT_EQ(percentile({7.0}, 50), 7.0);
    EXPECT_EQ(percentile({7.0}, 99), 7.0);
    std::vector<double> v;
    for (int i = 1000; i >= 1; --i) // unsorted on purpose
        v.push_back(i);
    EXPECT_EQ(percentile(v, 50), 500.0);
    EXPECT_EQ(percentile(v, 99), 990.0);
    EXPECT_EQ(percentile(v, 100), 1000.0);
    EXPECT_EQ(percentile({1, 2, 3, 4}, 50), 2.0);
    EXPECT_EQ(percentile({1, 2, 3, 4}, 51), 3.0);
    EXPECT_EQ(percentile({5, 1, 4, 2, 3}, 99), 5.0);
}

TEST(SizeWords, AsTheTitlesSayThem) {
    EXPECT_EQ(size_words(16u << 20), "16 MiB");
    EXPECT_EQ(size_words(64u << 10), "64 KiB");
    EXPECT_EQ(size_words(1000), "1000 bytes");
    EXPECT_EQ(size_words(0), "0 bytes");
}

namespace asio = boost::asio;

TEST(MemoryBudget, HeavyCasesWaitInOrderAndLightOnesDoNotOvertake) {
    asio::io_context io;
    budget room(io.get_executor(), 100);
    std::vector<std::string> log;
    auto job = [&](std::string name, std::uint64_t weight, int turns) -> asio::awaitable<void> {
        auto taken = co_await room.acquire(weight);
        log.push_back("start " + name);
        for (int i = 0; i < turns; ++i)
            co_await asio::post(io, asio::use_awaitable);
        log.push_back("end " + name);
        room.release(taken);
    };
    asio::co_spawn(io, job("a", 60, 3), asio::detached);
    asio::co_spawn(io, job("b", 60, 1), asio::detached);   // waits for a
    asio::co_spawn(io, job("c", 10, 1), asio::detached);   // fits, but b is first in line
    asio::co_spawn(io, job("d", 1000, 1), asio::detached); // more than all: runs alone
    io.run();
    EXPECT_EQ(log, (std::vector<std::string>{"start a", "end a", "start b", "start c", "end b",
                                             "end c", "start d", "end d"}));
    EXPECT_EQ(room.available(), 100u);
    EXPECT_EQ(room.waiting(), 0u);
}

} // namespace
} // namespace wsconform::runner
