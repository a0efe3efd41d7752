/// Fuzz target: the incremental frame decoder (codec/decoder.hpp).
///
/// Input: 3 configuration bytes, then the wire bytes.
///   [0] bits 0-1 incoming masking rule (0 required = server, 1 forbidden = client, 2-3 any)
///       bit 2 syntax only (check_rules off), bit 3 Close bodies unchecked,
///       bits 4-5 allowed RSV bits {none, RSV1, all, RSV3}
///   [1] bits 0-2 read size bound (see chunker), bits 3-5 max_payload
///       {0, 1, 125, 126, 65535, 65536, 1 MiB, 64 MiB}
///   [2] seed for the read sizes
///
/// Contract: every input yields frames, then either "need more" or one of the decoder's
/// documented errors, never UB; and
///  - the outcome does not depend on how the stream is cut into reads;
///  - each frame re-encodes to exactly the bytes it was decoded from, at the offset reported;
///  - a frame breaks no rule that is checked (restated in reference.hpp), an error names a
///    rule the bytes really break, and an error is sticky;
///  - "need more" is only said when the frame is really incomplete, and no header rule that
///    the available bytes already break is left unreported.

#include "fuzz/fuzz_support.hpp"
#include "fuzz/reference.hpp"
#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;
using status = decode_result::status;

/// What one next() said, without the frame: its content is pinned down by the re-encode
/// check, so offset and size are enough to compare two passes. Keeping PODs instead of
/// decode_results saves a payload copy per frame (allocations dominate the cost under ASan).
struct summary {
    status what;
    int error;
    std::uint64_t offset, size;
    friend bool operator==(const summary&, const summary&) = default;
};

/// Checks every result of one pass over `wire` as it comes. Both passes read views
/// (decoder::next_view; next() only copies the payload out), so no frame allocates: the judged
/// pass is checked against the reference, the compared one only for content.
class checker {
  public:
    checker(byte_view wire, const fz::ref::frame_rules& rules, std::uint64_t max_payload,
            std::vector<summary>& out, bool judge)
        : wire_(wire), rules_(rules), max_payload_(max_payload), out_(out), judge_(judge) {
        out_.clear();
    }

    void on_result(const decode_view_result& r) {
        const byte_view here = wire_.subspan(static_cast<std::size_t>(at_));
        out_.push_back({r.what, r.error.value(), r.frame_offset, r.frame_size});
        if (!judge_) {
            if (r.what == status::frame) {
                pin_content(r, here);
                at_ += r.frame_size;
            }
            return;
        }
        const auto verdict = fz::ref::judge_frame(here, rules_, in_message_);
        if (r.what == status::frame) {
            const frame_view& f = r.value;
            FUZZ_CHECK(r.frame_offset == at_, "frame offset is not where the previous one ended");
            FUZZ_CHECK(verdict.frame_complete && verdict.frame_size == r.frame_size,
                       "frame returned before all its bytes were there");
            FUZZ_CHECK(verdict.errors.empty(), "frame returned that breaks a checked rule");
            FUZZ_CHECK(f.form != length_form::minimal,
                       "decoded frame must record the length form it was sent with");
            FUZZ_CHECK(f.payload.size() <= max_payload_, "payload above max_payload");
            pin_content(r, here);
            if (f.op == opcode::text || f.op == opcode::binary)
                in_message_ = !f.fin;
            else if (f.op == opcode::continuation && f.fin)
                in_message_ = false;
            at_ += r.frame_size;
        } else if (r.what == status::error) {
            FUZZ_CHECK(r.frame_offset == at_, "error offset is not where the frame starts");
            FUZZ_CHECK(&r.error.category() == &protocol_category(),
                       "error outside the decoder's category");
            FUZZ_CHECK(r.error.value() >= 1 &&
                           r.error.value() <= static_cast<int>(protocol_error::payload_too_big),
                       "error value is not a documented protocol_error");
            const auto e = static_cast<protocol_error>(r.error.value());
            FUZZ_CHECK(verdict.errors.has(e), "error names a rule the bytes do not break");
            FUZZ_CHECK(e != protocol_error::invalid_utf8,
                       "the decoder does not judge text (the assembler does)");
        } else {
            FUZZ_CHECK(!verdict.frame_complete, "need_more although a whole frame is there");
            FUZZ_CHECK(verdict.errors.empty(),
                       "need_more although the available bytes already break a rule");
        }
    }

    std::uint64_t consumed() const { return at_; }

