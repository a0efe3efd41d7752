#pragma once
/// The client's text handling, without I/O: the URL it is given, the query values it writes,
/// the server's handshake response headers it checks, the case count Autobahn sends, and what it
/// prints of what a server sent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsconform::client {

/// A ws:// or wss:// URL (RFC 6455 §3), as far as the opening handshake needs it.
struct ws_url {
    bool tls = false;
    std::string host; ///< without brackets for IPv6 literals
    std::uint16_t port = 0;
    std::string target; ///< path and query, at least "/"
    std::string host_header;

    [[nodiscard]] std::string authority() const; ///< host:port, IPv6 literals in brackets
    [[nodiscard]] std::string text() const;      ///< the normalised URL
};

/// Parses a ws:// or wss:// URL; on failure returns nothing and says why in `error`.
std::optional<ws_url> parse_url(std::string_view text, std::string& error);

/// Percent-encodes all but RFC 3986's unreserved characters (§2.3), for a query value.
std::string percent_encode(std::string_view text);

/// What a peer wrote, made fit for one line of our stderr: no control characters, bounded.
std::string printable(std::string_view text, std::size_t limit = 160);

/// The case count Autobahn's /getCaseCount sends, a JSON number (e.g. "517"), up to `max`.
std::optional<unsigned> parse_case_count(std::string_view text, unsigned max);

/// The checks RFC 6455 §4.1 and RFC 7692 §7.1 ask of a client on the server's 101 response that
/// Beast 1.81 does not make: `extensions` is every Sec-WebSocket-Extensions line joined with
/// ", ", `has_protocol` whether a Sec-WebSocket-Protocol header came, `offered_deflate` whether
/// the request offered permessage-deflate (Beast's offer: both window-bits parameters). Returns
/// why the client must fail the connection, if it must.
std::optional<std::string> check_negotiation(std::string_view extensions, bool has_protocol,
                                             bool offered_deflate);

} // namespace wsconform::client
