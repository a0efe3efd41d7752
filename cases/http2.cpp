// [H2] WebSocket over HTTP/2 (RFC 8441), where no tester had cases: the setting that opens it,
// extended CONNECT requests a server must refuse as malformed (and keep serving), how a stream
// ends, many streams on one connection, flow control both ways and the server's stream limit.
// Each runs on HTTP/2 connections of its own (runner/http2_checks.cpp), with --http2 only.
// Autobahn's cases run over HTTP/2 too, as scripted connections on a shared connection.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {
using kind = runner::http2_check::kind;

const runner::requirement malformed_is_stream_error =
    must("RFC 9113 8.1.1", "Malformed requests or responses that are detected MUST be treated as a "
                           "stream error (Section 5.4.2) of type PROTOCOL_ERROR.");
const runner::requirement scheme_and_path = must(
    "RFC 8441 4", "On requests that contain the :protocol pseudo-header field, the :scheme and "
                  ":path pseudo-header fields of the target URI (see Section 5) MUST also be "
                  "included.");
const runner::requirement no_connection_fields =
    must("RFC 9113 8.2.2", "An endpoint MUST NOT generate an HTTP/2 message containing "
                           "connection-specific header fields. [...] Any message containing "
                           "connection-specific header fields MUST be treated as malformed "
                           "(Section 8.1.1).");
const runner::requirement setting_values =
    must("RFC 8441 3", "The value of the parameter MUST be 0 or 1.");
const runner::requirement close_underlying = must(
    "RFC 6455 5.5.1", "After both sending and receiving a Close message, an endpoint considers "
                      "the WebSocket connection closed and MUST close the underlying TCP "
                      "connection.");
const runner::requirement respect_window = must(
    "RFC 9113 6.9.1", "A sender MUST NOT send a flow-controlled frame with a length that exceeds "
                      "the space available in either of the flow-control windows advertised by "
                      "the receiver.");
const runner::requirement stream_limit = must(
    "RFC 9113 5.1.2", "An endpoint that receives a HEADERS frame that causes its advertised "
                      "concurrent stream limit to be exceeded MUST treat this as a stream error "
                      "(Section 5.4.2) of type PROTOCOL_ERROR or REFUSED_STREAM.");

struct h2_case {
    std::string id;
    std::string subgroup;
    std::string title;
    std::string expectation;
    std::string rfc;
    kind what;
    std::vector<runner::requirement> musts;
};
} // namespace

