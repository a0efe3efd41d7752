#pragma once
/// Incremental frame decoder. Feed it bytes in any chunking (one byte at a time works) and take
/// frames out. Memory is bounded: a frame whose declared length exceeds the limit is rejected
/// as soon as its header is read, so a 2^63 length never allocates.
///
/// Two steps, kept apart: parsing (frame_header.hpp: the fields, and only what makes a frame
/// unreadable) and judging (frame_rules.hpp: the RFC's rules for the role, from the rules
/// table). The decoder buffers and calls them in the order the octets arrive.

#include "harness/codec/error.hpp"
#include "harness/codec/frame.hpp"
#include "harness/codec/frame_header.hpp"
#include "harness/codec/frame_rules.hpp"

#include <system_error>

namespace wsconform::codec {

struct decoder_options {
    masking_rule incoming_mask = masking_rule::any;
    /// Largest frame payload accepted (§10.4).
    std::uint64_t max_payload = 64ull * 1024 * 1024;
    /// RSV bits that a negotiated extension allows (4 = RSV1 for permessage-deflate).
    std::uint8_t allowed_rsv = 0;
    /// false: syntax only; frames that break RFC rules are returned as they are (for wire logs
    /// and fuzzing). The limit and an unrepresentable length are enforced in both modes.
    bool check_rules = true;
    /// Check Close bodies (length 1, code, UTF-8 reason). A caller that must record the code
    /// before judging it (the runner) turns this off and uses parse_close_payload itself.
    bool check_close_payload = true;
};

struct decode_result {
    enum class status : std::uint8_t { need_more, frame, error };
    status what = status::need_more;
    frame value;                    ///< when what == frame
    std::error_code error;          ///< when what == error (a protocol_error)
    std::uint64_t frame_offset = 0; ///< stream offset of the first byte of this frame
    std::uint64_t frame_size = 0;   ///< wire size of the frame (header + payload)
};

/// A frame as it lies in the decoder's buffer: the header fields and a view of the payload,
/// unmasked in place. Nothing is copied, so a reader that streams payloads or only looks at
/// headers allocates nothing per frame. Valid until the next feed(), next() or next_view().
struct frame_view {
    bool fin = true;
    std::uint8_t rsv = 0;
    opcode op = opcode::text;
    bool masked = false;
    mask_key key{};
    length_form form = length_form::len7;
    byte_view payload; ///< unmasked

    /// An owning copy with at most `payload_kept` bytes of the payload (a wire log keeps a
    /// cut; a header alone keeps none).
    frame to_frame(std::size_t payload_kept = static_cast<std::size_t>(-1)) const;
};

struct decode_view_result {
    using status = decode_result::status;
    status what = status::need_more;
    frame_view value;
    std::error_code error;
    std::uint64_t frame_offset = 0;
    std::uint64_t frame_size = 0;
};

class decoder {
  public:
    explicit decoder(decoder_options options = {})
        : options_(options), rules_(rule_options_of(options)) {}

    /// Starts a new stream with `options`, keeping the buffer's memory for reuse.
    void reset(decoder_options options);

    /// Appends bytes to the input.
    void feed(byte_view data);
    /// Takes the next frame out of the input, or tells that more bytes are needed, or reports
    /// the first violation. An error is sticky: every later call returns it again.
    decode_result next();
    /// As next(), without copying the payload (see frame_view).
    decode_view_result next_view();

    /// Bytes fed but not yet consumed by a returned frame.
    std::size_t buffered() const { return buffer_.size() - pos_; }
    /// Stream offset of the next unread byte.
    std::uint64_t offset() const { return consumed_; }
    /// True while a fragmented message waits for its continuation frames (§5.4).
    bool in_message() const { return rules_.in_message(); }
    const decoder_options& options() const { return options_; }

  private:
    static rule_options rule_options_of(const decoder_options& o) {
        return {o.incoming_mask, o.allowed_rsv, o.check_close_payload};
    }
    decode_view_result fail(protocol_error e);
    /// need_more, remembering that nothing can happen before `total` bytes are buffered.
    decode_view_result need(std::uint64_t total) {
        wanted_ = total;
        return {};
    }

    decoder_options options_;
    bytes buffer_;
    std::size_t pos_ = 0;
    /// Bytes the next frame needs before next() can say more than need_more: a payload fed in
    /// small reads is then waited for without parsing its header again on every read.
    std::uint64_t wanted_ = 2;
    std::uint64_t consumed_ = 0;
    /// The rules step; it also tracks the fragmentation state when check_rules is off, for
    /// in_message().
    frame_rules rules_;
    std::error_code error_;
    std::uint64_t error_offset_ = 0;
};

} // namespace wsconform::codec
