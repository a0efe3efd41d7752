#pragma once
/// A minimal HTTP/2 frame writer and reader of our own (RFC 9113 §4.1), for what libnghttp2
/// will not produce: a setting value it refuses (SETTINGS_ENABLE_CONNECT_PROTOCOL = 2), more
/// streams than the peer allows, fields it would reject. Nothing is validated on the way out:
/// a frame is written as asked. The reader only cuts a byte stream into frames (type, flags,
/// stream, payload); what the frames mean is left to the caller.
///
/// Header blocks are HPACK (RFC 7541) literals without indexing and without Huffman coding,
/// so the peer's dynamic table is never touched and any field, long or malformed, is written
/// byte for byte. Nothing here keeps HPACK state, so a reader's HEADERS payload is not
/// decoded.

#include "harness/codec/bytes.hpp"
#include "harness/codec/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsconform::http2::raw {

/// What a client sends before its first frame (RFC 9113 §3.4). A server's preface is just its
/// first SETTINGS frame, so a reader of what a server sends starts with frames.
inline constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frame types of RFC 9113 §6. frame::type is a plain byte so unknown types (which a
/// receiver must ignore, §4.1) can be written and read too.
enum class frame_type : std::uint8_t {
    data = 0x0,
    headers = 0x1,
    priority = 0x2,
    rst_stream = 0x3,
    settings = 0x4,
    push_promise = 0x5,
    ping = 0x6,
    goaway = 0x7,
    window_update = 0x8,
    continuation = 0x9
};

/// Flags (RFC 9113 §6): END_STREAM on DATA and HEADERS, ACK on SETTINGS and PING share bit 0.
inline constexpr std::uint8_t flag_end_stream = 0x1, flag_ack = 0x1, flag_end_headers = 0x4,
                              flag_padded = 0x8, flag_priority = 0x20;

struct frame {
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::int32_t stream = 0; ///< 31 bits: the reserved bit is cleared on write and on read
    codec::bytes payload{};  ///< {}: designated initializers may leave it out (-Wextra)
};

/// RFC 9113 §4.1: 24-bit length, type, flags, the reserved bit cleared and the 31-bit stream
/// id, then the payload. A payload longer than a 24-bit length can say (2^24 - 1 bytes) is
/// refused: the result is empty (never a frame, which is at least 9 bytes), so a test cannot
/// send a frame other than the one it asked for. No other check: a frame larger than the
/// peer's SETTINGS_MAX_FRAME_SIZE is written as asked.
codec::bytes encode(const frame& f);

/// A SETTINGS frame on stream 0 with these (identifier, value) pairs in order (RFC 9113
/// §6.5.1), values unchecked: (8, 2) is written although RFC 8441 §3 allows only 0 and 1.
codec::bytes settings(std::span<const std::pair<std::uint16_t, std::uint32_t>> entries);
/// SETTINGS with ACK and an empty payload (RFC 9113 §6.5).
codec::bytes settings_ack();

/// One HEADERS frame (END_HEADERS set, END_STREAM if asked, no padding or priority) whose
/// block is every field as an RFC 7541 §6.2.2 literal without indexing with a new name: 0x00,
/// then the name and the value as string literals (§5.2, H = 0: no Huffman) whose lengths are
/// HPACK integers with a 7-bit prefix (§5.1), so any length works. Fields are written as
/// given: upper case, pseudo-header fields anywhere, empty names all go out. The block is not
/// split into CONTINUATION frames: a block over 2^24 - 1 bytes gives an empty result.
codec::bytes headers(std::int32_t stream, std::span<const codec::header_field> fields,
                     bool end_stream);
/// RST_STREAM (RFC 9113 §6.4): the 32-bit error code.
codec::bytes rst_stream(std::int32_t stream, std::uint32_t code);
/// WINDOW_UPDATE (RFC 9113 §6.9): all 32 bits of `increment` as given, the reserved one
/// included, so a test can set it.
codec::bytes window_update(std::int32_t stream, std::uint32_t increment);
/// GOAWAY on stream 0 (RFC 9113 §6.8): last stream id (reserved bit cleared), error code, no
/// debug data.
codec::bytes goaway(std::int32_t last_stream, std::uint32_t code);
/// DATA (RFC 9113 §6.1), unpadded. The payload goes out in one frame whatever its size (up to
/// 2^24 - 1 bytes, else the result is empty).
codec::bytes data(std::int32_t stream, codec::byte_view payload, bool end_stream);

/// Reads frames out of a byte stream as it arrives: feed() appends, next() returns the next
/// complete frame, or nullopt when more bytes are needed. A frame whose declared length is
/// over `max_frame` is an error (RFC 9113 §4.2: such a frame is a FRAME_SIZE_ERROR once over
/// the receiver's SETTINGS_MAX_FRAME_SIZE): error() says so and the reader stops for good
/// (next() returns nothing more, feed() drops its input). Never throws except std::bad_alloc,
/// never reads past what it was given; it holds at most what was fed and not yet read.
class reader {
  public:
    explicit reader(std::size_t max_frame = (1U << 24U) - 1);

    void feed(codec::byte_view bytes);
    std::optional<frame> next();
    /// Empty until a frame was too large; then why.
    const std::string& error() const { return error_; }
    /// Bytes fed and not yet returned as frames (0 after an error).
    std::size_t buffered() const { return buffer_.size() - read_; }

  private:
    std::size_t max_frame_;
    codec::bytes buffer_;
    std::size_t read_ = 0; ///< bytes of buffer_ already returned as frames
    std::string error_;
};

/// The error code of a RST_STREAM (payload bytes 0..3, RFC 9113 §6.4) or a GOAWAY (bytes 4..7,
/// §6.8). nullopt for any other frame type, or a payload too short to hold it (4 bytes for
/// RST_STREAM, GOAWAY's fixed 8).
std::optional<std::uint32_t> error_code(const frame& f);
/// The last-stream-id of a GOAWAY, reserved bit cleared (RFC 9113 §6.8). nullopt for another
/// type or a payload shorter than GOAWAY's fixed 8 bytes.
std::optional<std::int32_t> goaway_last_stream(const frame& f);
/// The (identifier, value) pairs of a SETTINGS frame in order (RFC 9113 §6.5.1). nullopt for
/// another type or a payload whose length is not a multiple of 6 (§6.5: FRAME_SIZE_ERROR). An
/// ACK's empty payload gives an empty list.
std::optional<std::vector<std::pair<std::uint16_t, std::uint32_t>>>
settings_entries(const frame& f);

} // namespace wsconform::http2::raw
