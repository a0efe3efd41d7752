#include "harness/codec/rules.hpp"

#include <array>

namespace wsconform::codec {

namespace {

using enum protocol_error;
using enum requirement;

// One row per enumerator, in enumerator order (checked below). The words are RFC 6455's.
constexpr std::array<rule, 17> table{{
    {reserved_bits_set, "reserved_bits_set", "reserved bits set without a negotiated extension",
     "5.2", must_fail,
     "If a nonzero value is received and none of the negotiated extensions defines the meaning "
     "of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_.",
     1002},
    {reserved_opcode, "reserved_opcode", "reserved opcode", "5.2", must_fail,
     "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket "
     "Connection_.",
     1002},
    {control_frame_too_long, "control_frame_too_long",
     "control frame payload longer than 125 bytes", "5.5", must_fail_invalid,
     "All control frames MUST have a payload length of 125 bytes or less", 1002},
    {control_frame_fragmented, "control_frame_fragmented", "fragmented control frame", "5.5",
     must_fail_invalid, "All control frames ... MUST NOT be fragmented.", 1002},
    {non_minimal_length, "non_minimal_length", "payload length not in minimal form", "5.2",
     may_fail, "in all cases, the minimal number of bytes MUST be used to encode the length", 1002},
    {length_msb_set, "length_msb_set", "64-bit payload length with the most significant bit set",
     "5.2", may_fail,
     "If 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the most "
     "significant bit MUST be 0) are the payload length.",
     1002},
    {unexpected_continuation, "unexpected_continuation",
     "continuation frame without a message in progress", "5.4", must_fail_invalid,
     "A fragmented message consists of a single frame with the FIN bit clear and an opcode "
     "other than 0, followed by zero or more frames with the FIN bit clear and the opcode set "
     "to 0, and terminated by a single frame with the FIN bit set and an opcode of 0.",
     1002},
    {missing_continuation, "missing_continuation", "new data frame inside a fragmented message",
     "5.4", must_fail_invalid,
     "The fragments of one message MUST NOT be interleaved between the fragments of another "
     "message unless an extension has been negotiated that can interpret the interleaving.",
     1002},
    {mask_missing, "mask_missing", "frame from the client is not masked", "5.1", must_fail,
     "The server MUST close the connection upon receiving a frame that is not masked.", 1002},
    {mask_unexpected, "mask_unexpected", "frame from the server is masked", "5.1", must_fail,
     "A client MUST close a connection if it detects a masked frame.", 1002},
    {close_length_one, "close_length_one", "close frame payload of 1 byte", "5.5.1", may_fail,
     "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer "
     "(in network byte order) representing a status code",
     1002},
    {close_code_invalid, "close_code_invalid", "close code not allowed on the wire", "7.4.1",
     must_fail_invalid,
     "1005 is a reserved value and MUST NOT be set as a status code in a Close control frame by "
     "an endpoint. (Likewise 1006 and 1015; 0-999 are not used, 1004 and 1016-2999 are "
     "reserved.)",
     1002},
    {close_code_undefined, "close_code_undefined", "close code 5000 or above is undefined", "7.4.2",
     may_fail,
     "Status codes in the range 4000-4999 are reserved for private use and thus can't be "
     "registered. (The RFC defines no range above 4999.)",
     1002},
    {close_reason_invalid, "close_reason_invalid", "close reason is not valid UTF-8", "5.5.1",
     may_fail,
     "the body MAY contain UTF-8-encoded data with value /reason/, the interpretation of which "
     "is not defined by this specification",
     1007},
    {invalid_utf8, "invalid_utf8", "text message is not valid UTF-8", "8.1", must_fail,
     "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream "
     "is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket "
     "Connection_.",
     1007},
    {payload_too_big, "payload_too_big", "payload exceeds the configured limit", "10.4", limit,
     "Implementations that have implementation- and/or platform-specific limitations regarding "
     "the frame size or total message size after reassembly from multiple frames MUST protect "
     "themselves against exceeding those limits.",
     1009},
    {data_after_close, "data_after_close", "data frame after the peer's Close frame", "5.5.1",
     may_fail, "After sending a Close frame, the endpoint MUST NOT send any more data frames.",
     1002},
}};

constexpr bool in_enumerator_order() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].error) != i + 1)
            return false;
    return true;
}
static_assert(in_enumerator_order(), "one row per protocol_error, in enumerator order");
static_assert(table.back().error == data_after_close, "a new protocol_error needs its row");

constexpr rule unknown{
    protocol_error{}, "unknown", "unknown protocol error", "", may_fail, "", 1002};

} // namespace

const rule& rule_for(protocol_error e) {
    const auto i = static_cast<std::size_t>(e);
    return i >= 1 && i <= table.size() ? table[i - 1] : unknown;
}

std::span<const rule> all_rules() {
    return table;
}

std::string_view to_string(requirement r) {
    switch (r) {
    case must_fail:
        return "MUST fail";
    case must_fail_invalid:
        return "MUST fail (invalid frame)";
    case may_fail:
        return "MAY fail";
    case limit:
        return "MAY limit";
    }
    return "unknown";
}

// Declared in error.hpp, where their callers have always found them; the table answers.
std::string_view rfc_section(protocol_error e) {
    return rule_for(e).section;
}
close_code close_code_for(protocol_error e) {
    return rule_for(e).code;
}

} // namespace wsconform::codec
