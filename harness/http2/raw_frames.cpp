#include "harness/http2/raw_frames.hpp"

#include <algorithm>
#include <string_view>

namespace wsconform::http2::raw {

namespace {

/// RFC 9113 §4.1: "Length: The length of the frame payload expressed as an unsigned 24-bit
/// integer".
constexpr std::size_t max_payload = (1U << 24U) - 1;
constexpr std::size_t header_size = 9;
/// RFC 9113 §4.1: "Reserved: A reserved 1-bit field ... MUST remain unset (0x0) when sending
/// and MUST be ignored when receiving."
constexpr std::uint32_t stream_mask = 0x7FFFFFFFU;

void put_be(codec::bytes& out, std::uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
        out.push_back(static_cast<codec::byte>(v >> (8 * i)));
}

std::uint32_t get_be(const codec::byte* p, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i)
        v = v << 8U | p[i];
    return v;
}

std::uint32_t stream_bits(std::int32_t stream) {
    return static_cast<std::uint32_t>(stream) & stream_mask;
}

codec::bytes make(frame_type type, std::uint8_t flags, std::int32_t stream, codec::bytes payload) {
    return encode({.type = static_cast<std::uint8_t>(type),
                   .flags = flags,
                   .stream = stream,
                   .payload = std::move(payload)});
}

/// RFC 7541 §5.1: "If the integer value is small enough, i.e., strictly less than 2^N-1, it
/// is encoded within the N-bit prefix. [...] Otherwise, all the bits of the prefix are set to
/// 1, and the value, decreased by 2^N-1, is encoded using a list of one or more octets. The
/// most significant bit of each octet is used as a continuation flag". `first` holds the bits
/// of the first octet above the prefix.
void put_hpack_integer(codec::bytes& out, std::uint8_t first, unsigned prefix_bits,
                       std::size_t value) {
    const std::size_t limit = (std::size_t{1} << prefix_bits) - 1;
    if (value < limit) {
        out.push_back(static_cast<codec::byte>(first | value));
        return;
    }
    out.push_back(static_cast<codec::byte>(first | limit));
    value -= limit;
    while (value >= 128) {
        out.push_back(static_cast<codec::byte>(value % 128 + 128));
        value /= 128;
    }
    out.push_back(static_cast<codec::byte>(value));
}

/// RFC 7541 §5.2: H (the top bit) 0 = the octets as they are, then a 7-bit-prefix length.
void put_string_literal(codec::bytes& out, std::string_view s) {
    put_hpack_integer(out, 0x00, 7, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

} // namespace

codec::bytes encode(const frame& f) {
    if (f.payload.size() > max_payload)
        return {};
    codec::bytes out;
    out.reserve(header_size + f.payload.size());
    put_be(out, static_cast<std::uint32_t>(f.payload.size()), 3);
    out.push_back(f.type);
    out.push_back(f.flags);
    put_be(out, stream_bits(f.stream), 4);
    out.insert(out.end(), f.payload.begin(), f.payload.end());
    return out;
}

codec::bytes settings(std::span<const std::pair<std::uint16_t, std::uint32_t>> entries) {
    codec::bytes payload;
    payload.reserve(entries.size() * 6);
    for (const auto& [id, value] : entries) {
        put_be(payload, id, 2);
        put_be(payload, value, 4);
    }
    return make(frame_type::settings, 0, 0, std::move(payload));
}

codec::bytes settings_ack() {
    return make(frame_type::settings, flag_ack, 0, {});
}

codec::bytes headers(std::int32_t stream, std::span<const codec::header_field> fields,
                     bool end_stream) {
    codec::bytes block;
    for (const auto& field : fields) {
        // RFC 7541 §6.2.2: "Literal Header Field without Indexing -- New Name": 0000 0000,
        // then the name and value strings. Not added to the dynamic table, so every block we
        // send decodes the same whatever came before.
        block.push_back(0x00);
        put_string_literal(block, field.name);
        put_string_literal(block, field.value);
    }
    const auto flags =
        static_cast<std::uint8_t>(flag_end_headers | (end_stream ? flag_end_stream : 0));
    return make(frame_type::headers, flags, stream, std::move(block));
}

codec::bytes rst_stream(std::int32_t stream, std::uint32_t code) {
    codec::bytes payload;
    put_be(payload, code, 4);
    return make(frame_type::rst_stream, 0, stream, std::move(payload));
}

codec::bytes window_update(std::int32_t stream, std::uint32_t increment) {
    codec::bytes payload;
    put_be(payload, increment, 4);
    return make(frame_type::window_update, 0, stream, std::move(payload));
}

codec::bytes goaway(std::int32_t last_stream, std::uint32_t code) {
    codec::bytes payload;
    put_be(payload, stream_bits(last_stream), 4);
    put_be(payload, code, 4);
    return make(frame_type::goaway, 0, 0, std::move(payload));
}

codec::bytes data(std::int32_t stream, codec::byte_view payload, bool end_stream) {
    return make(frame_type::data, end_stream ? flag_end_stream : 0, stream,
                codec::bytes(payload.begin(), payload.end()));
}

reader::reader(std::size_t max_frame) : max_frame_(max_frame) {}

void reader::feed(codec::byte_view bytes) {
    if (!error_.empty())
        return; // stopped for good: keeping the input would only grow memory
    // What was read already goes once it is at least half the buffer, so a long stream fed in
    // small pieces costs amortised O(1) per byte and the buffer stays within twice what is
    // unread.
    if (read_ > 0 && read_ >= buffer_.size() / 2) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_));
        read_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<frame> reader::next() {
    if (!error_.empty() || buffered() < header_size)
        return std::nullopt;
    const codec::byte* h = buffer_.data() + read_;
    const std::size_t length = get_be(h, 3);
    if (length > max_frame_) {
        error_ = "frame of type " + std::to_string(h[3]) + " declares a payload of " +
                 std::to_string(length) + " bytes, over the limit of " +
                 std::to_string(max_frame_) + " (RFC 9113 §4.2)";
        buffer_ = {};
        read_ = 0;
        return std::nullopt;
    }
    if (buffered() - header_size < length)
        return std::nullopt;
    frame f;
    f.type = h[3];
    f.flags = h[4];
    f.stream = static_cast<std::int32_t>(get_be(h + 5, 4) & stream_mask);
    f.payload.assign(h + header_size, h + header_size + length);
    read_ += header_size + length;
    return f;
}

std::optional<std::uint32_t> error_code(const frame& f) {
    if (f.type == static_cast<std::uint8_t>(frame_type::rst_stream) && f.payload.size() >= 4)
        return get_be(f.payload.data(), 4);
    if (f.type == static_cast<std::uint8_t>(frame_type::goaway) && f.payload.size() >= 8)
        return get_be(f.payload.data() + 4, 4);
    return std::nullopt;
}

std::optional<std::int32_t> goaway_last_stream(const frame& f) {
    if (f.type != static_cast<std::uint8_t>(frame_type::goaway) || f.payload.size() < 8)
        return std::nullopt;
    return static_cast<std::int32_t>(get_be(f.payload.data(), 4) & stream_mask);
}

std::optional<std::vector<std::pair<std::uint16_t, std::uint32_t>>>
settings_entries(const frame& f) {
    if (f.type != static_cast<std::uint8_t>(frame_type::settings) || f.payload.size() % 6 != 0)
        return std::nullopt;
    std::vector<std::pair<std::uint16_t, std::uint32_t>> out;
    out.reserve(f.payload.size() / 6);
    for (std::size_t at = 0; at < f.payload.size(); at += 6)
        out.emplace_back(static_cast<std::uint16_t>(get_be(f.payload.data() + at, 2)),
                         get_be(f.payload.data() + at + 2, 4));
    return out;
}

} // namespace wsconform::http2::raw
