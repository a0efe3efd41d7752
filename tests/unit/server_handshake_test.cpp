#include "harness/codec/server_handshake.hpp"

#include "harness/codec/deflate.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::codec {
namespace {

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
// RFC 6455 §1.3 and §4.2.2: base64(SHA-1(key + GUID)) for the key above.
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// The client's opening handshake of RFC 6455 §1.2 (and §4.1).
const std::string rfc_request = "GET /chat HTTP/1.1\r\n"
                                "Host: server.example.com\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Origin: http://example.com\r\n"
                                "Sec-WebSocket-Protocol: chat, superchat\r\n"
                                "Sec-WebSocket-Version: 13\r\n"
                                "\r\n";

// A masked text frame "Hello" (RFC 6455 §5.7), sent right behind the request.
const std::string hello_frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";

upgrade_request parsed(std::string_view text) {
    upgrade_request r;
    std::size_t used = 0;
    EXPECT_EQ(parse_request(text, r, used), request_parse_status::complete) << text;
    EXPECT_EQ(used, text.size()) << text;
    return r;
}

// ---- parse_request ----------------------------------------------------------------------------

TEST(ParseRequest, RfcExample) {
    upgrade_request r;
    std::size_t used = 0;
    ASSERT_EQ(parse_request(rfc_request, r, used), request_parse_status::complete);
    EXPECT_EQ(used, rfc_request.size());
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/chat");
    EXPECT_EQ(r.version, "HTTP/1.1");
    EXPECT_EQ(r.headers, (std::vector<header_field>{
                             {"Host", "server.example.com"},
                             {"Upgrade", "websocket"},
                             {"Connection", "Upgrade"},
                             {"Sec-WebSocket-Key", std::string(rfc_key)},
                             {"Origin", "http://example.com"},
                             {"Sec-WebSocket-Protocol", "chat, superchat"},
                             {"Sec-WebSocket-Version", "13"},
                         }));
    // The builder writes the same bytes back.
    EXPECT_EQ(r.serialize(), rfc_request);
}

TEST(ParseRequest, EverySplitNeedsMoreThenCompleteWithTheFrameLeftOver) {
    const std::string data = rfc_request + hello_frame;
    for (std::size_t n = 0; n <= data.size(); ++n) {
        upgrade_request r;
        std::size_t used = 12345;
        const auto status = parse_request(std::string_view(data).substr(0, n), r, used);
        if (n < rfc_request.size()) {
            EXPECT_EQ(status, request_parse_status::need_more) << n;
            EXPECT_EQ(used, 12345u) << "written although incomplete, at " << n;
            continue;
        }
        ASSERT_EQ(status, request_parse_status::complete) << n;
        EXPECT_EQ(used, rfc_request.size()) << n;
        EXPECT_EQ(data.substr(used, n - used), hello_frame.substr(0, n - used)) << n;
        EXPECT_EQ(r.get("Sec-WebSocket-Key"), std::string(rfc_key)) << n;
    }
}

TEST(ParseRequest, AnnouncedBodyIsNotRead) {
    // Whatever the header says about a body, the bytes after it are the WebSocket stream's.
    for (std::string_view framing : {"Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
                                     "Content-Length: 99999999999\r\n"}) {
        const std::string head = "GET / HTTP/1.1\r\nHost: h\r\n" + std::string(framing) + "\r\n";
        upgrade_request r;
        std::size_t used = 0;
        ASSERT_EQ(parse_request(head + hello_frame, r, used), request_parse_status::complete)
            << framing;
        EXPECT_EQ(used, head.size()) << framing;
    }
}

TEST(ParseRequest, Http10AndOtherMethods) {
    auto r = parsed("POST /upload?x=1 HTTP/1.0\r\nUpgrade: websocket\r\n\r\n");
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/upload?x=1");
    EXPECT_EQ(r.version, "HTTP/1.0");
    EXPECT_EQ(parsed("BREW http://h/pot HTTP/1.1\r\n\r\n").method, "BREW");
}

TEST(ParseRequest, DuplicatesKeptInOrder) {
    auto r = parsed("GET / HTTP/1.1\r\n"
                    "Host: a\r\n"
                    "Sec-WebSocket-Key: first\r\n"
                    "connection: keep-alive\r\n"
                    "Host: b\r\n"
                    "SEC-WEBSOCKET-KEY: second\r\n"
                    "Connection: Upgrade\r\n"
                    "\r\n");
    EXPECT_EQ(r.headers, (std::vector<header_field>{
                             {"Host", "a"},
                             {"Sec-WebSocket-Key", "first"},
                             {"connection", "keep-alive"},
                             {"Host", "b"},
                             {"SEC-WEBSOCKET-KEY", "second"},
                             {"Connection", "Upgrade"},
                         }));
    EXPECT_EQ(r.list("Connection"), (std::vector<std::string>{"keep-alive", "Upgrade"}));
}

TEST(ParseRequest, ValuesLoseTheirOptionalWhitespace) {
    auto r = parsed("GET / HTTP/1.1\r\nSec-WebSocket-Version:  13 \t\r\nX-Empty:\r\n\r\n");
    EXPECT_EQ(r.get("Sec-WebSocket-Version"), "13");
    EXPECT_EQ(r.get("X-Empty"), "");
}

TEST(ParseRequest, Malformed) {
    const std::string huge = "GET / HTTP/1.1\r\nCookie: " + std::string(70 * 1024, 'x');
    for (std::string_view bad :
         {std::string_view("garbage\r\n\r\n"),
          std::string_view("GET / HTTP/1.1\r\nNo colon\r\n\r\n"),
          std::string_view("GET / HTTP/9\r\n\r\n"), std::string_view("GET /a b HTTP/1.1\r\n\r\n"),
          std::string_view("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"),
          std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n", 13),
          std::string_view("HTTP/1.1 101 Switching Protocols\r\n\r\n"), std::string_view(huge)}) {
        upgrade_request r;
        r.method = "untouched";
        std::size_t used = 7;
        std::string error;
        EXPECT_EQ(parse_request(bad, r, used, &error), request_parse_status::malformed)
            << bad.substr(0, 40);
        EXPECT_FALSE(error.empty()) << bad.substr(0, 40);
        EXPECT_EQ(r.method, "untouched");
        EXPECT_EQ(used, 7u);
        // Without the error string too.
        EXPECT_EQ(parse_request(bad, r, used), request_parse_status::malformed);
    }
}

TEST(ParseRequest, SerializedRequestParsesBack) {
    auto built = make_upgrade_request("h:8080", "/x?y=1", rfc_key);
    built.add("Sec-WebSocket-Key", "second").add("X-Empty", "");
    const auto r = parsed(built.serialize());
    EXPECT_EQ(r.method, built.method);
    EXPECT_EQ(r.target, built.target);
    EXPECT_EQ(r.version, built.version);
    EXPECT_EQ(r.headers, built.headers);
}

// ---- check_request ----------------------------------------------------------------------------

std::string to_upper(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

/// The RFC request with one header set, or removed (nullopt).
upgrade_request rfc_with(std::string_view name, std::optional<std::string> value) {
    auto r = parsed(rfc_request);
    if (value)
        r.set(name, *value);
    else
        r.remove(name);
    return r;
}

/// check_request finds exactly one problem, in `section`, its text holding `what`.
void expect_problem(const upgrade_request& r, std::string_view section, std::string_view what) {
    const auto problems = check_request(r);
    ASSERT_EQ(problems.size(), 1u)
        << r.serialize() << (problems.empty() ? "" : "first: " + problems[0].what);
    EXPECT_EQ(problems[0].section, section) << problems[0].what;
    EXPECT_NE(problems[0].what.find(what), std::string::npos) << problems[0].what;
}

TEST(CheckRequest, RfcRequestHasNoProblem) {
    EXPECT_TRUE(check_request(parsed(rfc_request)).empty());
    EXPECT_TRUE(check_request(make_upgrade_request("h", "/", make_key())).empty());
}

TEST(CheckRequest, AcceptedVariantsHaveNoProblem) {
    // What cases/handshake.cpp's H.1 expects a server to accept.
    auto mixed = rfc_with("Upgrade", "WebSocket");
    mixed.set("Connection", "keep-alive, upgrade");
    EXPECT_TRUE(check_request(mixed).empty());
    auto split = rfc_with("Connection", std::nullopt);
    split.add("Connection", "keep-alive").add("connection", "Upgrade");
    EXPECT_TRUE(check_request(split).empty());
    // Whitespace around a value is not part of it (RFC 9110 §5.5).
    auto spaced = rfc_with("Sec-WebSocket-Key", " " + std::string(rfc_key) + "\t");
    spaced.set("Sec-WebSocket-Version", " 13 ").set("Upgrade", "  websocket\t");
    EXPECT_TRUE(check_request(spaced).empty());
    auto absolute = parsed(rfc_request);
    absolute.target = "HTTPS://server.example.com/chat?x=1";
    EXPECT_TRUE(check_request(absolute).empty());
    auto higher = parsed(rfc_request);
    higher.version = "HTTP/1.2";
    EXPECT_TRUE(check_request(higher).empty());
    // Empty list elements are list syntax, not subprotocols.
    EXPECT_TRUE(check_request(rfc_with("Sec-WebSocket-Protocol", ", chat,, superchat ,")).empty());
    // Other extensions are not judged.
    EXPECT_TRUE(check_request(rfc_with("Sec-WebSocket-Extensions", "x-foo; a=\"b c\"")).empty());
    EXPECT_TRUE(check_request(rfc_with("Sec-WebSocket-Extensions",
                                       "permessage-deflate; client_max_window_bits, "
                                       "permessage-deflate; server_max_window_bits=10"))
                    .empty());
}

TEST(CheckRequest, MethodNotGet) {
    for (const char* method : {"POST", "HEAD", "get"}) {
        auto r = parsed(rfc_request);
        r.method = method;
        expect_problem(r, "4.2.1", method);
    }
}

TEST(CheckRequest, HttpVersionBelow11) {
    for (const char* version : {"HTTP/1.0", "HTTP/0.9"}) {
        auto r = parsed(rfc_request);
        r.version = version;
        expect_problem(r, "4.2.1; RFC 9110 §7.8", version);
    }
    // From the wire as well.
    std::string http10 = rfc_request;
    http10.replace(http10.find("HTTP/1.1"), 8, "HTTP/1.0");
    expect_problem(parsed(http10), "4.2.1; RFC 9110 §7.8", "HTTP/1.0");
}

TEST(CheckRequest, NotAnHttpVersion) {
    for (const char* version : {"HTTP/11", "http/1.1", "HTTP/1.1 ", "", "HTTP/x.1"}) {
        auto r = parsed(rfc_request);
        r.version = version;
        expect_problem(r, "4.2.1", "not an HTTP version");
    }
}

TEST(CheckRequest, TargetNotAResourceName) {
    for (const char* target : {"*", "server.example.com:80", "chat", "ftp://h/chat", "ws://h/"}) {
        auto r = parsed(rfc_request);
        r.target = target;
        expect_problem(r, "4.2.1", "request-target");
    }
}

TEST(CheckRequest, TargetWithFragment) {
    auto r = parsed(rfc_request);
    r.target = "/chat#room";
    expect_problem(r, "3", "fragment");
}

// The headers that must come once: missing and repeated.
struct single_header {
    const char* name;
    const char* repeated_section;
    const char* second_value;
};
constexpr single_header single_headers[] = {
    {"Host", "RFC 9112 §3.2", "other.example.com"},
    {"Sec-WebSocket-Key", "11.3.1", "AQIDBAUGBwgJCgsMDQ4PEA=="},
    {"Sec-WebSocket-Version", "11.3.5", "13"},
};

TEST(CheckRequest, SingleHeaderMissing) {
    for (const auto& h : single_headers)
        expect_problem(rfc_with(h.name, std::nullopt), "4.2.1",
                       std::string(h.name) + " header missing");
}

TEST(CheckRequest, SingleHeaderRepeated) {
    for (const auto& h : single_headers) {
        auto r = parsed(rfc_request);
        r.add(h.name, h.second_value);
        expect_problem(r, h.repeated_section, std::string(h.name) + " header appears 2 times");
        // Interleaved with other lines and in another case as well.
        r = parsed(rfc_request);
        r.add("X-Between", "1").add(to_upper(h.name), h.second_value).add(h.name, h.second_value);
        expect_problem(r, h.repeated_section, "appears 3 times");
    }
}

TEST(CheckRequest, HostEmpty) {
    expect_problem(rfc_with("Host", " "), "4.2.1", "Host header empty");
}

TEST(CheckRequest, UpgradeMissing) {
    expect_problem(rfc_with("Upgrade", std::nullopt), "4.2.1", "Upgrade header missing");
}

TEST(CheckRequest, UpgradeWithoutWebsocket) {
    for (const char* value : {"h2c", "websocket/13", "", "web socket"})
        expect_problem(rfc_with("Upgrade", value), "4.2.1", "'websocket'");
}

TEST(CheckRequest, ConnectionMissing) {
    expect_problem(rfc_with("Connection", std::nullopt), "4.2.1", "Connection header missing");
}

TEST(CheckRequest, ConnectionWithoutUpgrade) {
    for (const char* value : {"keep-alive", "close", "Upgrade2", "keep-alive; Upgrade"})
        expect_problem(rfc_with("Connection", value), "4.2.1", "'Upgrade'");
}

TEST(CheckRequest, KeyNotBase64Of16Bytes) {
    for (const char* key : {"AQIDBAUGBwgJCgsMDQ4P",       // 15 bytes
                            "AQIDBAUGBwgJCgsMDQ4PEBE=",   // 17 bytes
                            "not base64 at all!!!!!!!",   // 24 characters, not base64
                            "", "dGhlIHNhbXBsZSBub25jZQ", // no padding
                            "dGhlIHNhbXBsZSBub25jZQ==AA"})
        expect_problem(rfc_with("Sec-WebSocket-Key", key), "4.2.1", "not the base64 of 16 bytes");
}

TEST(CheckRequest, VersionBreaksTheAbnf) {
    // §4.3: 1*DIGIT in 0..255 without a leading zero.
    for (const char* version :
         {"013", "thirteen", "256", "1000", "", "-1", "+13", "13, 8", "1 3", "0x0d", "00"})
        expect_problem(rfc_with("Sec-WebSocket-Version", version), "4.2.1, 4.3", "not a version");
}

TEST(CheckRequest, VersionNot13) {
    for (const char* version : {"8", "0", "12", "14", "255"})
        expect_problem(rfc_with("Sec-WebSocket-Version", version), "4.2.1, 4.4",
                       std::string(version) + " instead of 13");
}

TEST(CheckRequest, VersionWithTrailingWhitespaceIs13) {
    // "13 ": the space is OWS around the value, on the wire and in a hand-built request.
    EXPECT_TRUE(check_request(rfc_with("Sec-WebSocket-Version", "13 ")).empty());
    std::string wire = rfc_request;
    wire.replace(wire.find("Version: 13"), 11, "Version: 13 ");
    EXPECT_TRUE(check_request(parsed(wire)).empty());
}

TEST(CheckRequest, SubprotocolNotAToken) {
    for (const char* value : {"chat, sup/erchat", "a b", "\"chat\"", "ch@t"})
        expect_problem(rfc_with("Sec-WebSocket-Protocol", value), "4.1", "not a token");
}

TEST(CheckRequest, SubprotocolTwice) {
    auto r = parsed(rfc_request);
    r.add("Sec-WebSocket-Protocol", "chat");
    expect_problem(r, "4.1", "'chat' offered twice");
    // Case matters for subprotocol names: these are two.
    EXPECT_TRUE(check_request(rfc_with("Sec-WebSocket-Protocol", "chat, Chat")).empty());
}

TEST(CheckRequest, DeflateOffersToDecline) {
    auto r = parsed(rfc_request);
    r.add("Sec-WebSocket-Extensions",
          "permessage-deflate, permessage-deflate; server_max_window_bits=7")
        .add("Sec-WebSocket-Extensions", "x-other, permessage-deflate; foo=bar")
        .add("Sec-WebSocket-Extensions",
             "permessage-deflate; client_no_context_takeover; client_no_context_takeover");
    const auto problems = check_request(r);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_EQ(problems[0].section, rfc_reference(deflate_error::invalid_window_bits));
    EXPECT_NE(problems[0].what.find("offer 2"), std::string::npos) << problems[0].what;
    EXPECT_NE(problems[0].what.find("server_max_window_bits=7"), std::string::npos)
        << problems[0].what;
    // The reference is in the section, not repeated in the text.
    EXPECT_EQ(problems[0].what.find("RFC"), std::string::npos) << problems[0].what;
    EXPECT_EQ(problems[1].section, rfc_reference(deflate_error::unknown_parameter));
    EXPECT_NE(problems[1].what.find("offer 3"), std::string::npos) << problems[1].what;
    EXPECT_EQ(problems[2].section, rfc_reference(deflate_error::duplicate_parameter));
    EXPECT_NE(problems[2].what.find("offer 4"), std::string::npos) << problems[2].what;
}

TEST(CheckRequest, EveryProblemInOrder) {
    upgrade_request r;
    r.method = "POST";
    r.version = "HTTP/1.0";
    r.target = "*";
    r.add("Sec-WebSocket-Key", "short")
        .add("Sec-WebSocket-Version", "013")
        .add("Sec-WebSocket-Protocol", "a b")
        .add("Sec-WebSocket-Extensions", "permessage-deflate; x");
    std::vector<std::string> sections;
    for (const auto& p : check_request(r))
        sections.push_back(p.section);
    EXPECT_EQ(sections,
              (std::vector<std::string>{"4.2.1", "4.2.1; RFC 9110 §7.8", "4.2.1", "4.2.1", "4.2.1",
                                        "4.2.1", "4.2.1", "4.2.1, 4.3", "4.1", "RFC 7692 §7"}));
}

TEST(CheckRequest, LongValuesAreCutInTheReport) {
    const auto problems = check_request(rfc_with("Sec-WebSocket-Key", std::string(10000, 'A')));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_LT(problems[0].what.size(), 200u) << problems[0].what;
}

// ---- valid_key, requested_version --------------------------------------------------------------

TEST(ValidKey, Base64Of16Bytes) {
    EXPECT_TRUE(valid_key(rfc_key));
    EXPECT_TRUE(valid_key("AQIDBAUGBwgJCgsMDQ4PEA=="));
    EXPECT_TRUE(valid_key("++++++++++++++++++++//=="));
    for (int i = 0; i < 20; ++i)
        EXPECT_TRUE(valid_key(make_key()));
    // Pad bits that are not zero still decode to 16 bytes.
    EXPECT_TRUE(valid_key("dGhlIHNhbXBsZSBub25jZR=="));
}

TEST(ValidKey, Rejected) {
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4P"));     // 15 bytes
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4PEBE=")); // 17 bytes
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4PEA="));  // one '=' short
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4PEA=A"));
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4-EA==")); // base64url, not base64
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4_EA=="));
    EXPECT_FALSE(valid_key("AQIDBAUGBwgJCgsMDQ4 EA=="));
    EXPECT_FALSE(valid_key(" dGhlIHNhbXBsZSBub25jZQ=="));
    EXPECT_FALSE(valid_key(""));
    EXPECT_FALSE(valid_key(std::string_view("AQIDBAUGBwgJCgsMDQ4\0EA==", 24)));
}

TEST(RequestedVersion, WellFormedSingleValue) {
    EXPECT_EQ(requested_version(parsed(rfc_request)), 13);
    EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", "8")), 8);
    EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", "0")), 0);
    EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", "255")), 255);
    EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", "13 ")), 13);
    for (const char* bad : {"013", "thirteen", "256", "", "13,"})
        EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", bad)), std::nullopt) << bad;
    EXPECT_EQ(requested_version(rfc_with("Sec-WebSocket-Version", std::nullopt)), std::nullopt);
    auto twice = parsed(rfc_request);
    twice.add("Sec-WebSocket-Version", "13");
    EXPECT_EQ(requested_version(twice), std::nullopt);
}

// ---- Response builder ---------------------------------------------------------------------------

TEST(ResponseBuilder, WritesExactlyWhatItHolds) {
    upgrade_response_builder r;
    EXPECT_EQ(r.serialize(), "HTTP/1.1 101 Switching Protocols\r\n\r\n");
    // Invalid on purpose: duplicates, no Upgrade, odd status line, bytes after the header.
    r.version = "HTTP/1.0";
    r.status = 1010;
    r.reason = "";
    r.add("Connection", "Upgrade")
        .add("Sec-WebSocket-Accept", "one")
        .add("sec-websocket-accept", "two")
        .add("X-Spaces", "  a  ");
    r.body = std::string("\x81\x00", 2);
    EXPECT_EQ(r.serialize(), "HTTP/1.0 1010 \r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: one\r\n"
                             "sec-websocket-accept: two\r\n"
                             "X-Spaces:   a  \r\n"
                             "\r\n" +
                                 r.body);
}

TEST(ResponseBuilder, SetRemoveGet) {
    upgrade_response_builder r;
    r.add("A", "1").add("B", "2").add("b", "3").add("C", "4");
    EXPECT_EQ(r.get("b"), "2");
    EXPECT_EQ(r.list("B"), (std::vector<std::string>{"2", "3"}));
    EXPECT_FALSE(r.get("D"));
    r.set("B", "new");
    EXPECT_EQ(r.headers, (std::vector<header_field>{{"A", "1"}, {"B", "new"}, {"C", "4"}}));
    r.set("D", "5").remove("a").remove("not-there");
    EXPECT_EQ(r.headers, (std::vector<header_field>{{"B", "new"}, {"C", "4"}, {"D", "5"}}));
}

TEST(MakeAcceptResponse, RfcExample) {
    const auto r = make_accept_response(rfc_key, {{"Sec-WebSocket-Protocol", "chat"}});
    // RFC 6455 §1.2's response, byte for byte.
    EXPECT_EQ(r.serialize(), "HTTP/1.1 101 Switching Protocols\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                             "Sec-WebSocket-Protocol: chat\r\n"
                             "\r\n");
    // Whitespace around the key is not part of it.
    EXPECT_EQ(make_accept_response(" " + std::string(rfc_key) + "\t").get("Sec-WebSocket-Accept"),
              std::string(rfc_accept));
}

TEST(MakeAcceptResponse, RoundTripThroughBothSides) {
    // Server: parse and check the client's request, answer it. Client: parse and check the
    // answer against what it offered.
    const std::string data = rfc_request + hello_frame;
    upgrade_request request;
    std::size_t used = 0;
    ASSERT_EQ(parse_request(data, request, used), request_parse_status::complete);
    ASSERT_TRUE(check_request(request).empty());
    const auto key = *request.get("Sec-WebSocket-Key");
    const auto protocols = request.list("Sec-WebSocket-Protocol");
    const std::string wire =
        make_accept_response(key, {{"Sec-WebSocket-Protocol", protocols.at(1)}}).serialize() +
        hello_frame;

    upgrade_response response;
    ASSERT_EQ(parse_response(wire, response), response_parse_status::complete);
    EXPECT_EQ(wire.substr(response.header_bytes), hello_frame);
    EXPECT_TRUE(
        check_response(response, {key, protocols, extension_names(request.headers)}).empty());
    // The client checks the accept against its own key: another key is caught.
    EXPECT_FALSE(check_response(response, {make_key(), protocols, {}}).empty());
    // A fresh key and no extras as well.
    const auto fresh = make_key();
    ASSERT_EQ(parse_response(make_accept_response(fresh).serialize(), response),
              response_parse_status::complete);
    EXPECT_TRUE(check_response(response, {fresh, {}, {}}).empty());
}

TEST(MakeAcceptResponse, BrokenCopiesAreCaughtByTheClient) {
    // The builder leaves a valid response open to breaking: the client's checks see each.
    auto no_upgrade = make_accept_response(rfc_key).remove("Upgrade");
    upgrade_response response;
    ASSERT_EQ(parse_response(no_upgrade.serialize(), response), response_parse_status::complete);
    EXPECT_EQ(check_response(response, {std::string(rfc_key), {}, {}}).size(), 1u);
    auto unoffered = make_accept_response(rfc_key).add("Sec-WebSocket-Protocol", "chat");
    ASSERT_EQ(parse_response(unoffered.serialize(), response), response_parse_status::complete);
    EXPECT_EQ(check_response(response, {std::string(rfc_key), {}, {}}).size(), 1u);
}

TEST(MakeRefusal, VersionHeaderWhenAsked) {
    EXPECT_EQ(make_refusal(400, "Bad Request", true).serialize(), "HTTP/1.1 400 Bad Request\r\n"
                                                                  "Sec-WebSocket-Version: 13\r\n"
                                                                  "Content-Length: 0\r\n"
                                                                  "\r\n");
    EXPECT_EQ(make_refusal(403, "Forbidden", false).serialize(), "HTTP/1.1 403 Forbidden\r\n"
                                                                 "Content-Length: 0\r\n"
                                                                 "\r\n");
    // 426 names the protocol to upgrade to (RFC 9110 §15.5.22).
    const auto upgrade_required = make_refusal(426, "Upgrade Required", true);
    EXPECT_EQ(upgrade_required.serialize(), "HTTP/1.1 426 Upgrade Required\r\n"
                                            "Upgrade: websocket\r\n"
                                            "Connection: Upgrade\r\n"
                                            "Sec-WebSocket-Version: 13\r\n"
                                            "Content-Length: 0\r\n"
                                            "\r\n");
    // A client sees a refusal, not a broken 101.
    upgrade_response response;
    ASSERT_EQ(parse_response(upgrade_required.serialize(), response),
              response_parse_status::complete);
    EXPECT_EQ(response.status, 426u);
    EXPECT_EQ(response.get("Sec-WebSocket-Version"), "13");
    const auto problems = check_response(response, {std::string(rfc_key), {}, {}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].what.find("426"), std::string::npos);
}

} // namespace
} // namespace wsconform::codec
