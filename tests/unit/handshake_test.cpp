#include "harness/codec/handshake.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wsconform::codec {
namespace {

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
// The value printed in RFC 6455 §1.3 (and §4.2.2): base64(SHA-1(key + GUID)).
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// ---- Keys -----------------------------------------------------------------------------------

TEST(Handshake, AcceptKeyRfcExample) {
    EXPECT_EQ(compute_accept(rfc_key), rfc_accept);
}

TEST(Handshake, AcceptKeyOtherValues) {
    // Cross-checked with Python's hashlib and base64 modules.
    EXPECT_EQ(compute_accept("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    EXPECT_EQ(compute_accept(""), "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w=");
    EXPECT_NE(compute_accept("dGhlIHNhbXBsZSBub25jZQ"), rfc_accept);
}

TEST(Handshake, Base64Rfc4648Vectors) {
    auto b64 = [](std::string_view s) { return base64_encode(to_bytes(s)); };
    EXPECT_EQ(b64(""), "");
    EXPECT_EQ(b64("f"), "Zg==");
    EXPECT_EQ(b64("fo"), "Zm8=");
    EXPECT_EQ(b64("foo"), "Zm9v");
    EXPECT_EQ(b64("foob"), "Zm9vYg==");
    EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(hex("00 ff fe")), "AP/+");
    EXPECT_EQ(base64_encode(to_bytes("the sample nonce")), rfc_key);
}

TEST(Handshake, MakeKeyIsBase64Of16RandomBytes) {
    std::set<std::string> keys;
    for (int i = 0; i < 50; ++i) {
        const std::string k = make_key();
        ASSERT_EQ(k.size(), 24u);
        EXPECT_EQ(k.substr(22), "==");
        for (char c : k.substr(0, 22))
            EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') << k;
        keys.insert(k);
    }
    EXPECT_EQ(keys.size(), 50u);
}

TEST(Handshake, Iequals) {
    EXPECT_TRUE(iequals("Upgrade", "upgrade"));
    EXPECT_TRUE(iequals("SEC-websocket-KEY", "Sec-WebSocket-Key"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("Upgrade", "Upgrade "));
    EXPECT_FALSE(iequals("Upgrade", "Upgrad"));
    EXPECT_FALSE(iequals("a", "b"));
}

// ---- Request builder ------------------------------------------------------------------------

TEST(UpgradeRequest, ConformingRequest) {
    auto r = make_upgrade_request("server.example.com", "/chat", rfc_key);
    EXPECT_EQ(r.serialize(), "GET /chat HTTP/1.1\r\n"
                             "Host: server.example.com\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "User-Agent: wsconform\r\n"
                             "\r\n");
    EXPECT_EQ(r.get("sec-websocket-key"), std::string(rfc_key));
    EXPECT_EQ(r.get("SEC-WEBSOCKET-VERSION"), "13");
    EXPECT_FALSE(r.get("Origin"));
}

TEST(UpgradeRequest, AddDuplicates) {
    upgrade_request r;
    r.add("X-A", "1").add("x-a", "2");
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.get("X-A"), "1"); // get returns the first
    EXPECT_EQ(r.serialize(), "GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
}

TEST(UpgradeRequest, SetReplacesInPlaceAndDropsDuplicates) {
    upgrade_request r;
    r.add("A", "1").add("B", "2").add("b", "3").add("C", "4").add("B", "5");
    r.set("B", "new");
    EXPECT_EQ(r.headers, (std::vector<header_field>{{"A", "1"}, {"B", "new"}, {"C", "4"}}));
    // Case-insensitive; the original spelling of the name is kept.
    r.set("a", "x");
    EXPECT_EQ(r.headers[0], (header_field{"A", "x"}));
    // Absent: appended.
    r.set("Origin", "http://example.com");
    EXPECT_EQ(r.headers.back(), (header_field{"Origin", "http://example.com"}));
    EXPECT_EQ(r.headers.size(), 4u);
}

TEST(UpgradeRequest, RemoveEveryMatch) {
    auto r = make_upgrade_request("h", "/", rfc_key);
    r.add("connection", "keep-alive");
    r.remove("CONNECTION");
    EXPECT_FALSE(r.get("Connection"));
    EXPECT_EQ(r.headers.size(), 5u);
    r.remove("Not-There");
    EXPECT_EQ(r.headers.size(), 5u);
    EXPECT_EQ(r.serialize(), "GET / HTTP/1.1\r\n"
                             "Host: h\r\n"
                             "Upgrade: websocket\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "User-Agent: wsconform\r\n"
                             "\r\n");
}

TEST(UpgradeRequest, BrokenOnPurpose) {
    auto r = make_upgrade_request("h", "/", rfc_key);
    r.method = "POST";
    r.version = "HTTP/1.0";
    r.target = "/x?y=1";
    r.set("Sec-WebSocket-Version", "12").add("Sec-WebSocket-Key", "second");
    EXPECT_EQ(r.serialize(), "POST /x?y=1 HTTP/1.0\r\n"
                             "Host: h\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 12\r\n"
                             "User-Agent: wsconform\r\n"
                             "Sec-WebSocket-Key: second\r\n"
                             "\r\n");
}

// ---- Response parsing -------------------------------------------------------------------------

const std::string rfc_response = "HTTP/1.1 101 Switching Protocols\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                 "Sec-WebSocket-Protocol: chat\r\n"
                                 "\r\n";

TEST(ParseResponse, Complete) {
    upgrade_response r;
    ASSERT_EQ(parse_response(rfc_response, r), response_parse_status::complete);
    EXPECT_EQ(r.status, 101u);
    EXPECT_EQ(r.reason, "Switching Protocols");
    EXPECT_EQ(r.header_bytes, rfc_response.size());
    EXPECT_EQ(r.headers, (std::vector<header_field>{
                             {"Upgrade", "websocket"},
                             {"Connection", "Upgrade"},
                             {"Sec-WebSocket-Accept", std::string(rfc_accept)},
                             {"Sec-WebSocket-Protocol", "chat"},
                         }));
    EXPECT_EQ(r.get("sec-websocket-accept"), std::string(rfc_accept));
    EXPECT_FALSE(r.get("Sec-WebSocket-Extensions"));
}

TEST(ParseResponse, HeaderBytesExcludeFollowingFrames) {
    std::string data = rfc_response;
    data += "\x81\x05Hello\x89";
    data += std::string("\x00", 1);
    upgrade_response r;
    ASSERT_EQ(parse_response(data, r), response_parse_status::complete);
    EXPECT_EQ(r.header_bytes, rfc_response.size());
    EXPECT_EQ(data.substr(r.header_bytes), std::string("\x81\x05Hello\x89\x00", 9));
}

TEST(ParseResponse, HeaderBytesWithABodyLengthHeader) {
    // A 101 has no body even if it claims one: the bytes after the header are WebSocket bytes.
    const std::string head = "HTTP/1.1 101 Switching Protocols\r\nContent-Length: 5\r\n\r\n";
    upgrade_response r;
    ASSERT_EQ(parse_response(head + "\x81\x00", r), response_parse_status::complete);
    EXPECT_EQ(r.header_bytes, head.size());
}

TEST(ParseResponse, EveryTruncationNeedsMore) {
    for (std::size_t n = 0; n < rfc_response.size(); ++n) {
        upgrade_response r;
        EXPECT_EQ(parse_response(std::string_view(rfc_response).substr(0, n), r),
                  response_parse_status::need_more)
            << n;
    }
}

TEST(ParseResponse, Garbage) {
    for (std::string_view bad :
         {std::string_view("garbage\r\n\r\n"), std::string_view("HTTP/1.1 abc Nope\r\n\r\n"),
          std::string_view("HTTP/1.1 101 OK\r\nNo colon here\r\n\r\n"),
          std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n", 13),
          std::string_view("HTTP/9 101 OK\r\n\r\n")}) {
        upgrade_response r;
        std::string error;
        EXPECT_EQ(parse_response(bad, r, &error), response_parse_status::malformed) << bad;
        EXPECT_FALSE(error.empty()) << bad;
        // Without the error string too.
        EXPECT_EQ(parse_response(bad, r), response_parse_status::malformed) << bad;
    }
}

TEST(ParseResponse, OtherStatus) {
    upgrade_response r;
    ASSERT_EQ(parse_response("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", r),
              response_parse_status::complete);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.reason, "Bad Request");
}

TEST(ParseResponse, ListSplitsAndTrims) {
    upgrade_response r;
    ASSERT_EQ(parse_response("HTTP/1.1 101 Switching Protocols\r\n"
                             "Connection: keep-alive ,  Upgrade\r\n"
                             "connection: ,x,\t\r\n"
                             "\r\n",
                             r),
              response_parse_status::complete);
    EXPECT_EQ(r.list("CONNECTION"), (std::vector<std::string>{"keep-alive", "Upgrade", "x"}));
    EXPECT_TRUE(r.list("Upgrade").empty());
}

// ---- Response checks ------------------------------------------------------------------------

upgrade_response parsed(const std::string& text) {
    upgrade_response r;
    EXPECT_EQ(parse_response(text, r), response_parse_status::complete) << text;
    return r;
}

std::string response_with(std::string_view extra_headers, std::string_view accept = rfc_accept,
                          std::string_view status_line = "HTTP/1.1 101 Switching Protocols") {
    return std::string(status_line) +
           "\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           std::string(accept) + "\r\n" + std::string(extra_headers) + "\r\n";
}

upgrade_offer offer(std::vector<std::string> protocols = {},
                    std::vector<std::string> extensions = {}) {
    return {std::string(rfc_key), std::move(protocols), std::move(extensions)};
}

/// The single problem found, or a failure.
std::string only_problem(const upgrade_response& r, const upgrade_offer& o) {
    auto problems = check_response(r, o);
    EXPECT_EQ(problems.size(), 1u);
    if (problems.empty())
        return "";
    EXPECT_EQ(problems[0].section, "4.1");
    return problems[0].what;
}

TEST(CheckResponse, CorrectResponsePasses) {
    EXPECT_TRUE(check_response(parsed(rfc_response), offer({"chat", "superchat"})).empty());
    EXPECT_TRUE(check_response(parsed(response_with("")), offer()).empty());
    // Token and header names are case-insensitive; the Connection list may hold more tokens.
    EXPECT_TRUE(check_response(parsed("HTTP/1.1 101 Switching Protocols\r\n"
                                      "UPGRADE: WebSocket\r\n"
                                      "connection: keep-alive, upgrade\r\n"
                                      "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                      "\r\n"),
                               offer())
                    .empty());
    // An offered extension, with parameters.
    EXPECT_TRUE(
        check_response(parsed(response_with("Sec-WebSocket-Extensions: "
                                            "permessage-deflate; client_max_window_bits=10\r\n")),
                       offer({}, {"permessage-deflate"}))
            .empty());
}

TEST(CheckResponse, Non101) {
    auto r = parsed(response_with("", rfc_accept, "HTTP/1.1 200 OK"));
    auto what = only_problem(r, offer());
    EXPECT_NE(what.find("200"), std::string::npos) << what;
    // Nothing else is judged once the status is wrong.
    auto r2 = parsed("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    EXPECT_NE(only_problem(r2, offer()).find("403"), std::string::npos);
}

TEST(CheckResponse, WrongAccept) {
    auto what = only_problem(parsed(response_with("", "dGhlIHNhbXBsZSBub25jZQ==")), offer());
    EXPECT_NE(what.find("Sec-WebSocket-Accept"), std::string::npos) << what;
    EXPECT_NE(what.find(std::string(rfc_accept)), std::string::npos) << what; // the expected one
    // Right accept for another key.
    upgrade_offer other = offer();
    other.key = "x3JJHMbDL1EzLkh9GBhXDw==";
    EXPECT_EQ(check_response(parsed(rfc_response), other).size(), 2u); // accept + protocol
}

TEST(CheckResponse, MissingAccept) {
    auto r = parsed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\n\r\n");
    EXPECT_NE(only_problem(r, offer()).find("missing"), std::string::npos);
}

TEST(CheckResponse, MissingOrWrongUpgrade) {
    auto missing = parsed("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    EXPECT_NE(only_problem(missing, offer()).find("Upgrade"), std::string::npos);
    auto wrong =
        parsed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    EXPECT_NE(only_problem(wrong, offer()).find("Upgrade"), std::string::npos);
}

TEST(CheckResponse, ConnectionWithoutUpgrade) {
    auto r = parsed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: keep-alive\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    EXPECT_NE(only_problem(r, offer()).find("Connection"), std::string::npos);
    auto none = parsed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    EXPECT_NE(only_problem(none, offer()).find("Connection"), std::string::npos);
}

TEST(CheckResponse, SubprotocolNotOffered) {
    // None offered.
    auto what = only_problem(parsed(rfc_response), offer());
    EXPECT_NE(what.find("none was offered"), std::string::npos) << what;
    // Others offered.
    what = only_problem(parsed(rfc_response), offer({"superchat", "Chat"}));
    EXPECT_NE(what.find("'chat'"), std::string::npos) << what;
    // More than one selected.
    what = only_problem(parsed(response_with("Sec-WebSocket-Protocol: chat, superchat\r\n")),
                        offer({"chat", "superchat"}));
    EXPECT_NE(what.find("not offered"), std::string::npos) << what;
}

TEST(CheckResponse, ExtensionNotOffered) {
    auto r = parsed(response_with("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    auto what = only_problem(r, offer());
    EXPECT_NE(what.find("permessage-deflate"), std::string::npos) << what;
    what = only_problem(r, offer({}, {"x-webkit-deflate-frame"}));
    EXPECT_NE(what.find("permessage-deflate"), std::string::npos) << what;
    // Two extensions, one offered.
    auto two = parsed(response_with("Sec-WebSocket-Extensions: permessage-deflate, foo; a=1\r\n"));
    what = only_problem(two, offer({}, {"permessage-deflate"}));
    EXPECT_NE(what.find("'foo'"), std::string::npos) << what;
}

TEST(CheckResponse, SeveralProblemsAtOnce) {
    auto r = parsed("HTTP/1.1 101 Switching Protocols\r\n"
                    "Sec-WebSocket-Accept: wrong\r\n"
                    "Sec-WebSocket-Extensions: foo\r\n"
                    "Sec-WebSocket-Protocol: chat\r\n\r\n");
    EXPECT_EQ(check_response(r, offer()).size(), 5u);
}

} // namespace
} // namespace wsconform::codec
