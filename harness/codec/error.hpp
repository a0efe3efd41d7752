#pragma once
/// Every way incoming bytes can break RFC 6455, each a distinct error with the section that
/// forbids it and the close code a conforming endpoint answers with (both from the rules table,
/// rules.hpp, which also says how strongly the RFC binds the receiver).

#include "harness/codec/close_code.hpp"

#include <string_view>
#include <system_error>

namespace wsconform::codec {

enum class protocol_error {
    reserved_bits_set = 1,    ///< RSV bit set without a negotiated extension (§5.2)
    reserved_opcode,          ///< opcode 0x3-0x7 or 0xB-0xF (§5.2)
    control_frame_too_long,   ///< control frame payload > 125 bytes (§5.5)
    control_frame_fragmented, ///< control frame with FIN clear (§5.5)
    non_minimal_length,       ///< length not in the minimal form (§5.2)
    length_msb_set,           ///< 64-bit length with the most significant bit set (§5.2)
    unexpected_continuation,  ///< continuation frame with no message in progress (§5.4)
    missing_continuation,     ///< new data frame while a fragmented message is open (§5.4)
    mask_missing,             ///< client frame not masked (§5.1, §5.3)
    mask_unexpected,          ///< server frame masked (§5.1)
    close_length_one,         ///< Close body of exactly 1 byte (§5.5.1)
    close_code_invalid,       ///< status code not allowed on the wire (§7.4.1, §7.4.2)
    close_code_undefined,     ///< status code >= 5000, undefined by the RFC (§7.4.2)
    close_reason_invalid,     ///< Close reason not UTF-8 (§5.5.1)
    invalid_utf8,             ///< text message not UTF-8 (§8.1)
    payload_too_big,          ///< frame or message larger than the configured limit (§10.4)
    data_after_close,         ///< data frame after the peer's own Close frame (§5.5.1)
};

const std::error_category& protocol_category();

inline std::error_code make_error_code(protocol_error e) {
    return {static_cast<int>(e), protocol_category()};
}

/// The enumerator's name, "reserved_opcode": for signatures and file names.
std::string_view to_string(protocol_error e);

/// "5.2", "5.5.1", ...: the RFC 6455 section that a violation breaks (rule_for(e).section).
std::string_view rfc_section(protocol_error e);

/// The close code a conforming endpoint sends when it fails the connection for `e` (§7.4.1;
/// rule_for(e).code).
close_code close_code_for(protocol_error e);

} // namespace wsconform::codec

template <>
struct std::is_error_code_enum<wsconform::codec::protocol_error> : std::true_type {};
