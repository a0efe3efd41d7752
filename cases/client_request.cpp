// Q.1: the client's opening request (RFC 6455 §4.1). For clients only: we are the server, and
// each case judges one part of the request the client sends (the others are left to their own
// case): a client that gets one part wrong fails that part's case, with a 400 in answer. With a
// right part, the connection goes on: an echo and a clean close. Q.1.7 compares the keys of
// every connection of the run (it starts after all the others).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

struct part {
    std::string title;
    std::vector<std::string> judged; ///< check_request's `about` names
    runner::requirement rule;
};

std::vector<part> parts() {
    return {
        {"the request line: GET, HTTP/1.1 or higher, the URL's resource name as request-target",
         {"request-line"},
         must("RFC 6455 4.1", "The method of the request MUST be GET, and the HTTP version MUST "
                              "be at least 1.1.")},
        {"Host: the host and port of its URL, once",
         {"Host"},
         must("RFC 6455 4.1", "The request MUST contain a |Host| header field whose value "
                              "contains /host/ plus optionally \":\" followed by /port/ (when "
                              "not using the default port).")},
        {"Upgrade: a list with the websocket token",
         {"Upgrade"},
         must("RFC 6455 4.1", "The request MUST contain an |Upgrade| header field whose value "
                              "MUST include the \"websocket\" keyword.")},
        {"Connection: a list with the Upgrade token",
         {"Connection"},
         must("RFC 6455 4.1", "The request MUST contain a |Connection| header field whose value "
                              "MUST include the \"Upgrade\" token.")},
        {"Sec-WebSocket-Key: the base64 of 16 octets, once",
         {"Sec-WebSocket-Key"},
         must("RFC 6455 4.1",
              "The request MUST include a header field with the name |Sec-WebSocket-Key|. The "
              "value of this header field MUST be a nonce consisting of a randomly selected "
              "16-byte value that has been base64-encoded (see Section 4 of [RFC4648]).")},
        {"Sec-WebSocket-Version: 13, once",
         {"Sec-WebSocket-Version"},
         must("RFC 6455 4.1", "The request MUST include a header field with the name "
                              "|Sec-WebSocket-Version|. The value of this header field MUST be "
                              "13.")},
    };
}

const auto subprotocols =
    must("RFC 6455 4.1",
         "The elements that comprise this value MUST be non-empty strings with characters in the "
         "range U+0021 to U+007E not including separator characters as defined in [RFC2616] and "
         "MUST all be unique strings.");

case_def request_case(std::string id, std::string title, std::string expectation) {
    auto c = make_case({std::move(id), "Client: opening request", "The client's opening request",
                        std::move(title), std::move(expectation), "RFC 6455 4.1"});
    c.clients_only = true;
    const std::string text = "Hello, server";
    c.script = {send(data_frame(opcode::text, text)), kill_after(2)};
    c.expected = {ok({runner::text_message(text)})};
    c.close = tester_closes();
    return c;
}

} // namespace

void add_client_request_cases(std::vector<runner::case_def>& out) {
    int n = 0;
    for (auto& p : parts()) {
        auto c = request_case("Q.1." + std::to_string(++n), "Check " + p.title,
                              "The part is as RFC 6455 4.1 asks (else a 400 and FAILED); then a "
                              "text message is echoed and the close is clean with 1000.");
        c.judges_request_parts = std::move(p.judged);
        c.musts = {std::move(p.rule)};
        out.push_back(std::move(c));
    }
    // Q.1.7 is a check across the run: add_client_across_run_cases.
    ++n;
    auto c = request_case("Q.1." + std::to_string(++n),
                          "Check Sec-WebSocket-Protocol, if the client offers subprotocols: "
                          "tokens, each offered once",
                          "No subprotocol, or a list of distinct tokens (else a 400 and "
                          "FAILED); then a text message is echoed and the close is clean with "
                          "1000.");
    c.judges_request_parts = {"Sec-WebSocket-Protocol"};
    c.musts = {subprotocols};
    out.push_back(std::move(c));
}

void add_client_across_run_cases(std::vector<runner::case_def>& out) {
    // Only the key is needed to answer: the request's other parts have their own cases.
    auto c = request_case("Q.1.7",
                          "After every other case: compare the Sec-WebSocket-Key of every "
                          "connection of the run",
                          "No key was sent on two connections (else FAILED, naming the two "
                          "cases); a text message is echoed and the close is clean with 1000.");
    c.checks_across_run = runner::across_run::handshake_keys;
    c.judges_request_parts = {"Sec-WebSocket-Key"};
    c.musts = {must("RFC 6455 4.1", "The nonce MUST be selected randomly for each connection.")};
    out.push_back(c);

    c.id = "K.1.6";
    c.group = "Client: masking";
    c.subgroup.clear();
    c.title = "After every other case: compare the mask key of the first frame of every "
              "connection of the run";
    c.expectation = "No connection starts with the all-zero key, and no two with the same key "
                    "(else FAILED, naming the cases: a generator seeded the same way in every "
                    "process or connection); a text message is echoed and the close is clean "
                    "with 1000.";
    c.rfc = "RFC 6455 5.3";
    c.checks_across_run = runner::across_run::mask_keys;
    c.musts = {must("RFC 6455 5.3", "When preparing a masked frame, the client MUST pick a fresh "
                                    "masking key from the set of allowed 32-bit values.")};
    out.push_back(std::move(c));
}

} // namespace wsconform::cases