  private:
    /// The frame re-encodes to exactly the bytes it was decoded from: the header from the same
    /// fields with an empty payload that declares the real length, then the payload masked.
    static void pin_content(const decode_view_result& r, byte_view here) {
        const frame_view& v = r.value;
        FUZZ_CHECK(r.frame_size >= v.payload.size() && r.frame_size <= here.size(),
                   "frame size does not fit the stream");
        header_ = v.to_frame(0);
        header_.declared_length = v.payload.size();
        scratch_.clear();
        encode(header_, scratch_);
        const std::size_t header_size = scratch_.size();
        FUZZ_CHECK(header_size + v.payload.size() == r.frame_size &&
                       std::equal(scratch_.begin(), scratch_.end(), here.begin()),
                   "frame header does not re-encode to the bytes it came from");
        const byte_view sent = here.subspan(header_size, v.payload.size());
        for (std::size_t i = 0; i < sent.size(); ++i)
            FUZZ_CHECK((v.payload[i] ^ (v.masked ? v.key[i & 3] : 0)) == sent[i],
                       "payload is not the bytes sent, unmasked");
    }

    byte_view wire_;
    fz::ref::frame_rules rules_;
    std::uint64_t max_payload_;
    std::vector<summary>& out_;
    bool judge_;
    std::uint64_t at_ = 0;
    bool in_message_ = false;
    static inline bytes scratch_; // reused: one header encode per frame, no allocation
    static inline frame header_;  // its payload stays empty: no allocation
};

// One decoder per pass, reset for each input: its buffer is allocated once, not per input.
decoder& reused_decoder(int pass, const decoder_options& options) {
    static std::array<decoder, 2> decoders;
    decoders[pass].reset(options);
    return decoders[pass];
}

void decode_whole(const decoder_options& options, byte_view wire, checker& check) {
    decoder& d = reused_decoder(0, options);
    d.feed(wire);
    for (;;) {
        const auto r = d.next_view();
        check.on_result(r);
        if (r.what == status::frame)
            continue;
        if (r.what == status::error) {
            // Sticky: asking again gives the same error at the same offset.
            const auto again = d.next_view();
            FUZZ_CHECK(again.what == status::error && again.error == r.error &&
                           again.frame_offset == r.frame_offset,
                       "error is not sticky");
        } else {
            FUZZ_CHECK(d.offset() == check.consumed() &&
                           d.buffered() == wire.size() - check.consumed(),
                       "offset() or buffered() is wrong");
        }
        return;
    }
}

void decode_chunked(const decoder_options& options, byte_view wire, fz::chunker& cuts,
                    checker& check) {
    decoder& d = reused_decoder(1, options);
    bool stopped = false;
    cuts.run(wire, [&](byte_view piece) {
        if (stopped)
            return;
        d.feed(piece);
        for (;;) {
            const auto r = d.next_view();
            if (r.what == status::need_more)
                return;
            check.on_result(r);
            if (r.what == status::error) {
                stopped = true;
                return;
            }
        }
    });
    if (!stopped)
        check.on_result(d.next_view()); // the final need_more
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte c0 = in.u8(), c1 = in.u8(), seed = in.u8();
    const byte_view wire = in.rest();

    static constexpr std::array<std::uint64_t, 8> limits = {0,     1,     125,      126,
                                                            65535, 65536, 1u << 20, 64ull << 20};
    static constexpr std::array<std::uint8_t, 4> rsv_choices = {0, 4, 7, 1};
    decoder_options options;
    fz::ref::frame_rules rules;
    switch (c0 & 3) {
    case 0:
        options.incoming_mask = masking_rule::required;
        rules.incoming = fz::ref::frame_rules::mask::required;
        break;
    case 1:
        options.incoming_mask = masking_rule::forbidden;
        rules.incoming = fz::ref::frame_rules::mask::forbidden;
        break;
    default:
        options.incoming_mask = masking_rule::any;
        rules.incoming = fz::ref::frame_rules::mask::any;
        break;
    }
    options.check_rules = rules.check_rules = (c0 & 4) == 0;
    options.check_close_payload = rules.check_close = (c0 & 8) == 0;
    options.allowed_rsv = rules.allowed_rsv = rsv_choices[(c0 >> 4) & 3];
    options.max_payload = rules.max_payload = limits[(c1 >> 3) & 7];

    // One pass with everything in one read, judged by the reference; one cut into reads as
    // the input says, which must say the same things (skipped when the input chose one read).
    static std::vector<summary> whole, chunked;
    checker whole_check(wire, rules, options.max_payload, whole, true);
    decode_whole(options, wire, whole_check);
    if ((c1 & 7) != 0) {
        fz::chunker cuts(c1 & 7, seed);
        checker chunked_check(wire, rules, options.max_payload, chunked, false);
        decode_chunked(options, wire, cuts, chunked_check);
        FUZZ_CHECK(whole == chunked, "cutting the stream into reads changed the results");
    }
    return 0;
}
