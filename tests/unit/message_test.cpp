#include "harness/codec/message.hpp"

#include <gtest/gtest.h>

namespace wsconform::codec {
namespace {

using status = assemble_result::status;

TEST(MessageAssembler, SingleTextFrame) {
    message_assembler a;
    EXPECT_FALSE(a.in_message());
    auto r = a.add(text_frame("Hello"));
    ASSERT_EQ(r.what, status::complete) << r.error.message();
    EXPECT_FALSE(r.value.binary);
    EXPECT_EQ(r.value.payload, to_bytes("Hello"));
    EXPECT_EQ(r.value.frames, 1u);
    EXPECT_FALSE(r.error);
    EXPECT_FALSE(a.in_message());
}

TEST(MessageAssembler, FragmentedTextReassembled) {
    message_assembler a;
    auto r = a.add(text_frame("Hel", false));
    EXPECT_EQ(r.what, status::partial);
    EXPECT_TRUE(a.in_message());
    r = a.add(continuation_frame({}, false)); // empty fragments are allowed
    EXPECT_EQ(r.what, status::partial);
    r = a.add(continuation_frame(to_bytes("lo"), true));
    ASSERT_EQ(r.what, status::complete);
    EXPECT_EQ(r.value, (message{false, to_bytes("Hello"), 3}));
    EXPECT_FALSE(a.in_message());
}

TEST(MessageAssembler, CodePointSplitAcrossFragmentsIsValid) {
    // "κόσμε" cut inside every multi-byte character.
    const bytes kosme = hex("ce ba e1 bd b9 cf 83 ce bc ce b5");
    for (std::size_t cut = 0; cut <= kosme.size(); ++cut) {
        message_assembler a;
        auto first = make_frame(opcode::text, bytes(kosme.begin(), kosme.begin() + cut), false);
        EXPECT_EQ(a.add(first).what, status::partial) << cut;
        auto r = a.add(continuation_frame(bytes(kosme.begin() + cut, kosme.end()), true));
        ASSERT_EQ(r.what, status::complete) << cut;
        EXPECT_EQ(r.value.payload, kosme);
    }
}

TEST(MessageAssembler, InvalidUtf8RejectedAtTheFragmentWithTheBadByte) {
    message_assembler a;
    EXPECT_EQ(a.add(text_frame("Hello", false)).what, status::partial);                 // 0-4
    EXPECT_EQ(a.add(continuation_frame(to_bytes("wor"), false)).what, status::partial); // 5-7
    // The bad byte F5 is at message offset 10.
    auto r = a.add(continuation_frame(hex("6c 64 f5 21"), false));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::invalid_utf8);
    EXPECT_EQ(r.error_offset, 10u);
    EXPECT_FALSE(a.in_message());
}

TEST(MessageAssembler, InvalidSequenceStartedInEarlierFragment) {
    // The first fragment ends with a lead byte: still a possible prefix.
    message_assembler a;
    EXPECT_EQ(a.add(make_frame(opcode::text, hex("41 42 ce"), false)).what, status::partial);
    // The next fragment starts with ASCII where a continuation byte was due: offset 3.
    auto r = a.add(continuation_frame(hex("41"), true));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::invalid_utf8);
    EXPECT_EQ(r.error_offset, 3u);
}

TEST(MessageAssembler, FailFastOnSurrogateAcrossFragments) {
    message_assembler a;
    EXPECT_EQ(
        a.add(make_frame(opcode::text, hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed"), false)).what,
        status::partial);
    auto r = a.add(continuation_frame(hex("a0 80 65 64 69 74 65 64"), false));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error_offset, 12u);
}

TEST(MessageAssembler, TruncatedAtTheFinalFragment) {
    message_assembler a;
    EXPECT_EQ(a.add(make_frame(opcode::text, hex("41 f0 9f"), false)).what, status::partial);
    auto r = a.add(continuation_frame(hex("98"), true));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::invalid_utf8);
    EXPECT_EQ(r.error_offset, 4u); // the end of the message
    // A single unfragmented frame the same way.
    message_assembler b;
    r = b.add(make_frame(opcode::text, hex("41 ce")));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error_offset, 2u);
}

TEST(MessageAssembler, BinaryIsNotValidated) {
    message_assembler a;
    EXPECT_EQ(a.add(binary_frame(hex("ff fe"), false)).what, status::partial);
    auto r = a.add(continuation_frame(hex("ed a0 80 c0"), true));
    ASSERT_EQ(r.what, status::complete) << r.error.message();
    EXPECT_TRUE(r.value.binary);
    EXPECT_EQ(r.value.payload, hex("ff fe ed a0 80 c0"));
    EXPECT_EQ(r.value.frames, 2u);
}

TEST(MessageAssembler, MaxSize) {
    message_assembler a(10);
    EXPECT_EQ(a.add(text_frame("123456", false)).what, status::partial);
    auto r = a.add(continuation_frame(to_bytes("7890"), true));
    ASSERT_EQ(r.what, status::complete); // exactly at the limit
    EXPECT_EQ(r.value.payload.size(), 10u);

    EXPECT_EQ(a.add(text_frame("123456", false)).what, status::partial);
    r = a.add(continuation_frame(to_bytes("78901"), true));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::payload_too_big);
    EXPECT_FALSE(a.in_message());

    r = a.add(binary_frame(bytes(11, 0)));
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::payload_too_big);

    message_assembler zero(0);
    EXPECT_EQ(zero.add(text_frame("")).what, status::complete);
    EXPECT_EQ(zero.add(text_frame("x")).what, status::error);
}

TEST(MessageAssembler, MessagesAreIndependent) {
    message_assembler a;
    // A failed text message leaves no state behind: the validator is reset.
    EXPECT_EQ(a.add(make_frame(opcode::text, hex("ce"), false)).what, status::partial);
    EXPECT_EQ(a.add(continuation_frame(hex("41"), true)).what, status::error);
    auto r = a.add(text_frame("ok"));
    ASSERT_EQ(r.what, status::complete);
    EXPECT_EQ(r.value.payload, to_bytes("ok"));
    EXPECT_EQ(r.value.frames, 1u);

    // A binary message ending in a would-be lead byte does not affect the next text message.
    EXPECT_EQ(a.add(binary_frame(hex("ce"))).what, status::complete);
    r = a.add(text_frame("A"));
    ASSERT_EQ(r.what, status::complete);
    EXPECT_EQ(r.value.payload, to_bytes("A"));

    // The payload of one message does not accumulate into the next.
    EXPECT_EQ(a.add(text_frame("first")).value.payload, to_bytes("first"));
    EXPECT_EQ(a.add(text_frame("second")).value.payload, to_bytes("second"));
}

} // namespace
} // namespace wsconform::codec
