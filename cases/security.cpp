// [S] Security, where Autobahn has no case. Origin checking against cross-site WebSocket
// hijacking (RFC 6455 §10.2: a server that serves browsers checks Origin and refuses foreign
// ones with an HTTP error such as 403): with --allowed-origin, every foreign variant of that
// origin must be refused; without it, one case reports whether any origin is accepted. And
// authentication (§10.5): with credentials given by --header, a handshake without them must be
// refused.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {
using action = runner::header_edit::action;
using rule = runner::handshake_expectation::rule;

runner::request_plan with_origins(std::vector<std::string> origins) {
    runner::request_plan p;
    for (auto& o : origins)
        p.edits.push_back({action::add, "Origin", std::move(o)});
    return p;
}
} // namespace

// The requirements these cases enforce. The origin and credential cases check the policy the
// user declares (--allowed-origin, --header): a server with that policy does not wish to accept
// other connections, and then §4.2.2 applies.
const runner::requirement refuse_unwanted = must(
    "RFC 6455 4.2.2", "If the server does not wish to accept this connection, it MUST return an "
                      "appropriate HTTP error code (e.g., 403 Forbidden) and abort the WebSocket "
                      "handshake described in this section.");
const runner::requirement tls_tunnel = must(
    "RFC 6455 4.2.2", "If the connection is happening on an HTTPS (HTTP-over-TLS) port, perform "
                      "a TLS handshake over the connection. [...] otherwise, all further "
                      "communication for the connection (including the server's handshake) MUST "
                      "run through the encrypted tunnel [RFC5246].");

