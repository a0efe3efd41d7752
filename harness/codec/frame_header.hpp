#pragma once
/// The decoder's parse step: a frame header's fields as the octets give them (§5.2), judged by
/// nothing but what makes a frame unreadable. Whether the fields break a rule is the rules
/// step's question (frame_rules.hpp).

#include "harness/codec/frame.hpp"

#include <optional>

namespace wsconform::codec {

struct frame_header {
    bool fin = true;
    std::uint8_t rsv = 0;
    opcode op = opcode::text;
    bool masked = false;
    length_form form = length_form::len7;
    /// The payload length: the 7-bit field after parse_first_two (126 or 127 for the longer
    /// forms), the declared length once parse_length has read the extended field.
    std::uint64_t length = 0;
    mask_key key{};
};

/// The fields of the first two octets (`p` holds at least 2).
frame_header parse_first_two(const byte* p);

/// Octets from the start of the frame to the end of its length field: 2, 4 or 10.
std::size_t length_field_end(const frame_header& h);

/// Reads the extended length (`p` holds length_field_end(h) octets).
void parse_length(frame_header& h, const byte* p);

/// Octets of the whole header, the masking key included.
std::size_t header_octets(const frame_header& h);

/// Reads the masking key (`p` holds header_octets(h) octets).
void parse_key(frame_header& h, const byte* p);

/// Syntax, checked in every mode once the length is read: a length with the top bit set cannot
/// be represented (length_msb_set; §5.2 "the most significant bit MUST be 0"), and a length
/// above `max_payload` is not waited for (payload_too_big).
std::optional<protocol_error> length_error(const frame_header& h, std::uint64_t max_payload);

} // namespace wsconform::codec
