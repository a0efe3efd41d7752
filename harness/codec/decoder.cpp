#include "harness/codec/decoder.hpp"

#include "harness/codec/encoder.hpp"

namespace wsconform::codec {

void decoder::reset(decoder_options options) {
    options_ = options;
    buffer_.clear();
    pos_ = 0;
    wanted_ = 2;
    consumed_ = 0;
    in_message_ = false;
    error_.clear();
    error_offset_ = 0;
}

void decoder::feed(byte_view data) {
    // Compact lazily so one-byte feeding stays linear.
    if (pos_ > 0 && (pos_ >= buffer_.size() / 2 || buffer_.size() - pos_ < 64)) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
    }
    buffer_.insert(buffer_.end(), data.begin(), data.end());
}

frame frame_view::to_frame() const {
    frame f;
    f.fin = fin;
    f.rsv = rsv;
    f.op = op;
    f.masked = masked;
    f.key = key;
    f.form = form;
    f.payload.assign(payload.begin(), payload.end());
    return f;
}

decode_view_result decoder::fail(protocol_error e) {
    error_ = make_error_code(e);
    error_offset_ = consumed_;
    decode_view_result r;
    r.what = decode_result::status::error;
    r.error = error_;
    r.frame_offset = error_offset_;
    return r;
}

decode_result decoder::next() {
    const auto v = next_view();
    decode_result r;
    r.what = v.what;
    r.error = v.error;
    r.frame_offset = v.frame_offset;
    r.frame_size = v.frame_size;
    if (v.what == decode_result::status::frame)
        r.value = v.value.to_frame();
    return r;
}

decode_view_result decoder::next_view() {
    if (error_) {
        decode_view_result r;
        r.what = decode_result::status::error;
        r.error = error_;
        r.frame_offset = error_offset_;
        return r;
    }
    const std::size_t avail = buffer_.size() - pos_;
    if (avail < wanted_)
        return {};
    byte* p = buffer_.data() + pos_;

    frame_view f;
    f.fin = (p[0] & 0x80) != 0;
    f.rsv = static_cast<std::uint8_t>((p[0] >> 4) & 7);
    f.op = opcode_from_nibble(p[0]);
    f.masked = (p[1] & 0x80) != 0;
    const byte len7 = p[1] & 0x7f;
    const bool rules = options_.check_rules;

    // Header checks that need no more than the first two bytes come first, so a violation is
    // reported as early as a strict endpoint would see it.
    if (rules) {
        // reserved bits
        if ((f.rsv & ~options_.allowed_rsv) != 0)
            return fail(protocol_error::reserved_bits_set);
        // reserved opcode
        if (is_reserved(f.op))
            return fail(protocol_error::reserved_opcode);
        if (is_control(f.op)) {
            // fragmented control frame
            if (!f.fin)
                return fail(protocol_error::control_frame_fragmented);
            // (its length is judged once the extended length is read: a short payload in a
            // long form is only non-minimal)
        }
        // masking for the role
        if (options_.incoming_mask == masking_rule::required && !f.masked)
            return fail(protocol_error::mask_missing);
        if (options_.incoming_mask == masking_rule::forbidden && f.masked)
            return fail(protocol_error::mask_unexpected);
        // fragmentation state
        if (f.op == opcode::continuation && !in_message_)
            return fail(protocol_error::unexpected_continuation);
        if ((f.op == opcode::text || f.op == opcode::binary) && in_message_)
            return fail(protocol_error::missing_continuation);
    }

    std::size_t header = 2;
    std::uint64_t length = len7;
    if (len7 == 126) {
        if (avail < 4)
            return need(4);
        length = std::uint64_t(p[2]) << 8 | p[3];
        header = 4;
        f.form = length_form::len16;
        if (rules && is_control(f.op) && length > 125)
            return fail(protocol_error::control_frame_too_long);
        if (rules && length < 126)
            return fail(protocol_error::non_minimal_length);
    } else if (len7 == 127) {
        if (avail < 10)
            return need(10);
        length = 0;
        for (int i = 0; i < 8; ++i)
            length = length << 8 | p[2 + i];
        header = 10;
        f.form = length_form::len64;
        if (rules && is_control(f.op) && length > 125)
            return fail(protocol_error::control_frame_too_long);
        // Always an error: such a length cannot be represented, so no mode may wait for it.
        if (length >> 63)
            return fail(protocol_error::length_msb_set);
        if (rules && length <= 0xffff)
            return fail(protocol_error::non_minimal_length);
    } else {
        f.form = length_form::len7;
    }
    if (length > options_.max_payload)
        return fail(protocol_error::payload_too_big);
    if (f.masked) {
        if (avail < header + 4)
            return need(header + 4);
        std::copy(p + header, p + header + 4, f.key.begin());
        header += 4;
    }
    if (avail - header < length)
        return need(header + length);

    // The frame is consumed below, so its bytes may be unmasked where they lie.
    const std::span<byte> payload(p + header, static_cast<std::size_t>(length));
    if (f.masked)
        apply_mask(payload, f.key);
    f.payload = payload;

    if (rules && options_.check_close_payload && f.op == opcode::close) {
        close_payload cp;
        if (auto e = close_payload_error(parse_close_payload(f.payload, cp)))
            return fail(*e);
    }
    if (f.op == opcode::text || f.op == opcode::binary)
        in_message_ = !f.fin;
    else if (f.op == opcode::continuation && f.fin)
        in_message_ = false;

    decode_view_result r;
    r.what = decode_result::status::frame;
    r.frame_offset = consumed_;
    r.frame_size = header + length;
    r.value = f;
    pos_ += header + length;
    consumed_ += header + length;
    wanted_ = 2;
    return r;
}

} // namespace wsconform::codec
