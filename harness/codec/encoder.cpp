#include "harness/codec/encoder.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace wsconform::codec {

namespace {
length_form effective_form(const frame& f) {
    auto len = f.header_length();
    switch (f.form) {
    case length_form::len7:
        if (len <= 125)
            return length_form::len7;
        [[fallthrough]];
    case length_form::minimal:
        if (len <= 125)
            return length_form::len7;
        return len <= 0xffff ? length_form::len16 : length_form::len64;
    case length_form::len16:
        return len <= 0xffff ? length_form::len16 : length_form::len64;
    case length_form::len64:
        return length_form::len64;
    }
    return length_form::len64;
}
} // namespace

std::size_t header_size(const frame& f) {
    std::size_t n = 2 + (f.masked ? 4 : 0);
    switch (effective_form(f)) {
    case length_form::len16:
        return n + 2;
    case length_form::len64:
        return n + 8;
    default:
        return n;
    }
}

void encode(const frame& f, bytes& out) {
    auto len = f.header_length();
    out.reserve(out.size() + header_size(f) + f.payload.size());
    out.push_back(static_cast<byte>((f.fin ? 0x80 : 0) | (f.rsv & 7) << 4 | nibble(f.op)));
    const byte mask_bit = f.masked ? 0x80 : 0;
    switch (effective_form(f)) {
    case length_form::len16:
        out.push_back(mask_bit | 126);
        out.push_back(static_cast<byte>(len >> 8));
        out.push_back(static_cast<byte>(len));
        break;
    case length_form::len64:
        out.push_back(mask_bit | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(static_cast<byte>(len >> shift));
        break;
    default:
        out.push_back(static_cast<byte>(mask_bit | len));
        break;
    }
    if (f.masked)
        out.insert(out.end(), f.key.begin(), f.key.end());
    auto start = out.size();
    out.insert(out.end(), f.payload.begin(), f.payload.end());
    if (f.masked)
        apply_mask(std::span<byte>(out).subspan(start), f.key);
}

bytes encode(const frame& f) {
    bytes out;
    encode(f, out);
    return out;
}

void apply_mask(std::span<byte> data, const mask_key& key, std::uint64_t offset) {
    // Eight bytes at a time with the key turned to this offset's phase: 12.x/13.x and 9.x
    // mask gigabytes, and a byte loop indexing the key costs several times more.
    std::array<byte, 8> phased;
    for (std::size_t i = 0; i < phased.size(); ++i)
        phased[i] = key[(offset + i) & 3];
    std::uint64_t word_key;
    std::memcpy(&word_key, phased.data(), sizeof word_key);
    std::size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data.data() + i, sizeof word);
        word ^= word_key;
        std::memcpy(data.data() + i, &word, sizeof word);
    }
    for (; i < data.size(); ++i)
        data[i] ^= phased[i & 7];
}

mask_key mask_source::next() {
    auto v = rng_();
    return {static_cast<byte>(v), static_cast<byte>(v >> 8), static_cast<byte>(v >> 16),
            static_cast<byte>(v >> 24)};
}

void mask(frame& f, mask_source& keys) {
    f.masked = true;
    f.key = keys.next();
}

std::vector<byte_view> chop(byte_view data, std::size_t chunk) {
    std::vector<byte_view> pieces;
    if (chunk == 0 || data.size() <= chunk) {
        pieces.push_back(data);
        return pieces;
    }
    for (std::size_t at = 0; at < data.size(); at += chunk)
        pieces.push_back(data.subspan(at, std::min(chunk, data.size() - at)));
    return pieces;
}

} // namespace wsconform::codec
