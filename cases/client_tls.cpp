// T.1: TLS as a wss:// client does it (RFC 6455 §4.1; the class of Java-WebSocket's
// CVE-2020-11050, a client that never checked the server's host name). For clients only, in
// exec mode: the client is sent to wss://localhost:PORT/..., a listener presenting one test
// certificate, and is given the run's test CA ({ca}). It must connect to the valid one and
// refuse the others before it sends its opening handshake.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

using runner::tls_server;

const auto tls_first =
    must("RFC 6455 4.1",
         "If /secure/ is true, the client MUST perform a TLS handshake over the connection after "
         "opening the connection and before sending the handshake data [RFC2818].");
const auto verify = must(
    "RFC 6455 4.1",
    "If this fails (e.g., the server's certificate could not be verified), then the client MUST "
    "_Fail the WebSocket Connection_ and abort the connection.");
const auto no_tls_1_0 = must("RFC 8996 2", "TLS 1.0 MUST NOT be used.");
const auto no_tls_1_1 = must("RFC 8996 3", "TLS 1.1 MUST NOT be used.");

struct refusal {
    tls_server server;
    std::string title;
    std::string accepted; ///< what a client that goes on accepted
    std::string rfc;
    std::vector<runner::requirement> musts;
};

} // namespace

void add_client_tls_cases(std::vector<runner::case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation, std::string rfc) {
        auto c = make_case({std::move(id), "Client: TLS", "wss:// with the test CA ({ca})",
                            std::move(title), std::move(expectation), std::move(rfc)});
        c.clients_only = true;
        return c;
    };
    {
        const std::string hello = "Hello over TLS";
        auto c = make("T.1.1",
                      "wss:// to a server whose certificate the test CA signed for localhost "
                      "(and 127.0.0.1), valid now; send a text message",
                      "The client completes the TLS handshake, then the opening handshake, "
                      "echoes the message and closes cleanly with 1000",
                      "RFC 6455 4.1");
        c.tls = tls_server::valid;
        c.script = {send(data_frame(opcode::text, hello)), kill_after(5)};
        c.expected = {ok({runner::text_message(hello)})};
        c.close = tester_closes();
        c.musts = {tls_first};
        out.push_back(std::move(c));
    }
    const std::vector<refusal> refusals = {
        {tls_server::untrusted,
         "wss:// to a server whose certificate (for localhost, valid now) a CA the client was "
         "not given signed; the server sends that CA with it",
         "a certificate no CA it trusts signed",
         "RFC 6455 4.1; RFC 5280 6.1",
         {verify}},
        {tls_server::expired,
         "wss:// to a server whose certificate the test CA signed for localhost, expired a day "
         "ago",
         "an expired certificate",
         "RFC 6455 4.1; RFC 5280 6.1.3",
         {verify}},
        {tls_server::wrong_host,
         "wss:// to localhost, whose certificate the test CA signed for wrong-host.invalid only",
         "a certificate for another host (wrong-host.invalid)",
         "RFC 6455 4.1; RFC 6125 6",
         {verify}},
        {tls_server::legacy_only,
         "wss:// to a server that speaks TLS 1.0 and 1.1 only (the valid certificate)",
         "TLS 1.0 or 1.1",
         "RFC 6455 4.1; RFC 8996",
         {no_tls_1_0, no_tls_1_1}},
    };
    int n = 1;
    for (const auto& r : refusals) {
        auto c = make("T.1." + std::to_string(++n), r.title,
                      "The client refuses the TLS handshake (a TLS alert, or it closes the "
                      "connection or exits) and sends no opening handshake (OK); a client that "
                      "accepts " +
                          r.accepted + " and sends its opening handshake FAILS",
                      r.rfc);
        c.tls = r.server;
        c.tls_must_refuse = r.accepted;
        c.musts = r.musts;
        c.severity = "high"; // a man in the middle reads and writes the connection
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
