#include "harness/codec/frame_header.hpp"

#include <algorithm>

namespace wsconform::codec {

frame_header parse_first_two(const byte* p) {
    frame_header h;
    h.fin = (p[0] & 0x80) != 0;
    h.rsv = static_cast<std::uint8_t>((p[0] >> 4) & 7);
    h.op = opcode_from_nibble(p[0]);
    h.masked = (p[1] & 0x80) != 0;
    h.length = p[1] & 0x7f;
    h.form = h.length == 126   ? length_form::len16
             : h.length == 127 ? length_form::len64
                               : length_form::len7;
    return h;
}

std::size_t length_field_end(const frame_header& h) {
    switch (h.form) {
    case length_form::len16:
        return 4;
    case length_form::len64:
        return 10;
    default:
        return 2;
    }
}

void parse_length(frame_header& h, const byte* p) {
    const auto end = length_field_end(h);
    if (end == 2)
        return;
    h.length = 0;
    for (std::size_t i = 2; i < end; ++i)
        h.length = h.length << 8 | p[i];
}

std::size_t header_octets(const frame_header& h) {
    return length_field_end(h) + (h.masked ? 4 : 0);
}

void parse_key(frame_header& h, const byte* p) {
    if (h.masked)
        std::copy(p + length_field_end(h), p + length_field_end(h) + 4, h.key.begin());
}

std::optional<protocol_error> length_error(const frame_header& h, std::uint64_t max_payload) {
    // Always an error: such a length cannot be represented, so no mode may wait for it.
    if (h.form == length_form::len64 && (h.length >> 63) != 0)
        return protocol_error::length_msb_set;
    if (h.length > max_payload)
        return protocol_error::payload_too_big;
    return std::nullopt;
}

} // namespace wsconform::codec
