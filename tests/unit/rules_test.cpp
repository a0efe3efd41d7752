// The rules table against RFC 6455: sections, how strongly the receiver is bound, close codes;
// and the decoder's two steps on their own (parse a header, judge it).

#include "harness/codec/frame_header.hpp"
#include "harness/codec/frame_rules.hpp"
#include "harness/codec/rules.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wsconform::codec {
namespace {

TEST(RulesTable, OneRowPerErrorInOrder) {
    const auto rows = all_rules();
    ASSERT_EQ(rows.size(), 17u);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        SCOPED_TRACE(rows[i].name);
        EXPECT_EQ(static_cast<std::size_t>(rows[i].error), i + 1);
        EXPECT_EQ(&rule_for(rows[i].error), &rows[i]);
        EXPECT_FALSE(rows[i].section.empty());
        EXPECT_FALSE(rows[i].rfc_text.empty());
        names.insert(rows[i].name);
        // The error category, rfc_section and close_code_for answer from the same row.
        EXPECT_EQ(to_string(rows[i].error), rows[i].name);
        EXPECT_EQ(make_error_code(rows[i].error).message(), rows[i].message);
        EXPECT_EQ(rfc_section(rows[i].error), rows[i].section);
        EXPECT_EQ(close_code_for(rows[i].error), rows[i].code);
    }
    EXPECT_EQ(names.size(), rows.size());
    EXPECT_EQ(rule_for(protocol_error{}).name, "unknown");
    EXPECT_EQ(rule_for(static_cast<protocol_error>(99)).section, "");
}

TEST(RulesTable, WhatTheRfcSaysTheReceiverMustFail) {
    // "the receiving endpoint MUST _Fail the WebSocket Connection_" (§5.2, twice), "The server
    // MUST close the connection upon receiving a frame that is not masked" (§5.1), "that
    // endpoint MUST _Fail the WebSocket Connection_" (§8.1).
    struct row {
        protocol_error e;
        std::string_view section;
        close_code code;
    };
    for (auto [e, section, code] : {row{protocol_error::reserved_opcode, "5.2", 1002},
                                    row{protocol_error::reserved_bits_set, "5.2", 1002},
                                    row{protocol_error::mask_missing, "5.1", 1002},
                                    row{protocol_error::mask_unexpected, "5.1", 1002},
                                    row{protocol_error::invalid_utf8, "8.1", 1007}}) {
        const auto& r = rule_for(e);
        SCOPED_TRACE(r.name);
        EXPECT_EQ(r.level, requirement::must_fail);
        EXPECT_TRUE(r.must_fail());
        EXPECT_EQ(r.section, section);
        EXPECT_EQ(r.code, code);
        EXPECT_NE(r.rfc_text.find("MUST"), std::string_view::npos);
    }
}

TEST(RulesTable, FrameRulesTheHarnessHoldsReceiversTo) {
    for (auto e : {protocol_error::control_frame_too_long, protocol_error::control_frame_fragmented,
                   protocol_error::unexpected_continuation, protocol_error::missing_continuation,
                   protocol_error::close_code_invalid}) {
        SCOPED_TRACE(to_string(e));
        EXPECT_EQ(rule_for(e).level, requirement::must_fail_invalid);
        EXPECT_TRUE(rule_for(e).must_fail());
        EXPECT_EQ(rule_for(e).code, 1002);
    }
    EXPECT_EQ(rule_for(protocol_error::control_frame_too_long).section, "5.5");
    EXPECT_EQ(rule_for(protocol_error::unexpected_continuation).section, "5.4");
    EXPECT_EQ(rule_for(protocol_error::close_code_invalid).section, "7.4.1");
}

