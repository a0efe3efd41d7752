#include "harness/codec/decoder.hpp"

#include "harness/codec/encoder.hpp"

#include <algorithm>

namespace wsconform::codec {

void decoder::reset(decoder_options options) {
    options_ = options;
    buffer_.clear();
    pos_ = 0;
    wanted_ = 2;
    consumed_ = 0;
    rules_.reset(rule_options_of(options));
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

frame frame_view::to_frame(std::size_t payload_kept) const {
    frame f;
    f.fin = fin;
    f.rsv = rsv;
    f.op = op;
    f.masked = masked;
    f.key = key;
    f.form = form;
    const auto kept = payload.first(std::min(payload.size(), payload_kept));
    f.payload.assign(kept.begin(), kept.end());
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
    const bool rules = options_.check_rules;

    // Parse a step at a time and judge what each step shows at once, so a violation is
    // reported as early as a strict endpoint would see it: the first two octets, the length,
    // the payload.
    frame_header h = parse_first_two(p);
    if (rules)
        if (auto e = rules_.check_start(h))
            return fail(*e);
    if (const auto end = length_field_end(h); avail < end)
        return need(end);
    parse_length(h, p);
    if (rules)
        if (auto e = rules_.check_length(h))
            return fail(*e);
    if (auto e = length_error(h, options_.max_payload))
        return fail(*e);
    const std::size_t header = header_octets(h);
    if (avail < header)
        return need(header);
    parse_key(h, p);
    const std::uint64_t length = h.length;
    if (avail - header < length)
        return need(header + length);

    // The frame is consumed below, so its bytes may be unmasked where they lie.
    const std::span<byte> payload(p + header, static_cast<std::size_t>(length));
    if (h.masked)
        apply_mask(payload, h.key);
    if (rules)
        if (auto e = rules_.check_payload(h, payload))
            return fail(*e);
    rules_.accept(h);

    frame_view f;
    f.fin = h.fin;
    f.rsv = h.rsv;
    f.op = h.op;
    f.masked = h.masked;
    f.key = h.key;
    f.form = h.form;
    f.payload = payload;

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
