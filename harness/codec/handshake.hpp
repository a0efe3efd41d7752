#pragma once
/// The opening handshake (RFC 6455 §4): a request builder that can produce any request, valid
/// or not (headers added, duplicated, removed or mis-spelt), and a response validator that uses
/// Boost.Beast's HTTP parser for the HTTP part. No I/O.

#include "harness/codec/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsconform::codec {

/// base64 (RFC 4648) through OpenSSL.
std::string base64_encode(byte_view data);
/// Sec-WebSocket-Accept for a key (§4.2.2: base64(SHA-1(key + GUID))), SHA-1 from OpenSSL.
std::string compute_accept(std::string_view key);
/// A fresh Sec-WebSocket-Key: base64 of 16 random bytes (§4.1).
std::string make_key();

struct header_field {
    std::string name;
    std::string value;
    friend bool operator==(const header_field&, const header_field&) = default;
};

bool iequals(std::string_view a, std::string_view b);

/// Every value of a comma-separated header across all its lines, trimmed (RFC 9110 §5.6.1).
std::vector<std::string> header_list(const std::vector<header_field>& headers,
                                     std::string_view name);

/// The extension names of Sec-WebSocket-Extensions lines ("permessage-deflate; x=1" ->
/// "permessage-deflate"), in order (RFC 6455 §9.1).
std::vector<std::string> extension_names(const std::vector<header_field>& headers);

/// An HTTP/1.1 request kept as ordered lines so any of them can be broken on purpose.
struct upgrade_request {
    std::string method = "GET";
    std::string target = "/";
    std::string version = "HTTP/1.1";
    std::vector<header_field> headers;

    /// Appends a header line (a second one with the same name makes a duplicate).
    upgrade_request& add(std::string name, std::string value);
    /// Replaces every header of that name (case-insensitive) by one line, or appends it.
    upgrade_request& set(std::string_view name, std::string value);
    /// Removes every header of that name (case-insensitive).
    upgrade_request& remove(std::string_view name);
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> list(std::string_view name) const {
        return header_list(headers, name);
    }
    std::string serialize() const;
};

/// A conforming request (§4.1): GET target, Host, Upgrade, Connection, Sec-WebSocket-Key,
/// Sec-WebSocket-Version: 13.
upgrade_request make_upgrade_request(std::string_view host, std::string_view target,
                                     std::string_view key);

/// What the client offered, so the response can be judged (§4.1 client requirements 5-6 of
/// the response checks).
struct upgrade_offer {
    std::string key;
    std::vector<std::string> protocols;  ///< Sec-WebSocket-Protocol values offered
    std::vector<std::string> extensions; ///< extension names offered
};

struct upgrade_response {
    unsigned status = 0;
    std::string reason;
    std::vector<header_field> headers;
    std::size_t header_bytes = 0; ///< bytes of the input that the HTTP header took
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> list(std::string_view name) const {
        return header_list(headers, name);
    }
};

enum class response_parse_status : std::uint8_t { need_more, complete, malformed };

/// Parses the HTTP response header at the start of `data` (bytes after it belong to the
/// WebSocket stream). `error` gets Beast's message when malformed.
response_parse_status parse_response(std::string_view data, upgrade_response& out,
                                     std::string* error = nullptr);

/// One thing wrong with a server's opening-handshake response, with the RFC clause.
struct handshake_problem {
    std::string what;
    std::string section;
    /// What it is about, for checks of one part at a time: the header's name, or
    /// "request-line" (check_request fills it; empty where nobody asks).
    std::string about{};
};

/// The part of the response checks over HTTP/1.1 and HTTP/2 alike (§4.1): only extensions and
/// a subprotocol the request offered. Adds what is wrong to `problems`.
void check_negotiation(const upgrade_response& r, const upgrade_offer& offer,
                       std::vector<handshake_problem>& problems);

/// Checks a parsed response against §4.1's client requirements for the response.
std::vector<handshake_problem> check_response(const upgrade_response& r,
                                              const upgrade_offer& offer);

} // namespace wsconform::codec
