#include "harness/codec/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wsconform::codec {
namespace {

constexpr protocol_error all_errors[] = {
    protocol_error::reserved_bits_set,
    protocol_error::reserved_opcode,
    protocol_error::control_frame_too_long,
    protocol_error::control_frame_fragmented,
    protocol_error::non_minimal_length,
    protocol_error::length_msb_set,
    protocol_error::unexpected_continuation,
    protocol_error::missing_continuation,
    protocol_error::mask_missing,
    protocol_error::mask_unexpected,
    protocol_error::close_length_one,
    protocol_error::close_code_invalid,
    protocol_error::close_code_undefined,
    protocol_error::close_reason_invalid,
    protocol_error::invalid_utf8,
    protocol_error::payload_too_big,
    protocol_error::data_after_close,
};

TEST(ProtocolError, EnumeratorsAreContiguousFromOne) {
    // The table above must list every enumerator: the first is 1 and the last is 17.
    EXPECT_EQ(static_cast<int>(all_errors[0]), 1);
    for (std::size_t i = 0; i < std::size(all_errors); ++i)
        EXPECT_EQ(static_cast<int>(all_errors[i]), static_cast<int>(i) + 1);
    EXPECT_EQ(static_cast<int>(protocol_error::payload_too_big), 16);
    EXPECT_EQ(static_cast<int>(protocol_error::data_after_close), 17);
}

TEST(ProtocolError, NamesAreTheEnumerators) {
    EXPECT_EQ(to_string(protocol_error::reserved_opcode), "reserved_opcode");
    EXPECT_EQ(to_string(protocol_error::payload_too_big), "payload_too_big");
    std::set<std::string_view> names;
    for (auto e : all_errors)
        names.insert(to_string(e));
    EXPECT_EQ(names.size(), std::size(all_errors));
}

TEST(ProtocolError, EveryEnumeratorHasMessageSectionAndCode) {
    std::set<std::string> messages;
    for (auto e : all_errors) {
        std::error_code ec = make_error_code(e);
        SCOPED_TRACE(static_cast<int>(e));
        EXPECT_TRUE(ec);
        EXPECT_EQ(&ec.category(), &protocol_category());
        EXPECT_EQ(ec.value(), static_cast<int>(e));
        const std::string msg = ec.message();
        EXPECT_FALSE(msg.empty());
        EXPECT_NE(msg, "unknown protocol error");
        messages.insert(msg);
        EXPECT_FALSE(rfc_section(e).empty());

        close_code expected = close_codes::protocol_error;
        if (e == protocol_error::invalid_utf8 || e == protocol_error::close_reason_invalid)
            expected = close_codes::invalid_payload;
        else if (e == protocol_error::payload_too_big)
            expected = close_codes::message_too_big;
        EXPECT_EQ(close_code_for(e), expected);
    }
    EXPECT_EQ(messages.size(), std::size(all_errors)) << "messages must be distinct";
}

TEST(ProtocolError, Sections) {
    EXPECT_EQ(rfc_section(protocol_error::reserved_bits_set), "5.2");
    EXPECT_EQ(rfc_section(protocol_error::reserved_opcode), "5.2");
    EXPECT_EQ(rfc_section(protocol_error::control_frame_too_long), "5.5");
    EXPECT_EQ(rfc_section(protocol_error::control_frame_fragmented), "5.5");
    EXPECT_EQ(rfc_section(protocol_error::non_minimal_length), "5.2");
    EXPECT_EQ(rfc_section(protocol_error::length_msb_set), "5.2");
    EXPECT_EQ(rfc_section(protocol_error::unexpected_continuation), "5.4");
    EXPECT_EQ(rfc_section(protocol_error::missing_continuation), "5.4");
    EXPECT_EQ(rfc_section(protocol_error::mask_missing), "5.1");
    EXPECT_EQ(rfc_section(protocol_error::mask_unexpected), "5.1");
    EXPECT_EQ(rfc_section(protocol_error::close_length_one), "5.5.1");
    EXPECT_EQ(rfc_section(protocol_error::close_code_invalid), "7.4.1");
    EXPECT_EQ(rfc_section(protocol_error::close_code_undefined), "7.4.2");
    EXPECT_EQ(rfc_section(protocol_error::close_reason_invalid), "5.5.1");
    EXPECT_EQ(rfc_section(protocol_error::invalid_utf8), "8.1");
    EXPECT_EQ(rfc_section(protocol_error::payload_too_big), "10.4");
}

TEST(ProtocolError, CategoryAndImplicitConversion) {
    EXPECT_STREQ(protocol_category().name(), "websocket.protocol");
    // is_error_code_enum lets the enum convert and compare directly.
    std::error_code ec = protocol_error::mask_missing;
    EXPECT_EQ(ec, protocol_error::mask_missing);
    EXPECT_NE(ec, protocol_error::mask_unexpected);
    EXPECT_NE(ec, std::error_code(static_cast<int>(protocol_error::mask_missing),
                                  std::generic_category()));
    // A value outside the enum still gets a message rather than crashing.
    EXPECT_EQ(protocol_category().message(0), "unknown protocol error");
    EXPECT_EQ(protocol_category().message(999), "unknown protocol error");
}

} // namespace
} // namespace wsconform::codec
