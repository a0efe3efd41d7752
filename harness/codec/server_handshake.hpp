#pragma once
/// The server side of the opening handshake (RFC 6455 §4.2): a request parser on Boost.Beast's
/// HTTP parser, the checks a server makes of a client's request (§4.1, §4.2.1), and a response
/// builder that can write any response, valid or not. No I/O.

#include "harness/codec/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsconform::codec {

enum class request_parse_status : std::uint8_t { need_more, complete, malformed };

/// Parses the HTTP request header at the start of `data`. Bytes after it belong to the
/// WebSocket stream (a body the header announces is not read): `header_bytes` says how many
/// the header took. `out` gets the method, target, version ("HTTP/1.1") and every header line
/// in order, duplicates kept. `out` and `header_bytes` are written only when complete; `error`
/// gets Beast's message when malformed (a header over 64 KiB is malformed too).
request_parse_status parse_request(std::string_view data, upgrade_request& out,
                                   std::size_t& header_bytes, std::string* error = nullptr);

/// Every defect of a client's opening-handshake request a server can see (§4.1, §4.2.1), in
/// this order: method, HTTP version, request-target, Host, Upgrade, Connection,
/// Sec-WebSocket-Key, Sec-WebSocket-Version, Sec-WebSocket-Protocol, then one problem per
/// permessage-deflate offer a server must decline (RFC 7692 §5, §7; its `rfc_reference`).
/// Sections without "RFC" are RFC 6455's. Header values are read without surrounding
/// whitespace (OWS is not part of a field value, RFC 9110 §5.5). Empty: a valid request.
std::vector<handshake_problem> check_request(const upgrade_request& r);

/// The Sec-WebSocket-Version asked for: one header line whose value is §4.3's `version`
/// (1*DIGIT in 0..255 without a leading zero), or nullopt.
std::optional<int> requested_version(const upgrade_request& r);

/// Whether `key` is the base64 of exactly 16 bytes (§4.2.1 item 5): 22 characters of the
/// RFC 4648 alphabet and "==". Pad bits that are not zero still decode to 16 bytes and pass.
bool valid_key(std::string_view key);

/// An HTTP response kept as ordered lines, so any of them can be broken on purpose: written
/// exactly as held, with no validation and no header added.
struct upgrade_response_builder {
    std::string version = "HTTP/1.1";
    unsigned status = 101;
    std::string reason = "Switching Protocols";
    std::vector<header_field> headers;
    std::string body; ///< written after the header as is (no Content-Length is added)

    /// Appends a header line (a second one with the same name makes a duplicate).
    upgrade_response_builder& add(std::string name, std::string value);
    /// Replaces every header of that name (case-insensitive) by one line, or appends it.
    upgrade_response_builder& set(std::string_view name, std::string value);
    /// Removes every header of that name (case-insensitive).
    upgrade_response_builder& remove(std::string_view name);
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> list(std::string_view name) const {
        return header_list(headers, name);
    }
    std::string serialize() const;
};

/// A conforming 101 (§4.2.2 item 5): Upgrade: websocket, Connection: Upgrade and
/// Sec-WebSocket-Accept for `key` (the Sec-WebSocket-Key value; surrounding whitespace is
/// dropped), then `extra` in order (Sec-WebSocket-Protocol, Sec-WebSocket-Extensions, ...).
upgrade_response_builder make_accept_response(std::string_view key,
                                              const std::vector<header_field>& extra = {});

/// A refusal with `status` (a 4xx such as 400 or 426) and `reason`, ending the exchange with
/// Content-Length: 0. With `with_version_13`, Sec-WebSocket-Version: 13 names the version this
/// server understands (§4.2.2 /version/, §4.4). A 426 also carries Upgrade: websocket and
/// Connection: Upgrade (RFC 9110 §15.5.22: "The server MUST send an Upgrade header field in a
/// 426 response"; §7.8: a sender of Upgrade also sends the "upgrade" connection option).
upgrade_response_builder make_refusal(unsigned status, std::string_view reason,
                                      bool with_version_13);

} // namespace wsconform::codec