void add_http2_cases(std::vector<case_def>& out) {
    const std::string refused =
        " Refused: RST_STREAM(PROTOCOL_ERROR), or a 4xx/5xx answer (RFC 9113 8.1.1 allows a "
        "response before the reset); then a new extended CONNECT on the same connection is "
        "echoed. A 2xx is FAILED; ending the whole connection (GOAWAY) instead of the stream is "
        "NON-STRICT (RFC 9113 5.4: allowed, but every other stream goes with it).";
    const std::vector<h2_case> cases = {
        {"H2.1.1",
         "Settings",
         "The server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1",
         "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 in the server's SETTINGS (OK); absent or 0 is "
         "UNIMPLEMENTED (no WebSocket over HTTP/2); another value is FAILED.",
         "RFC 8441 3",
         kind::setting_advertised,
         {setting_values}},
        {"H2.1.2",
         "Settings",
         "We send SETTINGS_ENABLE_CONNECT_PROTOCOL = 2",
         "A connection error: GOAWAY(PROTOCOL_ERROR) and the connection closed (OK). Closing "
         "without GOAWAY, or GOAWAY with another code, is NON-STRICT; letting it pass is "
         "NON-STRICT too (the value MUST be 0 or 1, and RFC 9113 6.5.2 makes the like value of "
         "SETTINGS_ENABLE_PUSH a PROTOCOL_ERROR).",
         "RFC 8441 3",
         kind::setting_value_two,
         {}},
        {"H2.2.1",
         "Malformed extended CONNECT",
         "A CONNECT with :scheme and :path but no :protocol",
         "A CONNECT without :protocol has no :scheme or :path (RFC 9113 8.5): malformed." + refused,
         "RFC 9113 8.5, 8.1.1",
         kind::without_protocol,
         {malformed_is_stream_error}},
        {"H2.2.2",
         "Malformed extended CONNECT",
         "An extended CONNECT without :scheme",
         "Malformed (RFC 8441 4)." + refused,
         "RFC 8441 4",
         kind::without_scheme,
         {scheme_and_path, malformed_is_stream_error}},
        {"H2.2.3",
         "Malformed extended CONNECT",
         "An extended CONNECT without :path",
         "Malformed (RFC 8441 4)." + refused,
         "RFC 8441 4",
         kind::without_path,
         {scheme_and_path, malformed_is_stream_error}},
        {"H2.2.4",
         "Malformed extended CONNECT",
         "An extended CONNECT without :authority",
         "Malformed (RFC 9113 8.5: a CONNECT names its authority)." + refused,
         "RFC 9113 8.5, 8.1.1",
         kind::without_authority,
         {malformed_is_stream_error}},
        {"H2.2.5",
         "Malformed extended CONNECT",
         ":protocol websocket on a GET",
         ":protocol belongs to the extended CONNECT only (RFC 8441 4)." + refused,
         "RFC 8441 4, RFC 9113 8.1.1",
         kind::protocol_on_get,
         {malformed_is_stream_error}},
        {"H2.2.6",
         "Malformed extended CONNECT",
         "An extended CONNECT with a Connection: upgrade header",
         "A connection-specific field makes it malformed." + refused,
         "RFC 9113 8.2.2",
         kind::connection_header,
         {no_connection_fields, malformed_is_stream_error}},
        {"H2.2.7",
         "Malformed extended CONNECT",
         "An extended CONNECT with an Upgrade: websocket header",
         "A connection-specific field makes it malformed." + refused,
         "RFC 9113 8.2.2",
         kind::upgrade_header,
         {no_connection_fields, malformed_is_stream_error}},
        {"H2.2.8",
         "Malformed extended CONNECT",
         "An extended CONNECT for a protocol the server does not speak",
         "Refused with a 4xx/5xx (501 Not Implemented fits) or a stream reset, and the "
         "connection keeps serving. Accepting it as a WebSocket is NON-STRICT: the client asked "
         "for another protocol.",
         "RFC 8441 4",
         kind::unknown_protocol,
         {}},
        {"H2.2.9",
         "Malformed extended CONNECT",
         "END_STREAM on the extended CONNECT's HEADERS",
         "The client ended its side before the tunnel opened (dotnet/runtime#72301): refused, or "
         "answered and the stream ended by the server within 5 s (OK). A stream left open is "
         "NON-STRICT (a leak: END_STREAM is the client's TCP FIN, RFC 8441 5).",
         "RFC 8441 5",
         kind::end_stream_on_connect,
         {}},
        {"H2.3.1",
         "Stream endings",
         "Closing handshake, then END_STREAM both ways",
         "After the closing handshake the server ends its stream with END_STREAM (a "
         "RST_STREAM(NO_ERROR) may follow, RFC 9113 8.1) and sends no other RST_STREAM or "
         "GOAWAY (OK). RST_STREAM(CANCEL), GOAWAY, a dropped connection or a stream left open "
         "are FAILED: END_STREAM is the orderly TCP close of RFC 6455 (RFC 8441 5).",
         "RFC 8441 5, RFC 6455 5.5.1",
         kind::orderly_close,
         {close_underlying}},
        {"H2.3.2",
         "Stream endings",
         "RST_STREAM(CANCEL) in the middle of a message",
         "The stream is gone (a TCP RST, RFC 8441 5); a new extended CONNECT on the same "
         "connection is echoed (OK). Otherwise NON-STRICT.",
         "RFC 8441 5",
         kind::cancel_mid_message,
         {}},
        {"H2.4.1",
         "Multiplexing",
         "Eight WebSocket streams, their fragments interleaved",
         "Each stream gets back its own message, whole (OK); anything else is NON-STRICT.",
         "RFC 9113 5, RFC 8441 5",
         kind::interleaved_streams,
         {}},
        {"H2.4.2",
         "Multiplexing",
         "WebSocket streams and plain GET requests interleaved",
         "Every GET gets a complete response (any status) and every WebSocket stream its echo "
         "(OK); anything else is NON-STRICT.",
         "RFC 9113 5, RFC 8441 5",
         kind::streams_and_requests,
         {}},
        {"H2.4.3",
         "Multiplexing",
         "Five WebSocket streams one after another on one connection",
         "Each is upgraded and echoed (OK); a server that upgrades only the first stream "
         "(envoy#38645) is NON-STRICT.",
         "RFC 8441 3",
         kind::sequential_streams,
         {}},
        {"H2.5.1",
         "Flow control",
         "A message four times the server's stream window",
         "We send within its window as it opens it; the echo comes back whole (OK). A stall or a "
         "wrong echo is NON-STRICT.",
         "RFC 9113 6.9",
         kind::larger_than_peer_window,
         {}},
        {"H2.5.2",
         "Flow control",
         "Our INITIAL_WINDOW_SIZE of 4 KiB and a 256 KiB echo",
         "The server sends no more than our windows allow, and keeps sending as we open them: "
         "the echo comes back whole (OK). Overrunning the window is FAILED "
         "(FLOW_CONTROL_ERROR); stalling is NON-STRICT.",
         "RFC 9113 6.9.1",
         kind::small_own_window,
         {respect_window}},
        {"H2.6.1",
         "Limits",
         "As many WebSocket streams at once as the server allows (at most 100)",
         "Every stream is upgraded and echoed (OK); anything else is NON-STRICT.",
         "RFC 9113 5.1.2",
         kind::many_streams,
         {}},
        {"H2.6.2",
         "Limits",
         "One stream past SETTINGS_MAX_CONCURRENT_STREAMS",
         "The extra stream is refused with RST_STREAM(REFUSED_STREAM or PROTOCOL_ERROR) and "
         "the others are answered (OK). Accepting it is FAILED; a GOAWAY instead is NON-STRICT "
         "(RFC 9113 5.4); no limit advertised is INFORMATIONAL.",
         "RFC 9113 5.1.2",
         kind::past_stream_limit,
         {stream_limit}},
    };
    for (const auto& h : cases) {
        auto c =
            make_case({h.id, "WebSocket over HTTP/2", h.subgroup, h.title, h.expectation, h.rfc});
        c.run_as = runner::http2_check{h.what};
        c.musts = h.musts;
        // A hundred streams at once load the target: alone, so no other case sees the load
        // (nghttpx answers 502 once its backend connections are taken).
        c.loads_target = h.what == kind::many_streams || h.what == kind::past_stream_limit;
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
