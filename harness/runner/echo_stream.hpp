#pragma once
/// Pieces of the streamed echo (Autobahn 9.x): payloads generated from a repeated pattern while
/// they are sent, the wire bytes of a message produced piece by piece, echoes checked byte for
/// byte as they arrive, and the statistics reported per case. Nothing here holds a whole
/// message, so a 16 MiB case costs kilobytes, not megabytes. No I/O.

#include "harness/codec/encoder.hpp"
#include "harness/codec/frame.hpp"
#include "harness/codec/utf8.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wsconform::runner {

/// A payload that is `unit` repeated and cut to its size (Autobahn's payload_len repetition),
/// readable at any offset without materialising it.
class pattern_payload {
  public:
    explicit pattern_payload(codec::bytes unit);

    /// Writes the payload bytes at [offset, offset + out.size()) into `out`.
    void fill(std::uint64_t offset, std::span<codec::byte> out) const;
    /// Index in `data` of the first byte that differs from the payload at `offset`, if any.
    std::optional<std::size_t> first_mismatch(std::uint64_t offset, codec::byte_view data) const;
    codec::byte at(std::uint64_t offset) const { return unit_[offset % unit_.size()]; }
    /// Bytes before the payload repeats: the unit's size.
    std::uint64_t period() const { return unit_.size(); }

  private:
    codec::bytes unit_;
    /// The unit repeated to a few KiB (plus one unit), so fill and compare are memcpy/memcmp
    /// from the right phase instead of a modulo per byte.
    codec::bytes block_;
};

/// The wire bytes of one message of `size` payload bytes, in frames of `fragment` bytes
/// (0 = one frame), each masked with a fresh key from `keys` (a client's frames) or unmasked
/// when `keys` is null (a server's): produced on demand, never all at once.
class message_wire {
  public:
    /// The payload's bytes from `offset` on.
    message_wire(codec::opcode op, const pattern_payload& payload, std::uint64_t size,
                 std::uint64_t fragment, codec::mask_source* keys, std::uint64_t offset = 0);
    /// A message whose payload is `body` as given (a compressed message: RFC 7692 §6 wants
    /// RSV1 on its first frame only, so `first_rsv` goes there). `body` must outlive this.
    message_wire(codec::opcode op, codec::byte_view body, std::uint64_t fragment,
                 codec::mask_source* keys, std::uint8_t first_rsv);

    bool done() const { return done_; }
    /// True when the next byte is the first of a frame (call start_frame() then).
    bool at_frame_start() const { return !done_ && frame_pos_ == 0 && !header_ready_; }
    /// Prepares the next frame and returns it for the wire log: its header fields and key, and
    /// the first `preview` payload bytes. `payload_length` receives the real payload length.
    codec::frame start_frame(std::size_t preview, std::uint64_t& payload_length);
    /// Writes the next bytes of the current frame into `out` (never past the frame's end);
    /// returns how many. start_frame() must have been called for the frame.
    std::size_t next(std::span<codec::byte> out);

  private:
    void fill(std::uint64_t pos, std::span<codec::byte> out) const;

    codec::opcode op_;
    const pattern_payload* payload_ = nullptr; ///< the source, unless `body_` is
    codec::byte_view body_;
    std::uint64_t offset_ = 0;
    std::uint8_t first_rsv_ = 0;
    std::uint64_t size_;
    std::uint64_t fragment_;
    codec::mask_source* keys_;
    std::uint64_t message_pos_ = 0; ///< payload bytes of earlier frames
    std::uint64_t frame_length_ = 0;
    std::uint64_t frame_pos_ = 0; ///< wire bytes of the current frame written
    codec::bytes header_;
    codec::mask_key key_{};
    bool header_ready_ = false;
    bool first_ = true;
    bool done_ = false;
};

/// Checks one echo against the message sent, frame by frame as it arrives: type, then every
/// byte, then the length at its last frame. Keeps nothing of the payload.
class echo_checker {
  public:
    /// The echo must equal the payload's `size` bytes from `offset` on.
    echo_checker(bool binary, const pattern_payload& payload, std::uint64_t size,
                 std::uint64_t offset = 0);

    /// Adds the echo's next data frame (text/binary first, then continuations). Returns false
    /// once the echo is known to differ from what was sent (see problem()).
    bool add(bool binary_opcode, bool first_frame, bool fin, codec::byte_view payload);
    /// The last frame arrived and everything matched.
    bool complete() const { return complete_; }
    bool failed() const { return !problem_.empty(); }
    /// Why the echo differs, one clause ("the echo differs from what was sent at byte ...").
    const std::string& problem() const { return problem_; }
    /// For a text echo: offset of the first byte that is not UTF-8 (RFC 6455 §8.1), if any.
    std::optional<std::uint64_t> utf8_error() const { return utf8_error_; }
    std::uint64_t received() const { return received_; }

  private:
    bool binary_;
    const pattern_payload& payload_;
    std::uint64_t size_;
    std::uint64_t offset_;
    std::uint64_t received_ = 0;
    codec::utf8_validator utf8_;
    std::optional<std::uint64_t> utf8_error_;
    std::string problem_;
    bool complete_ = false;
};

/// The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest value with at
/// least p % of the values at or below it. Empty input: nullopt.
std::optional<double> percentile(std::vector<double> values, double p);

/// "16 MiB", "64 KiB", "1000 bytes": sizes as the 9.x titles say them.
std::string size_words(std::uint64_t n);

} // namespace wsconform::runner
