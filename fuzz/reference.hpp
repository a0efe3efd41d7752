#pragma once
/// Deliberately simple, independent restatements of RFC rules that the fuzz targets use as
/// oracles against the codec. They are written from the RFC text, not from the codec's code,
/// and favour obviousness over speed: a disagreement is a finding in one or the other.

#include "harness/codec/bytes.hpp"
#include "harness/codec/error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace wsconform::fuzz::ref {

using codec::byte;
using codec::byte_view;

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

// ---- UTF-8 (RFC 3629 §3-4) --------------------------------------------------------------

struct utf8_verdict {
    /// Offset of the first byte after which the input is no longer a prefix of any valid
    /// UTF-8 string, or npos.
    std::size_t first_bad = npos;
    /// No bad byte, but the input stops inside a code point.
    bool ends_inside = false;
    bool valid() const { return first_bad == npos && !ends_inside; }
};

/// Can some completion of a sequence whose code point lies in [lo, hi] be a Unicode scalar
/// value that needs this many bytes? Scalars are U+0000..U+10FFFF without the surrogates
/// U+D800..U+DFFF; `min` is the smallest value the length may encode (shorter is overlong).
inline bool viable(std::uint32_t lo, std::uint32_t hi, std::uint32_t min) {
    lo = std::max(lo, min);
    hi = std::min<std::uint32_t>(hi, 0x10FFFF);
    if (lo > hi)
        return false;
    return !(lo >= 0xD800 && hi <= 0xDFFF); // not only surrogates
}

/// Judges by code point ranges: after each byte of a multi-byte sequence, the set of code
/// points its completions could encode must still contain a scalar value of that length.
inline utf8_verdict check_utf8(byte_view d) {
    std::size_t i = 0;
    while (i < d.size()) {
        const byte b = d[i];
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp, min;
        if ((b & 0xE0) == 0xC0)
            len = 2, cp = b & 0x1Fu, min = 0x80;
        else if ((b & 0xF0) == 0xE0)
            len = 3, cp = b & 0x0Fu, min = 0x800;
        else if ((b & 0xF8) == 0xF0)
            len = 4, cp = b & 0x07u, min = 0x10000;
        else
            return {i, false}; // a continuation byte or F8..FF cannot start a sequence
        for (std::size_t seen = 1;; ++seen) {
            const unsigned open_bits = static_cast<unsigned>(6 * (len - seen));
            const std::uint32_t lo = cp << open_bits;
            const std::uint32_t hi = lo | ((1u << open_bits) - 1);
            if (!viable(lo, hi, min))
                return {i + seen - 1, false};
            if (seen == len)
                break;
            if (i + seen >= d.size())
                return {npos, true};
            const byte c = d[i + seen];
            if ((c & 0xC0) != 0x80)
                return {i + seen, false};
            cp = cp << 6 | (c & 0x3Fu);
        }
        i += len;
    }
    return {};
}

// ---- Close codes (RFC 6455 §7.4, IANA WebSocket Close Code Number Registry) ---------------

enum class close_class : std::uint8_t { valid, invalid, undefined };

inline close_class classify_close(std::uint16_t code) {
    if (code >= 5000)
        return close_class::undefined; // §7.4.2 defines ranges only up to 4999
    if (code >= 3000)
        return close_class::valid; // registered libraries (3000-3999), private (4000-4999)
    // §7.4.1 codes that may be sent, plus 1012-1014 that IANA registered later.
    constexpr std::array<std::uint16_t, 12> sendable = {1000, 1001, 1002, 1003, 1007, 1008,
                                                        1009, 1010, 1011, 1012, 1013, 1014};
    return std::find(sendable.begin(), sendable.end(), code) != sendable.end()
               ? close_class::valid
               : close_class::invalid;
}

// ---- Frame header (RFC 6455 §5.2) ----------------------------------------------------------

struct wire_header {
    bool fin = false;
    std::uint8_t rsv = 0; ///< RSV1 = 4, RSV2 = 2, RSV3 = 1
    std::uint8_t op = 0;
    bool masked = false;
    std::uint8_t len7 = 0;
    bool length_known = false; ///< the extended length (if any) is present
    std::uint64_t length = 0;  ///< when length_known
    bool complete = false;     ///< extended length and key present
    std::size_t size = 0;      ///< header bytes, when complete
    std::array<byte, 4> key{};

    bool control() const { return (op & 8) != 0; }
    bool reserved_op() const { return (op >= 3 && op <= 7) || op >= 0xB; }
    bool data_start() const { return op == 1 || op == 2; }
};

