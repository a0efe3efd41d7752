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

    /// host:port, an IPv6 literal in brackets.
    [[nodiscard]] std::string authority() const;
};

/// Parses a ws:// or wss:// URL; on failure returns nullopt and says why in `error`. The target
/// must be visible ASCII: it goes verbatim into the request line, where a space or CR LF would
/// change the request.
std::optional<target_url> parse_url(std::string_view url, std::string* error = nullptr);

/// A Web origin as the Origin header carries it (RFC 6454 §6.2): "scheme://host[:port]".
struct web_origin {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;  ///< explicit or the scheme's default (80 / 443)
    std::string port_suffix; ///< ":port" when the port was written, else empty
};

/// Parses "scheme://host[:port]" (no path, query, user information or fragment).
std::optional<web_origin> parse_origin(std::string_view origin, std::string* error = nullptr);

} // namespace wsconform::net
