// The frames of a case's wire record: logged with their real length, payloads cut to the
// case's bound, and the log truncated (noted once) past its frame bound.

#include "harness/runner/frame_log.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;

struct logging {
    record_limits limits{.wire_bytes = 0, .frames = 3, .frame_payload = 4};
    net::wire_recorder clock;
    case_result record;
    frame_log log{limits, clock, record};
};

TEST(FrameLog, CutsPayloadsAndKeepsTheRealLength) {
    logging l;
    l.log.add(true, codec::make_frame(codec::opcode::text, codec::to_bytes("Hello")));
    ASSERT_EQ(l.record.frames.size(), 1u);
    const auto& f = l.record.frames[0];
    EXPECT_TRUE(f.sent);
    EXPECT_EQ(f.value.payload, codec::to_bytes("Hell"));
    EXPECT_EQ(f.payload_length, 5u);
    l.log.add(true, codec::make_frame(codec::opcode::binary, codec::to_bytes("ab")), 70000);
    EXPECT_EQ(l.record.frames[1].payload_length, 70000u);
}

TEST(FrameLog, AViewIsCopiedOnlyUpToTheCut) {
    logging l;
    auto payload = codec::to_bytes("abcdefgh");
    codec::frame_view v;
    v.op = codec::opcode::binary;
    v.fin = true;
    v.payload = payload;
    l.log.add(false, v);
    ASSERT_EQ(l.record.frames.size(), 1u);
    EXPECT_FALSE(l.record.frames[0].sent);
    EXPECT_EQ(l.record.frames[0].value.payload, codec::to_bytes("abcd"));
    EXPECT_EQ(l.record.frames[0].payload_length, 8u);
}

TEST(FrameLog, TruncationIsNotedOnce) {
    logging l;
    codec::frame_view v;
    for (int i = 0; i < 5; ++i) {
        l.log.add(true, codec::frame{});
        l.log.add(false, v);
    }
    EXPECT_EQ(l.record.frames.size(), 3u);
    EXPECT_EQ(l.record.notes, std::vector<std::string>{"frame log truncated after 3 frames"});
}

} // namespace
