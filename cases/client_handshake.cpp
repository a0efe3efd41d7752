// R.1: responses a client MUST reject (RFC 6455 §4.1, RFC 7692 §7). For clients only: we are
// the server, and our answer to the client's opening handshake is broken in one way. A client
// that validates it fails the connection (it closes TCP, perhaps after a Close frame, and sends
// nothing else); we send a text message anyway, and a client that echoes it went on as if the
// WebSocket were open. One that does neither within 2 s never failed the connection.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

using edit = runner::header_edit;
using action = runner::header_edit::action;

const auto validate = must(
    "RFC 6455 4.1", "The client MUST validate the server's response as follows: 1. If the status "
                    "code received from the server is not 101, the client handles the response "
                    "per HTTP [RFC2616] procedures.");
const auto upgrade = must(
    "RFC 6455 4.1",
    "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a "
    "value that is not an ASCII case-insensitive match for the value \"websocket\", the client "
    "MUST _Fail the WebSocket Connection_.");
const auto connection = must(
    "RFC 6455 4.1",
    "If the response lacks a |Connection| header field or the |Connection| header field doesn't "
    "contain a token that is an ASCII case-insensitive match for the value \"Upgrade\", the "
    "client MUST _Fail the WebSocket Connection_.");
const auto accept = must(
    "RFC 6455 4.1",
    "If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept| "
    "contains a value other than the base64-encoded SHA-1 of the concatenation of the "
    "|Sec-WebSocket-Key| (as a string, not base64-decoded) with the string "
    "\"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\" but ignoring any leading and trailing whitespace, "
    "the client MUST _Fail the WebSocket Connection_.");
const auto extension = must(
    "RFC 6455 4.1",
    "If the response includes a |Sec-WebSocket-Extensions| header field and this header field "
    "indicates the use of an extension that was not present in the client's handshake (the "
    "server has indicated an extension not requested by the client), the client MUST _Fail the "
    "WebSocket Connection_.");
const auto subprotocol = must(
    "RFC 6455 4.1",
    "If the response includes a |Sec-WebSocket-Protocol| header field and this header field "
    "indicates the use of a subprotocol that was not present in the client's handshake (the "
    "server has indicated a subprotocol not requested by the client), the client MUST _Fail the "
    "WebSocket Connection_.");
const auto deflate_response = must(
    "RFC 7692 7",
    "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension "
    "negotiation offer for this extension with an extension negotiation response meeting any of "
    "the following conditions: The negotiation response contains an extension parameter not "
    "defined for use in a response. The negotiation response contains an extension parameter "
    "with an invalid value.");

struct broken {
    std::string title;
    runner::response_plan plan;
    runner::requirement rule;
};

std::vector<broken> responses() {
    // The RFC 6455 §1.3 example's accept value: right for its key, wrong for any client's.
    const std::string other_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    return {
        // With an empty body, so a client that reads it as HTTP sees the end of it.
        {"status 200 OK instead of 101, with every upgrade header",
         {200, "OK", {{action::add, "Content-Length", "0"}}},
         validate},
        {"status 204 No Content instead of 101", {204, "No Content", {}}, validate},
        {"no Upgrade header", {{}, {}, {{action::remove, "Upgrade", ""}}}, upgrade},
        {"Upgrade: h2c instead of websocket", {{}, {}, {{action::set, "Upgrade", "h2c"}}}, upgrade},
        {"no Connection header", {{}, {}, {{action::remove, "Connection", ""}}}, connection},
        {"Connection: keep-alive, without the Upgrade token",
         {{}, {}, {{action::set, "Connection", "keep-alive"}}},
         connection},
        {"no Sec-WebSocket-Accept",
         {{}, {}, {{action::remove, "Sec-WebSocket-Accept", ""}}},
         accept},
        {"a Sec-WebSocket-Accept for another key",
         {{}, {}, {{action::set, "Sec-WebSocket-Accept", other_accept}}},
         accept},
        {"an extension the client did not offer (x-wsconform-never-offered)",
         {{}, {}, {{action::add, "Sec-WebSocket-Extensions", "x-wsconform-never-offered"}}},
         extension},
        {"a subprotocol the client did not offer (wsconform.never-offered)",
         {{}, {}, {{action::add, "Sec-WebSocket-Protocol", "wsconform.never-offered"}}},
         subprotocol},
        {"permessage-deflate with server_max_window_bits=7 (RFC 7692 allows 8 to 15)",
         {{},
          {},
          {{action::add, "Sec-WebSocket-Extensions",
            "permessage-deflate; server_max_window_bits=7"}}},
         deflate_response},
        {"permessage-deflate with a parameter no response may carry (x_unknown)",
         {{}, {}, {{action::add, "Sec-WebSocket-Extensions", "permessage-deflate; x_unknown"}}},
         deflate_response},
    };
}

} // namespace

void add_client_handshake_cases(std::vector<runner::case_def>& out) {
    const std::string hello = "Hello, client";
    int n = 0;
    for (auto& r : responses()) {
        auto c = make_case({"R.1." + std::to_string(++n), "Client: opening handshake",
                            "Responses a client must reject",
                            "Answer the opening handshake with " + r.title +
                                "; then send a text message as if the WebSocket were open",
                            "The client fails the connection: it closes TCP (a Close frame "
                            "first is allowed) and echoes nothing",
                            r.rule.section});
        c.clients_only = true;
        c.response = std::move(r.plan);
        c.script = {send(data_frame(opcode::text, codec::to_bytes(hello))), kill_after(2)};
        c.expected = {ok({})};
        c.close = peer_fails({});
        c.musts = {std::move(r.rule)};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
