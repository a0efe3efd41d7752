#include "client/text.hpp"

#include <charconv>
#include <string>
#include <system_error>

namespace wsconform::client {

std::string percent_encode(std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[b >> 4U];
            out += hex[b & 0xFU];
        }
    }
    return out;
}

std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit))
        out += (c >= ' ' && c < 0x7f) ? c : '?';
    if (text.size() > limit)
        out += "...";
    return out;
}

std::optional<unsigned> parse_case_count(std::string_view text, unsigned max) {
    while (!text.empty() && std::string_view(" \t\r\n").find(text.front()) != std::string::npos)
        text.remove_prefix(1);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string::npos)
        text.remove_suffix(1);
    unsigned count = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, count);
    if (text.empty() || ec != std::errc{} || ptr != end || count > max)
        return std::nullopt;
    return count;
}

} // namespace wsconform::client
