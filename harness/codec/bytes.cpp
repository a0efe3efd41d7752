#include "harness/codec/bytes.hpp"

#include <stdexcept>

namespace wsconform::codec {

bytes repeat(byte_view pattern, std::size_t n) {
    bytes out;
    out.reserve(n);
    if (pattern.empty())
        return out;
    while (out.size() < n) {
        auto take = std::min(pattern.size(), n - out.size());
        out.insert(out.end(), pattern.begin(), pattern.begin() + static_cast<std::ptrdiff_t>(take));
    }
    return out;
}

std::string to_hex(byte_view b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (byte c : b) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 0x0f]);
    }
    return s;
}

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
} // namespace

bool from_hex(std::string_view hex, bytes& out) {
    out.clear();
    int high = -1;
    for (char c : hex) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        int v = hex_value(c);
        if (v < 0)
            return false;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<byte>(high << 4 | v));
            high = -1;
        }
    }
    return high < 0;
}

bytes hex(std::string_view text) {
    bytes out;
    if (!from_hex(text, out))
        throw std::invalid_argument("bad hex literal: " + std::string(text));
    return out;
}

} // namespace wsconform::codec