/// The first two bytes are enough for the fixed fields; the rest when available.
inline std::optional<wire_header> parse_header(byte_view d) {
    if (d.size() < 2)
        return std::nullopt;
    wire_header h;
    h.fin = (d[0] & 0x80) != 0;
    h.rsv = static_cast<std::uint8_t>((d[0] & 0x70) >> 4);
    h.op = d[0] & 0x0F;
    h.masked = (d[1] & 0x80) != 0;
    h.len7 = d[1] & 0x7F;
    const std::size_t ext = h.len7 == 126 ? 2 : h.len7 == 127 ? 8 : 0;
    if (d.size() < 2 + ext)
        return h;
    h.length = h.len7;
    if (ext > 0) {
        h.length = 0;
        for (std::size_t i = 0; i < ext; ++i)
            h.length = h.length << 8 | d[2 + i];
    }
    h.length_known = true;
    const std::size_t size = 2 + ext + (h.masked ? 4 : 0);
    if (d.size() < size)
        return h;
    if (h.masked)
        std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(2 + ext), 4, h.key.begin());
    h.size = size;
    h.complete = true;
    return h;
}

// ---- Frame rules (RFC 6455 §5) ---------------------------------------------------------------

/// The decoder settings the rules depend on, restated.
struct frame_rules {
    enum class mask : std::uint8_t { required, forbidden, any } incoming = mask::any;
    bool check_rules = true;
    bool check_close = true;
    std::uint8_t allowed_rsv = 0;
    std::uint64_t max_payload = 0;
};

/// A set of protocol_error values.
class error_set {
  public:
    void add(codec::protocol_error e) { bits_ |= 1u << static_cast<unsigned>(e); }
    bool has(codec::protocol_error e) const {
        return (bits_ >> static_cast<unsigned>(e) & 1u) != 0;
    }
    bool empty() const { return bits_ == 0; }

  private:
    std::uint32_t bits_ = 0;
};

struct frame_verdict {
    error_set errors;            ///< every rule the bytes seen so far already break
    bool frame_complete = false; ///< header and payload are all there
    std::size_t frame_size = 0;  ///< when frame_complete
};

/// Judges the frame at the start of `d` with `in_message` telling whether a fragmented data
/// message is open. Only what the available bytes show is judged: the fixed fields after two
/// bytes, the length once it is there, the Close body once the whole frame is.
inline frame_verdict judge_frame(byte_view d, const frame_rules& r, bool in_message) {
    using codec::protocol_error;
    frame_verdict v;
    auto h = parse_header(d);
    if (!h)
        return v;
    if (r.check_rules) {
        if ((h->rsv & ~r.allowed_rsv) != 0)
            v.errors.add(protocol_error::reserved_bits_set);
        if (h->reserved_op())
            v.errors.add(protocol_error::reserved_opcode);
        if (h->control() && !h->fin)
            v.errors.add(protocol_error::control_frame_fragmented);
        if (r.incoming == frame_rules::mask::required && !h->masked)
            v.errors.add(protocol_error::mask_missing);
        if (r.incoming == frame_rules::mask::forbidden && h->masked)
            v.errors.add(protocol_error::mask_unexpected);
        if (h->op == 0 && !in_message)
            v.errors.add(protocol_error::unexpected_continuation);
        if (h->data_start() && in_message)
            v.errors.add(protocol_error::missing_continuation);
    }
    if (!h->length_known)
        return v;
    if (r.check_rules && h->control() && h->length > 125)
        v.errors.add(protocol_error::control_frame_too_long);
    // An unrepresentable length and the size limit bind in both modes.
    if (h->len7 == 127 && (h->length >> 63) != 0)
        v.errors.add(protocol_error::length_msb_set);
    if (h->length > r.max_payload)
        v.errors.add(protocol_error::payload_too_big);
    if (r.check_rules &&
        ((h->len7 == 126 && h->length < 126) || (h->len7 == 127 && h->length <= 0xFFFF)))
        v.errors.add(protocol_error::non_minimal_length);
    if (!h->complete || d.size() - h->size < h->length)
        return v;
    v.frame_complete = true;
    v.frame_size = h->size + static_cast<std::size_t>(h->length);
    if (r.check_rules && r.check_close && h->op == 8 && v.errors.empty()) {
        codec::bytes body(d.begin() + static_cast<std::ptrdiff_t>(h->size),
                          d.begin() + static_cast<std::ptrdiff_t>(v.frame_size));
        for (std::size_t i = 0; h->masked && i < body.size(); ++i)
            body[i] ^= h->key[i % 4];
        if (body.size() == 1) {
            v.errors.add(protocol_error::close_length_one);
        } else if (body.size() >= 2) {
            auto code = static_cast<std::uint16_t>(body[0] << 8 | body[1]);
            switch (classify_close(code)) {
            case close_class::invalid:
                v.errors.add(protocol_error::close_code_invalid);
                break;
            case close_class::undefined:
                v.errors.add(protocol_error::close_code_undefined);
                break;
            case close_class::valid:
                if (!check_utf8(byte_view(body).subspan(2)).valid())
                    v.errors.add(protocol_error::close_reason_invalid);
                break;
            }
        }
    }
    return v;
}

} // namespace wsconform::fuzz::ref
