#pragma once
/// ws:// and wss:// target URLs (RFC 6455 §3).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsconform::net {

struct target_url {
    bool tls = false;
    std::string host;        ///< without brackets for IPv6 literals
    std::uint16_t port = 0;  ///< explicit or the scheme's default (80 / 443)
    std::string target;      ///< path and query, at least "/"
    std::string host_header; ///< Host header value: host, plus ":port" when not the default
    std::string text;        ///< normalised URL
};

/// Parses a ws:// or wss:// URL; on failure returns nullopt and says why in `error`.
std::optional<target_url> parse_url(std::string_view url, std::string* error = nullptr);

} // namespace wsconform::net
