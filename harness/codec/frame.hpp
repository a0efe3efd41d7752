#pragma once
/// The one frame type of the project (RFC 6455 §5.2). It can express every bit a frame header
/// can carry, valid or not: reserved bits, reserved opcodes, the length form including
/// non-minimal encodings, and a declared length that differs from the payload actually sent.

#include "harness/codec/bytes.hpp"
#include "harness/codec/close_code.hpp"
#include "harness/codec/error.hpp"
#include "harness/codec/opcode.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace wsconform::codec {

using mask_key = std::array<byte, 4>;

/// How the payload length is written (§5.2 "Payload length").
enum class length_form : std::uint8_t {
    minimal, ///< the shortest form; what a conforming sender must use
    len7,    ///< 7-bit field (0-125); falls back to minimal if the length does not fit
    len16,   ///< 126 + 16-bit length; falls back to len64 if the length does not fit
    len64,   ///< 127 + 64-bit length
};

/// RSV1 in frame::rsv: "Per-Message Compressed" once permessage-deflate is agreed (RFC 7692 §6).
inline constexpr std::uint8_t rsv1_bit = 4;

struct frame {
    bool fin = true;
    /// The three reserved bits as they sit in the header: 4 = RSV1, 2 = RSV2, 1 = RSV3
    /// (Autobahn's "RSV=n" numbering).
    std::uint8_t rsv = 0;
    opcode op = opcode::text;
    bool masked = false;
    mask_key key{};
    length_form form = length_form::minimal;
    /// The length written in the header when it differs from payload.size() (a lie on purpose).
    std::optional<std::uint64_t> declared_length;
    /// Application payload, unmasked.
    bytes payload;

    bool rsv1() const { return (rsv & rsv1_bit) != 0; }
    bool rsv2() const { return (rsv & 2) != 0; }
    bool rsv3() const { return (rsv & 1) != 0; }
    std::uint64_t header_length() const { return declared_length.value_or(payload.size()); }

    friend bool operator==(const frame&, const frame&) = default;
};

frame make_frame(opcode op, bytes payload, bool fin = true);
frame text_frame(std::string_view text, bool fin = true);
frame binary_frame(bytes payload, bool fin = true);
frame continuation_frame(bytes payload, bool fin);
/// A Close frame with a status code and reason (§5.5.1).
frame close_frame(close_code code, std::string_view reason = {});
/// A Close frame with exactly these payload bytes (none, one byte, a bad reason, ...).
frame close_frame_raw(bytes payload);

/// Parsed Close frame body (§5.5.1).
struct close_payload {
    std::optional<close_code> code; ///< absent when the body is empty
    std::string reason;
};

enum class close_payload_status : std::uint8_t {
    ok,
    length_one,     ///< a 1-byte body cannot hold a status code
    invalid_code,   ///< the code is not allowed on the wire (classify() != valid)
    undefined_code, ///< >= 5000: the RFC defines no meaning
    invalid_reason, ///< the reason is not valid UTF-8
};

/// Splits a Close body into code and reason and checks it; the parse is lossless even when the
/// status is not ok (the code and raw reason are still filled in).
close_payload_status parse_close_payload(byte_view body, close_payload& out);

/// The protocol_error a Close body with this status breaks; none for ok.
std::optional<protocol_error> close_payload_error(close_payload_status status);

/// One line for logs: "text fin rsv=0 len=5 masked 'Hello'" (payload elided when long, hex when
/// not printable UTF-8).
std::string describe(const frame& f, std::size_t preview = 64);

} // namespace wsconform::codec
