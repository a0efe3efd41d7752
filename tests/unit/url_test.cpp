// ws:// and wss:// URLs (RFC 6455 §3): what the harness and the reference client connect to.
#include "harness/net/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using wsconform::net::parse_url;

std::string error_of(std::string_view url) {
    std::string error;
    EXPECT_FALSE(parse_url(url, &error)) << url;
    return error;
}

TEST(Url, DefaultPortsAndTarget) {
    auto plain = parse_url("ws://example.com");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->tls);
    EXPECT_EQ(plain->port, 80);
    EXPECT_EQ(plain->target, "/");
    EXPECT_EQ(plain->host_header, "example.com"); // §4.1: no port when it is the default
    EXPECT_EQ(plain->text, "ws://example.com:80/");

    auto secure = parse_url("WSS://example.com/chat?room=1");
    ASSERT_TRUE(secure);
    EXPECT_TRUE(secure->tls);
    EXPECT_EQ(secure->port, 443);
    EXPECT_EQ(secure->target, "/chat?room=1");
    EXPECT_EQ(secure->authority(), "example.com:443");
}

TEST(Url, ExplicitPortGoesIntoTheHostHeader) {
    auto u = parse_url("ws://127.0.0.1:9001?case=3");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 9001);
    EXPECT_EQ(u->target, "/?case=3"); // a query with no path gets the root path
    EXPECT_EQ(u->host_header, "127.0.0.1:9001");
}

TEST(Url, Ipv6LiteralsKeepTheirBracketsOnTheWire) {
    auto u = parse_url("ws://[::1]:9001/x");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->host_header, "[::1]:9001");
    EXPECT_EQ(u->authority(), "[::1]:9001");
    auto default_port = parse_url("ws://[::1]/");
    ASSERT_TRUE(default_port);
    EXPECT_EQ(default_port->host_header, "[::1]");
}

TEST(Url, RefusesWhatCannotBeARequest) {
    EXPECT_NE(error_of("http://example.com/").find("ws://"), std::string::npos);
    EXPECT_NE(error_of("ws://example.com/#frag").find("fragment"), std::string::npos);
    EXPECT_NE(error_of("ws://user@example.com/").find("user"), std::string::npos);
    EXPECT_NE(error_of("ws://[::1/").find("IPv6"), std::string::npos);
    EXPECT_NE(error_of("ws://[not-v6]:1/").find("IPv6"), std::string::npos);
    EXPECT_NE(error_of("ws://[::1]x/").find("IPv6"), std::string::npos);
    EXPECT_NE(error_of("ws://ex ample.com/").find("host"), std::string::npos);
    EXPECT_NE(error_of("ws://:9001/").find("host"), std::string::npos);
    EXPECT_NE(error_of("ws://example.com:0/").find("port"), std::string::npos);
    EXPECT_NE(error_of("ws://example.com:65536/").find("port"), std::string::npos);
    EXPECT_NE(error_of("ws://example.com:80x/").find("port"), std::string::npos);
    // The target goes verbatim into the request line: a space or CR LF would change it.
    EXPECT_NE(error_of("ws://example.com/a b").find("visible ASCII"), std::string::npos);
    EXPECT_NE(error_of("ws://example.com/a\r\nX: y").find("visible ASCII"), std::string::npos);
}

} // namespace
