#pragma once
/// The opening handshake of WebSocket over HTTP/2 (RFC 8441 §4-5): the extended CONNECT
/// request made from the HTTP/1.1 request a case plans, and the checks of its response. Header
/// lists only; HTTP/2 framing and HPACK are libnghttp2's (harness/http2).

#include "harness/codec/handshake.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsconform::codec {

/// The extended CONNECT for `request` (RFC 8441 §4): `:method CONNECT`, `:protocol websocket`,
/// `:scheme`, `:path` (the request's target), `:authority`, then the request's header fields
/// in lower case (RFC 9113 §8.2.1), without those HTTP/2 has no place for: Host (its value is
/// `:authority`), Connection, Upgrade and the other connection-specific fields (§8.2.2), and
/// Sec-WebSocket-Key (RFC 8441 §5: no key, no accept).
std::vector<header_field> extended_connect(const upgrade_request& request, std::string_view scheme,
                                           std::string_view authority);

/// An HTTP/2 response's header list (pseudo-headers included) as an upgrade_response: status
/// from `:status` (0 when missing or not three digits), the other fields as they came.
upgrade_response connect_response(std::span<const header_field> fields);

/// Header lists one field per line ("name: value"), for the wire record.
std::string render_fields(std::span<const header_field> fields);

/// The checks of a response to an extended CONNECT (RFC 8441 §5): a 2xx status; no
/// Sec-WebSocket-Accept (there was no key); no connection-specific field (RFC 9113 §8.2.2: a
/// malformed response); and, as over HTTP/1.1, only the extensions and the subprotocol the
/// request offered (RFC 6455 §4.1).
std::vector<handshake_problem> check_connect_response(const upgrade_response& r,
                                                      const upgrade_offer& offer);

} // namespace wsconform::codec
