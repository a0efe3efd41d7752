#pragma once
/// A case's opening handshake over HTTP/2 (RFC 8441): on a stream of the run's shared HTTP/2
/// connection, the extended CONNECT made from the case's request, the response judged by RFC
/// 8441 §5 (200, no Sec-WebSocket-Accept) and, as over HTTP/1.1, the extensions and the
/// subprotocol; then the stream carries the WebSocket (the case's transport adopts it).

#include "harness/runner/opening_handshake.hpp"

namespace wsconform::runner {

/// Why case `c` does not run over HTTP/2: its request is about HTTP/1.1's upgrade (a broken
/// request line, header or version, a request in pieces or trickled, frames sent with it), or
/// nothing.
std::optional<std::string> not_over_http2(const case_def& c);

/// open_websocket over `settings.http2`.
boost::asio::awaitable<opening> open_extended_connect(const case_def& c,
                                                      const session_settings& settings,
                                                      std::shared_ptr<case_socket> socket,
                                                      case_result& record);

} // namespace wsconform::runner
