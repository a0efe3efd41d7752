// [H] The opening handshake, where Autobahn has no case: request variants a server MUST accept
// (RFC 6455 §4.2.1, header names and tokens are case-insensitive, HTTP list syntax), requests
// it MUST refuse (§4.2.1), version negotiation (§4.2.2, §4.4) and extension/subprotocol
// negotiation (§4.2.2, §9.1, RFC 7692 §7.1). Every handshake of every case is also checked for
// a correct response (status, Upgrade, Connection, Sec-WebSocket-Accept, subprotocol and
// extensions only when offered).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

using action = runner::header_edit::action;
using rule = runner::handshake_expectation::rule;

runner::header_edit set(std::string name, std::string value) {
    return {action::set, std::move(name), std::move(value)};
}
runner::header_edit add(std::string name, std::string value) {
    return {action::add, std::move(name), std::move(value)};
}
runner::header_edit remove(std::string name) {
    return {action::remove, std::move(name), {}};
}

/// After the handshake: one text message must be echoed and the connection closed cleanly,
/// which proves the server really runs the WebSocket protocol on it.
void echo_once(case_def& c) {
    c.script = {send(data_frame(opcode::text, "Hello, wsconform")), kill_after(1)};
    c.expected = {ok({runner::text_message("Hello, wsconform")})};
    c.close = tester_closes();
}

struct accepted {
    const char* title;
    runner::request_plan plan;
};

struct refused {
    const char* title;
    const char* rfc;
    runner::request_plan plan;
    std::vector<runner::requirement> also{}; ///< MUSTs beside §4.2.1's
};

// The requirements these cases enforce, as RFC 6455 (and RFC 9110, RFC 7692) word them.
const runner::requirement stop_processing = must(
    "RFC 6455 4.2.1",
    "If the server, while reading the handshake, finds that the client did not send a handshake "
    "that matches the description below [...], including but not limited to any violations of "
    "the ABNF grammar specified for the components of the handshake, the server MUST stop "
    "processing the client's handshake and return an HTTP response with an appropriate error "
    "code (such as 400 Bad Request).");
const runner::requirement unsupported_version =
    must("RFC 6455 4.2.2",
         "If this version does not match a version understood by the server, the server MUST abort "
         "the WebSocket handshake described in this section and instead send an appropriate HTTP "
         "error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field "
         "indicating the version(s) the server is capable of understanding.");
const runner::requirement one_key = must(
    "RFC 6455 11.3.1", "The |Sec-WebSocket-Key| header field MUST NOT appear more than once in "
                       "an HTTP request.");
const runner::requirement upgrade_on_http10 =
    must("RFC 9110 7.8",
         "A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request.");
const runner::requirement decline_bad_offer = must(
    "RFC 7692 7", "A server MUST decline an extension negotiation offer for this extension if "
                  "any of the following conditions are met: [...] The negotiation offer "
                  "contains an extension parameter not defined for use in an offer. The "
                  "negotiation offer contains an extension parameter with an invalid value. The "
                  "negotiation offer contains multiple extension parameters with the same name.");

runner::request_plan edits(std::vector<runner::header_edit> e) {
    runner::request_plan p;
    p.edits = std::move(e);
    return p;
}

} // namespace

