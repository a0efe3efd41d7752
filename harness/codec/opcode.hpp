#pragma once
/// RFC 6455 §5.2 opcodes: every one of the 16 nibble values has a name, so any header can be
/// expressed, including the reserved ones (§5.2: 0x3-0x7 non-control, 0xB-0xF control).

#include <cstdint>
#include <string_view>

namespace wsconform::codec {

enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    rsv3 = 0x3,
    rsv4 = 0x4,
    rsv5 = 0x5,
    rsv6 = 0x6,
    rsv7 = 0x7,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
    crsvb = 0xB,
    crsvc = 0xC,
    crsvd = 0xD,
    crsve = 0xE,
    crsvf = 0xF,
};

constexpr opcode opcode_from_nibble(std::uint8_t v) {
    return static_cast<opcode>(v & 0x0f);
}
constexpr std::uint8_t nibble(opcode op) {
    return static_cast<std::uint8_t>(op);
}

/// §5.5: control frames have the most significant opcode bit set.
constexpr bool is_control(opcode op) {
    return (nibble(op) & 0x8) != 0;
}

/// §5.2: 0x3-0x7 and 0xB-0xF are reserved for further frames.
constexpr bool is_reserved(opcode op) {
    auto v = nibble(op);
    return (v >= 0x3 && v <= 0x7) || v >= 0xB;
}

std::string_view to_string(opcode op);

} // namespace wsconform::codec