void add_security_cases(std::vector<case_def>& out) {
    const std::string refuse =
        "The handshake is refused with an HTTP error such as 403 Forbidden (no 101).";

    {
        auto c = make_case({"S.1.1", "Security", "Origin policy",
                            "Opening handshake from the allowed origin (the control case)",
                            "101, then an echo: the allowed origin is served.", "RFC 6455 10.2"});
        c.request = with_origins({"{origin}"});
        c.script = {send(data_frame(opcode::text, "Hello, wsconform")), kill_after(1)};
        c.expected = {ok({runner::text_message("Hello, wsconform")})};
        c.close = tester_closes();
        c.needs_allowed_origin = true;
        c.musts = {accept_steps};
        out.push_back(std::move(c));
    }
    struct foreign {
        const char* title;
        std::vector<std::string> origins;
    };
    const foreign variants[] = {
        {"another host", {"{origin_scheme}://wsconform-evil.test{origin_port_suffix}"}},
        {"the allowed host as a prefix of another domain (suffix trick)",
         {"{origin_scheme}://{origin_host}.wsconform-evil.test{origin_port_suffix}"}},
        {"the allowed host with a prefix (prefix trick)",
         {"{origin_scheme}://evil-{origin_host}{origin_port_suffix}"}},
        {"a subdomain of the allowed host",
         {"{origin_scheme}://evil.{origin_host}{origin_port_suffix}"}},
        {"the other scheme", {"{origin_other_scheme}://{origin_host}{origin_port_suffix}"}},
        {"another port", {"{origin_scheme}://{origin_host}:{origin_other_port}"}},
        {"the opaque origin 'null' (sandboxed frames, file: pages)", {"null"}},
        {"the suffix trick in upper case", {"{origin_upper}.WSCONFORM-EVIL.TEST"}},
        {"two Origin headers, the allowed one first", {"{origin}", "https://wsconform-evil.test"}},
        {"the allowed origin followed by user-information junk ('@' then another host)",
         {"{origin}@wsconform-evil.test"}},
        {"an origin list: the allowed origin and a foreign one",
         {"{origin} https://wsconform-evil.test"}},
    };
    int n = 1;
    for (const auto& v : variants) {
        auto c = make_case({"S.1." + std::to_string(++n), "Security", "Origin policy",
                            std::string("Opening handshake with a foreign Origin: ") + v.title,
                            refuse, "RFC 6455 10.2"});
        c.request = with_origins(v.origins);
        c.handshake.what = rule::must_refuse;
        c.needs_allowed_origin = true;
        c.severity = "high"; // cross-site WebSocket hijacking with the user's credentials
        c.musts = {refuse_unwanted};
        out.push_back(std::move(c));
    }
    {
        auto c = make_case({"S.1." + std::to_string(++n), "Security", "Origin policy",
                            "Opening handshake without an Origin header (a non-browser client)",
                            "Reported (INFORMATIONAL): browsers always send Origin, other clients "
                            "usually do not, so either answer can be right.",
                            "RFC 6455 10.2"});
        c.handshake.what = rule::must_refuse;
        c.handshake.acceptance_note = "requests without Origin are served (non-browser clients)";
        c.script = {kill_after(0.2)};
        c.informational = true;
        c.needs_allowed_origin = true;
        out.push_back(std::move(c));
    }
    {
        auto c =
            make_case({"S.2.1", "Security", "Origin exposure",
                       "Opening handshake from an unrelated origin (https://wsconform-evil.test)",
                       "Reported (INFORMATIONAL): a server that accepts any Origin can be "
                       "opened by pages of any site with the user's cookies (CSWSH), unless "
                       "it authenticates otherwise.",
                       "RFC 6455 10.2"});
        c.request = with_origins({"https://wsconform-evil.test"});
        c.handshake.what = rule::must_refuse;
        c.handshake.acceptance_note =
            "any Origin is accepted: cross-site pages can open this WebSocket with the user's "
            "credentials unless it authenticates by other means (use --allowed-origin to check a "
            "policy)";
        c.informational = true;
        c.severity = "medium";
        out.push_back(std::move(c));
    }
    {
        auto c = make_case({"S.3.1", "Security", "Credentials",
                            "Opening handshake without the configured Cookie / Authorization "
                            "headers (every other case sends them)",
                            "Refused with an HTTP error such as 401 or 403: the endpoint does not "
                            "serve anonymous clients.",
                            "RFC 6455 10.5"});
        c.request.without_credentials = true;
        c.handshake.what = rule::must_refuse;
        c.needs_credentials = true;
        c.severity = "high";
        c.musts = {refuse_unwanted};
        out.push_back(std::move(c));
    }
    {
        auto c = make_case(
            {"S.4.1", "Security", "TLS", "Send the opening handshake in plain text to the TLS port",
             "Refused (a TLS alert, an HTTP error or the connection closed), and the "
             "server serves the next (TLS) connection. Not checked for ws:// "
             "targets.",
             "RFC 6455 4.1, 10.6"});
        c.request.plaintext_to_tls_port = true;
        c.handshake.what = rule::may_refuse;
        c.check_alive_after = true;
        c.script = {send(data_frame(opcode::text, "Hello, wsconform")), kill_after(1)};
        c.expected = {ok({runner::text_message("Hello, wsconform")})};
        c.close = tester_closes();
        c.severity = "low";
        c.musts = {tls_tunnel, validate_input};
        out.push_back(std::move(c));
    }
    // TLS set-up, checked by handshakes of our own (no WebSocket connection): legacy versions
    // (RFC 8996) are a warning; certificate problems are reported, since a test deployment
    // often has a self-signed certificate on purpose.
    using kind = runner::tls_check::kind;
    struct tls_case {
        const char* id;
        const char* title;
        const char* expectation;
        kind what;
        const char* severity;
    };
    const tls_case tls_cases[] = {
        {"S.4.2", "Connect with a client that offers only TLS 1.0",
         "Refused (a TLS alert); accepting it is NON-STRICT (RFC 8996 deprecates TLS 1.0).",
         kind::legacy_tls_1_0, "medium"},
        {"S.4.3", "Connect with a client that offers only TLS 1.1",
         "Refused (a TLS alert); accepting it is NON-STRICT (RFC 8996 deprecates TLS 1.1).",
         kind::legacy_tls_1_1, "medium"},
        {"S.4.4", "Verify the server's certificate chain against the trust store (or --ca)",
         "The chain verifies (OK); otherwise INFORMATIONAL, with OpenSSL's reason.",
         kind::certificate_chain, "low"},
        {"S.4.5", "Check the server certificate's validity period",
         "Valid now and for at least 14 more days (OK); otherwise INFORMATIONAL, with the dates.",
         kind::certificate_expiry, "low"},
        {"S.4.6", "Check that the server certificate names the URL's host",
         "The certificate is valid for the host (OK); otherwise INFORMATIONAL.",
         kind::certificate_host, "low"},
    };
    for (const auto& t : tls_cases) {
        auto c = make_case({t.id, "Security", "TLS", t.title,
                            std::string(t.expectation) + " Not checked for ws:// targets.",
                            "RFC 6455 10.6; RFC 8996; RFC 6125"});
        c.run_as = runner::tls_check{t.what};
        c.severity = t.severity;
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