void add_handshake_cases(std::vector<case_def>& out) {
    // H.1: variants a conforming server accepts with 101 and a correct Sec-WebSocket-Accept.
    std::vector<accepted> variants;
    variants.push_back(
        {"Upgrade value 'WebSocket' (mixed case)", edits({set("Upgrade", "WebSocket")})});
    variants.push_back(
        {"Upgrade value 'WEBSOCKET' (upper case)", edits({set("Upgrade", "WEBSOCKET")})});
    variants.push_back(
        {"Connection: keep-alive, Upgrade", edits({set("Connection", "keep-alive, Upgrade")})});
    variants.push_back(
        {"Connection: Upgrade, keep-alive", edits({set("Connection", "Upgrade, keep-alive")})});
    variants.push_back(
        {"Connection token in lower case ('upgrade')", edits({set("Connection", "upgrade")})});
    variants.push_back({"Connection split over two header lines (keep-alive / Upgrade)",
                        edits({remove("Connection"), add("Connection", "keep-alive"),
                               add("Connection", "Upgrade")})});
    variants.push_back({"Header names in lower case",
                        edits({remove("Host"), remove("Upgrade"), remove("Connection"),
                               remove("Sec-WebSocket-Key"), remove("Sec-WebSocket-Version"),
                               add("host", "{host_header}"), add("upgrade", "websocket"),
                               add("connection", "Upgrade"), add("sec-websocket-key", "{key}"),
                               add("sec-websocket-version", "13")})});
    variants.push_back({"Header names in upper case",
                        edits({remove("Host"), remove("Upgrade"), remove("Connection"),
                               remove("Sec-WebSocket-Key"), remove("Sec-WebSocket-Version"),
                               add("HOST", "{host_header}"), add("UPGRADE", "websocket"),
                               add("CONNECTION", "Upgrade"), add("SEC-WEBSOCKET-KEY", "{key}"),
                               add("SEC-WEBSOCKET-VERSION", "13")})});
    variants.push_back({"Extra optional whitespace around header values",
                        edits({set("Upgrade", "  websocket\t"), set("Connection", "\tUpgrade  "),
                               set("Sec-WebSocket-Version", " 13 ")})});
    runner::request_plan query;
    query.target = "/?wsconform=1&case=query";
    variants.push_back({"Request-target with a query string", query});
    variants.push_back(
        {"Host header with an explicit port", edits({set("Host", "{host}:{port}")})});
    runner::request_plan bytewise;
    bytewise.plan = octet_wise;
    variants.push_back({"The request written one octet per write", bytewise});
    runner::request_plan reordered = edits(
        {remove("Host"), remove("Upgrade"), remove("Connection"), remove("Sec-WebSocket-Key")});
    reordered.edits.push_back(add("Sec-WebSocket-Key", "{key}"));
    reordered.edits.push_back(add("Connection", "Upgrade"));
    reordered.edits.push_back(add("Upgrade", "websocket"));
    reordered.edits.push_back(add("Host", "{host_header}"));
    variants.push_back({"Headers in an unusual order (Host last)", reordered});
    variants.push_back({"Unknown extra headers",
                        edits({add("X-Wsconform-Probe", "1"), add("Cache-Control", "no-cache"),
                               add("Pragma", "no-cache")})});
    variants.push_back({"No User-Agent header", edits({remove("User-Agent")})});
    variants.push_back(
        {"An Origin header (a browser client)", edits({add("Origin", "http://{host_header}")})});
    variants.push_back({"Sec-WebSocket-Key with surrounding whitespace",
                        edits({set("Sec-WebSocket-Key", " {key} ")})});
    variants.push_back({"A very long but ordinary header (4 KiB cookie)",
                        edits({add("Cookie", "a=" + std::string(4096, 'x'))})});
    int n = 0;
    for (auto& v : variants) {
        auto c = make_case({"H.1." + std::to_string(++n), "Handshake", "Accepted request variants",
                            std::string("Opening handshake: ") + v.title,
                            "101 with a correct Sec-WebSocket-Accept; then a text message is "
                            "echoed and the connection closes cleanly.",
                            "RFC 6455 4.2.1"});
        c.request = std::move(v.plan);
        echo_once(c);
        c.musts = {accept_steps, parse_frames};
        out.push_back(std::move(c));
    }
    // The first frame in the same write as the request. RFC 6455 §4.1: "Once the client's
    // opening handshake has been sent, the client MUST wait for a response from the server
    // before sending any further data." That binds the client, so no server MUST handle it:
    // the record says what this server does (real clients do it, as do some proxies).
    {
        auto c = make_case({"H.1." + std::to_string(++n), "Handshake", "Accepted request variants",
                            "Opening handshake with the first text frame in the same write",
                            "INFORMATIONAL (a client MUST wait for the response before sending, "
                            "RFC 6455 4.1): the record says whether the server echoed the frame, "
                            "dropped it, closed, refused the request or never answered.",
                            "RFC 6455 4.1"});
        echo_once(c);
        c.request.first_step_with_request = true;
        c.informational = true;
        c.expected = {
            outcome(runner::verdict::ok, {runner::text_message("Hello, wsconform")},
                    tester_closes(),
                    "the server kept the frame sent with the request and echoed it"),
            outcome(runner::verdict::ok, {}, tester_ended(),
                    "the server answered 101 but dropped the frame sent with the request (no "
                    "echo within 1 s)"),
            outcome(runner::verdict::ok, {}, peer_fails({}),
                    "the server answered 101, then closed the connection instead of echoing "
                    "the frame sent with the request")};
        out.push_back(std::move(c));
    }

    // H.2: requests a server MUST refuse with an HTTP error (no 101).
    std::vector<refused> refusals;
    refusals.push_back({"no Upgrade header", "RFC 6455 4.2.1", edits({remove("Upgrade")})});
    refusals.push_back(
        {"Upgrade: h2c (not websocket)", "RFC 6455 4.2.1", edits({set("Upgrade", "h2c")})});
    refusals.push_back({"Connection: keep-alive (no upgrade token)", "RFC 6455 4.2.1",
                        edits({set("Connection", "keep-alive")})});
    refusals.push_back({"no Connection header", "RFC 6455 4.2.1", edits({remove("Connection")})});
    refusals.push_back(
        {"no Sec-WebSocket-Key", "RFC 6455 4.2.1", edits({remove("Sec-WebSocket-Key")})});
    refusals.push_back(
        {"an empty Sec-WebSocket-Key", "RFC 6455 4.2.1", edits({set("Sec-WebSocket-Key", "")})});
    refusals.push_back({"a Sec-WebSocket-Key that is not base64", "RFC 6455 4.2.1",
                        edits({set("Sec-WebSocket-Key", "not base64 at all!!!!!!!")})});
    refusals.push_back({"a Sec-WebSocket-Key of 15 bytes", "RFC 6455 4.2.1",
                        edits({set("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4P")})});
    refusals.push_back({"a Sec-WebSocket-Key of 17 bytes", "RFC 6455 4.2.1",
                        edits({set("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEBE=")})});
    refusals.push_back({"two Sec-WebSocket-Key headers",
                        "RFC 6455 4.2.1, 11.3.1",
                        edits({add("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA==")}),
                        {one_key}});
    runner::request_plan post;
    post.method = "POST";
    refusals.push_back({"method POST instead of GET", "RFC 6455 4.2.1", post});
    runner::request_plan head;
    head.method = "HEAD";
    refusals.push_back({"method HEAD instead of GET", "RFC 6455 4.2.1", head});
    runner::request_plan http10;
    http10.version = "HTTP/1.0";
    refusals.push_back({"HTTP/1.0 instead of HTTP/1.1",
                        "RFC 6455 4.2.1; RFC 9110 7.8",
                        http10,
                        {upgrade_on_http10}});
    refusals.push_back({"no Host header", "RFC 6455 4.2.1", edits({remove("Host")})});
    n = 0;
    for (auto& r : refusals) {
        auto c = make_case({"H.2." + std::to_string(++n), "Handshake", "Requests to refuse",
                            std::string("Opening handshake with ") + r.title,
                            "An HTTP error response such as 400, no 101 (closing the connection "
                            "without a response is NON-STRICT).",
                            r.rfc});
        c.musts = {stop_processing};
        c.musts.insert(c.musts.end(), r.also.begin(), r.also.end());
        c.request = std::move(r.plan);
        c.handshake.what = rule::must_refuse;
        out.push_back(std::move(c));
    }

    // H.3: Sec-WebSocket-Version missing, unsupported or malformed. Only a well-formed version
    // the server does not understand calls for §4.2.2's header naming the versions it does;
    // a missing or malformed one makes the request malformed (§4.2.1: an appropriate error).
    // A 101 to any of them is FAILED, except to draft 8, which a server may still speak (§4.4).
    struct version_case {
        const char* title;
        const char* expectation;
        const char* rfc;
        const char* sent;    ///< the Sec-WebSocket-Version sent; nullptr: none
        std::string version; ///< the version asked for; empty: none, or not a version
        runner::verdict without_header;
        bool may_be_understood = false; ///< a version some servers still speak (0, 8)
    };
    const char* unsupported =
        "An HTTP error such as 426 Upgrade Required with a Sec-WebSocket-Version header naming "
        "the versions the server understands (13); a refusal that lists the requested version "
        "is not about the version (OK).";
    const version_case versions[] = {
        {"no Sec-WebSocket-Version header",
         "Any 4xx (the request is malformed; the record says whether Sec-WebSocket-Version was "
         "sent); a 5xx is NON-STRICT.",
         "RFC 6455 4.2.1", nullptr, "", runner::verdict::ok},
        {"Sec-WebSocket-Version: 8 (a draft)", unsupported, "RFC 6455 4.2.2, 4.4", "8", "8",
         runner::verdict::failed, true},
        {"Sec-WebSocket-Version: 14 (unknown)", unsupported, "RFC 6455 4.2.2, 4.4", "14", "14",
         runner::verdict::failed},
        {"Sec-WebSocket-Version: 0", unsupported, "RFC 6455 4.2.2, 4.4", "0", "0",
         runner::verdict::failed, true},
        {"Sec-WebSocket-Version that is not a number",
         "An HTTP error (the version breaks the ABNF of RFC 6455 4.3): with Sec-WebSocket-Version "
         "naming 13 OK, without it NON-STRICT.",
         "RFC 6455 4.2.1, 4.3", "thirteen", "", runner::verdict::non_strict},
    };
    n = 0;
    for (const auto& v : versions) {
        auto c =
            make_case({"H.3." + std::to_string(++n), "Handshake", "Version negotiation",
                       std::string("Opening handshake with ") + v.title, v.expectation, v.rfc});
        c.request = v.sent ? edits({set("Sec-WebSocket-Version", v.sent)})
                           : edits({remove("Sec-WebSocket-Version")});
        c.handshake.what = rule::must_refuse;
        c.handshake.refusal_headers = {{"Sec-WebSocket-Version", "13"}};
        c.handshake.missing_refusal_header = v.without_header;
        c.handshake.requested_version = v.version;
        c.handshake.version_may_be_understood = v.may_be_understood;
        c.musts = {stop_processing};
        if (!v.version.empty()) // the header is the FAILED here; a 101 breaks §4.2.1 as well
            c.musts.insert(c.musts.begin(), unsupported_version);
        if (v.version == "8") // the hybi-08 draft: some servers still speak it, which §4.4 allows
            c.handshake.acceptance_note = "the server also speaks draft version 8 (hybi-08)";
        out.push_back(std::move(c));
    }

    // H.4: negotiation. Subprotocols and unknown extensions must not break the handshake; the
    // response is checked on every handshake (a subprotocol or extension not offered FAILS).
    {
        auto c = make_case({"H.4.1", "Handshake", "Negotiation",
                            "Offer subprotocols over two Sec-WebSocket-Protocol lines",
                            "101 selecting none or exactly one of the offered subprotocols; echo.",
                            "RFC 6455 4.1, 4.2.2"});
        c.request = edits({add("Sec-WebSocket-Protocol", "wsconform.chat"),
                           add("Sec-WebSocket-Protocol", "wsconform.echo, wsconform.v2")});
        echo_once(c);
        c.musts = {accept_steps, parse_frames};
        out.push_back(std::move(c));
    }
    {
        auto c = make_case({"H.4.2", "Handshake", "Negotiation", "Offer an unknown extension",
                            "101 without any extension (unknown extensions are ignored); echo.",
                            "RFC 6455 9.1"});
        c.request = edits({add("Sec-WebSocket-Extensions", "x-wsconform-unknown; level=3")});
        echo_once(c);
        c.musts = {accept_steps, parse_frames};
        out.push_back(std::move(c));
    }
    const std::pair<const char*, const char*> bad_deflate[] = {
        {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
         "a duplicated parameter"},
        {"permessage-deflate; server_max_window_bits=7", "server_max_window_bits below 8"},
        {"permessage-deflate; server_max_window_bits=16", "server_max_window_bits above 15"},
        {"permessage-deflate; client_max_window_bits=abc", "a non-numeric client_max_window_bits"},
        {"permessage-deflate; x-wsconform=1", "an unknown parameter"},
    };
    n = 2;
    for (const auto& [offer, what] : bad_deflate) {
        auto c = make_case({"H.4." + std::to_string(++n), "Handshake", "Negotiation",
                            std::string("Offer permessage-deflate with ") + what,
                            "The malformed offer is declined (101 without permessage-deflate, "
                            "then an echo) or the handshake is refused.",
                            "RFC 7692 5, 7.1"});
        c.request = edits({add("Sec-WebSocket-Extensions", offer)});
        c.handshake.what = rule::must_not_negotiate;
        c.handshake.extension = "permessage-deflate";
        echo_once(c);
        c.musts = {decline_bad_offer, parse_frames};
        out.push_back(std::move(c));
    }

    // H.5: robustness. A huge request may be refused (431, 400) or served, but the server must
    // stay up for the next connection.
    {
        struct huge {
            const char* title;
            runner::request_plan plan;
        };
        std::vector<huge> huges;
        huges.push_back(
            {"one header of 64 KiB", edits({add("X-Wsconform-Big", std::string(64 * 1024, 'b'))})});
        runner::request_plan many;
        for (int i = 0; i < 1000; ++i)
            many.edits.push_back(add("X-Wsconform-" + std::to_string(i), "v"));
        huges.push_back({"1000 extra headers", many});
        int h5 = 0;
        for (auto& h : huges) {
            auto c = make_case({"H.5." + std::to_string(++h5), "Handshake", "Robustness",
                                std::string("Opening handshake with ") + h.title,
                                "Refused (such as 431 or 400, or the connection closed) or served "
                                "(101 and an echo); either way the server serves the next "
                                "connection.",
                                "RFC 6455 4.2.1, 10.4"});
            c.request = std::move(h.plan);
            c.handshake.what = rule::may_refuse;
            c.check_alive_after = true;
            echo_once(c);
            c.musts = {parse_frames, validate_input};
            out.push_back(std::move(c));
        }
    }
    // Slow-loris: a server that waits forever for a request head can be exhausted by clients
    // that send a byte now and then. We give up after 15 s and report how long it waited.
    {
        auto c = make_case({"H.5.3", "Handshake", "Robustness",
                            "Send the opening handshake at one octet per second (for up to 15 s)",
                            "The server closes the connection or refuses (such as 408) once its "
                            "handshake timeout passes (OK; the record says after how long), or "
                            "still waits after 15 s (INFORMATIONAL); either way it serves the "
                            "next connection.",
                            "RFC 6455 4.2.1, 10.4"});
        c.request.plan.chop = 1;
        c.request.trickle_interval = runner::seconds(1);
        c.request.trickle_limit = runner::seconds(15);
        c.handshake.what = rule::may_refuse;
        c.check_alive_after = true;
        c.tags = {"slow"};
        echo_once(c);
        c.musts = {parse_frames, validate_input};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