TEST(RulesTable, WhereAReceiverMayGoEitherWay) {
    // Sender rules with one clear reading: "the minimal number of bytes MUST be used to encode
    // the length" (§5.2) binds the sender; a receiver may accept 126, 0, 124.
    for (auto e : {protocol_error::non_minimal_length, protocol_error::length_msb_set,
                   protocol_error::close_length_one, protocol_error::close_code_undefined,
                   protocol_error::close_reason_invalid, protocol_error::data_after_close}) {
        SCOPED_TRACE(to_string(e));
        EXPECT_EQ(rule_for(e).level, requirement::may_fail);
        EXPECT_FALSE(rule_for(e).must_fail());
    }
    EXPECT_EQ(rule_for(protocol_error::close_reason_invalid).code, 1007);
    // A limit of the receiver's own (§10.4), refused with 1009 "message too big".
    const auto& big = rule_for(protocol_error::payload_too_big);
    EXPECT_EQ(big.level, requirement::limit);
    EXPECT_FALSE(big.must_fail());
    EXPECT_EQ(big.section, "10.4");
    EXPECT_EQ(big.code, close_codes::message_too_big);
    EXPECT_EQ(to_string(requirement::must_fail), "MUST fail");
    EXPECT_EQ(to_string(requirement::limit), "MAY limit");
}

// ---- the decoder's steps -------------------------------------------------------------------

TEST(FrameHeader, ParsesWithoutJudging) {
    const byte ping_len64[] = {0x09, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0};
    auto h = parse_first_two(ping_len64);
    EXPECT_FALSE(h.fin); // a fragmented ping with a reserved-looking length: parsed all the same
    EXPECT_EQ(h.op, opcode::ping);
    EXPECT_EQ(h.form, length_form::len64);
    EXPECT_EQ(length_field_end(h), 10u);
    parse_length(h, ping_len64);
    EXPECT_EQ(h.length, 0u);
    EXPECT_EQ(header_octets(h), 10u);
    EXPECT_EQ(length_error(h, 100), std::nullopt);

    const byte top_bit[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1};
    auto t = parse_first_two(top_bit);
    parse_length(t, top_bit);
    EXPECT_TRUE(t.masked);
    EXPECT_EQ(header_octets(t), 14u);
    EXPECT_EQ(length_error(t, ~std::uint64_t{0}), protocol_error::length_msb_set);
    const byte big16[] = {0x82, 0x7e, 0x01, 0x00};
    auto b = parse_first_two(big16);
    parse_length(b, big16);
    EXPECT_EQ(b.length, 256u);
    EXPECT_EQ(length_error(b, 255), protocol_error::payload_too_big);
}

TEST(FrameRules, JudgeByRoleAndKeepTheFragmentationState) {
    frame_rules server({.incoming_mask = masking_rule::required});
    frame_header h;
    h.op = opcode::text;
    EXPECT_EQ(server.check_start(h), protocol_error::mask_missing);
    h.masked = true;
    EXPECT_EQ(server.check_start(h), std::nullopt);
    h.fin = false;
    server.accept(h);
    EXPECT_TRUE(server.in_message());
    EXPECT_EQ(server.check_start(h), protocol_error::missing_continuation);
    h.op = opcode::continuation;
    h.fin = true;
    EXPECT_EQ(server.check_start(h), std::nullopt);
    server.accept(h);
    EXPECT_FALSE(server.in_message());
    EXPECT_EQ(server.check_start(h), protocol_error::unexpected_continuation);

    frame_header ping;
    ping.op = opcode::ping;
    ping.form = length_form::len16;
    ping.length = 5;
    EXPECT_EQ(server.check_length(ping), protocol_error::non_minimal_length);
    ping.length = 126;
    EXPECT_EQ(server.check_length(ping), protocol_error::control_frame_too_long);

    frame_header close;
    close.op = opcode::close;
    const byte one[] = {0x03};
    EXPECT_EQ(server.check_payload(close, one), protocol_error::close_length_one);
    frame_rules lenient({.check_close_payload = false});
    EXPECT_EQ(lenient.check_payload(close, one), std::nullopt);
}

} // namespace
} // namespace wsconform::codec
