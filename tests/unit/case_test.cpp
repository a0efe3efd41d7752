// The runner's helpers on case definitions: the sizes case titles and verdicts print, how
// observed events match an expectation, which words make a requirement absolute.

#include "harness/runner/case.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace wsconform::runner {
namespace {

TEST(SizeText, WholeUnitsByTheirUnitOthersInBytes) {
    EXPECT_EQ(size_text(0), "0 bytes");
    EXPECT_EQ(size_text(1), "1 byte");
    EXPECT_EQ(size_text(125), "125 bytes");
    EXPECT_EQ(size_text(1023), "1023 bytes");
    EXPECT_EQ(size_text(1024), "1 KiB");
    EXPECT_EQ(size_text(1500), "1500 bytes");
    EXPECT_EQ(size_text(64 * 1024), "64 KiB");
    EXPECT_EQ(size_text(1024 * 1024), "1 MiB");
    EXPECT_EQ(size_text(1024 * 1024 + 1024), "1025 KiB");
    EXPECT_EQ(size_text(1024 * 1024 + 512 * 1024 + 1), "1.50 MiB");
    EXPECT_EQ(size_text(16ull * 1024 * 1024), "16 MiB");
}

expected_outcome pongs(std::initializer_list<const char*> payloads, bool coalesce) {
    expected_outcome o;
    for (const char* p : payloads)
        o.events.push_back(pong(std::string_view(p)));
    o.pongs_may_coalesce = coalesce;
    return o;
}

TEST(Matches, ExactByDefault) {
    auto want = pongs({"0", "1", "2"}, false);
    EXPECT_TRUE(matches(want, want.events));
    EXPECT_FALSE(matches(want, pongs({"0", "2"}, false).events));
    EXPECT_FALSE(matches(want, pongs({"0", "1", "2", "2"}, false).events));
}

TEST(Matches, CoalescedPongsKeepOrderAndEndWithTheLast) {
    // RFC 6455 5.5.3: only the most recently processed ping need be answered.
    auto want = pongs({"0", "1", "2", "3"}, true);
    EXPECT_TRUE(matches(want, want.events));
    EXPECT_TRUE(matches(want, pongs({"3"}, false).events));
    EXPECT_TRUE(matches(want, pongs({"0", "2", "3"}, false).events));
    EXPECT_FALSE(matches(want, pongs({"0", "2"}, false).events));      // the last never came
    EXPECT_FALSE(matches(want, pongs({"2", "1", "3"}, false).events)); // out of order
    EXPECT_FALSE(matches(want, pongs({"1", "1", "3"}, false).events)); // one answered twice
    EXPECT_FALSE(matches(want, pongs({"0", "9", "3"}, false).events)); // never pinged
    EXPECT_FALSE(matches(want, {}));
    auto with_message = pongs({"0", "3"}, false);
    with_message.events.insert(with_message.events.begin(), text_message("x"));
    EXPECT_FALSE(matches(want, with_message.events));
}

TEST(Matches, AnyPayloadComparesKindsOnly) {
    expected_outcome echoed{
        verdict::non_strict, {binary_message({})}, std::nullopt, {}, false, true};
    EXPECT_TRUE(matches(echoed, {binary_message(codec::bytes(1000, 7))}));
    EXPECT_FALSE(matches(echoed, {text_message("x")}));
    EXPECT_FALSE(matches(echoed, {}));
    EXPECT_FALSE(matches(echoed, {binary_message({}), binary_message({})}));
}

TEST(Requirements, AbsoluteWordsOnly) {
    EXPECT_TRUE(is_absolute_requirement("the server MUST close the connection"));
    EXPECT_TRUE(is_absolute_requirement("The |Sec-WebSocket-Key| header field MUST NOT appear"));
    EXPECT_TRUE(is_absolute_requirement("it SHALL be"));
    EXPECT_FALSE(is_absolute_requirement("Such an implementation SHOULD impose a limit"));
    EXPECT_FALSE(is_absolute_requirement("a server MAY send a Close frame"));
    EXPECT_FALSE(is_absolute_requirement("the server must close")); // RFC 8174: capitals only
}

TEST(RecordLimits, AShareHalvesBetweenBytesAndFrames) {
    record_limits wanted; // 8 MiB of bytes, 5000 frames of 1 KiB
    auto all = wanted.within(std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(all.wire_bytes, wanted.wire_bytes);
    EXPECT_EQ(all.frames, wanted.frames);
    auto share = wanted.within(2 * 1024 * 1024);
    EXPECT_EQ(share.wire_bytes, 1024u * 1024);
    EXPECT_EQ(share.frames, 1024u * 1024 / (1024 + 128));
    EXPECT_EQ(share.frame_payload, wanted.frame_payload);
    // A case that asked for less keeps asking for less.
    record_limits small{.wire_bytes = 4096, .frames = 10, .frame_payload = 16};
    auto kept = small.within(1024 * 1024);
    EXPECT_EQ(kept.wire_bytes, 4096u);
    EXPECT_EQ(kept.frames, 10u);
}

} // namespace
} // namespace wsconform::runner
