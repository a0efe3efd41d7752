#pragma once
/// Byte strings and hex helpers shared by the codec, the runner and the tests.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsconform::codec {

using byte = std::uint8_t;
using bytes = std::vector<byte>;
using byte_view = std::span<const byte>;

/// Bytes of a string, unchanged (no encoding applied).
inline bytes to_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

/// The same bytes viewed as characters (for UTF-8 payloads and logs).
inline std::string_view as_chars(byte_view b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// `n` copies of `pattern`, cut to exactly `n` bytes (Autobahn's payload_len repetition).
bytes repeat(byte_view pattern, std::size_t n);
inline bytes repeat(std::string_view pattern, std::size_t n) {
    return repeat(byte_view(reinterpret_cast<const byte*>(pattern.data()), pattern.size()), n);
}

/// Lower-case hex, no separators.
std::string to_hex(byte_view b);

/// Parses hex digits; spaces, tabs and newlines are ignored. Returns false on odd length or a
/// non-hex character.
bool from_hex(std::string_view hex, bytes& out);

/// Hex literal for tests and case tables: "ce ba e1" -> {0xce, 0xba, 0xe1}. Throws on bad input.
bytes hex(std::string_view hex);

} // namespace wsconform::codec
