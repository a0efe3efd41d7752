// The opening handshake over HTTP/2 (RFC 8441 §4-5) as header lists: the extended CONNECT made
// from an HTTP/1.1 request, and the checks of the server's answer.
#include "harness/codec/extended_connect.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform::codec;

upgrade_response answer(std::vector<header_field> fields) {
    return connect_response(fields);
}

std::string all(const std::vector<handshake_problem>& problems) {
    std::string out;
    for (const auto& p : problems)
        out += p.what + " (" + p.section + "); ";
    return out;
}

TEST(ExtendedConnect, MadeFromTheUpgradeRequestWithoutWhatHttp2HasNoPlaceFor) {
    auto request =
        make_upgrade_request("example.test:8080", "/chat?room=1", "dGhlIHNhbXBsZSBub25jZQ==");
    request.add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
    request.add("Origin", "http://example.test");
    const auto fields = extended_connect(request, "https", "example.test:8080");
    const std::vector<header_field> expected = {
        {":method", "CONNECT"},
        {":protocol", "websocket"},
        {":scheme", "https"},
        {":path", "/chat?room=1"},
        {":authority", "example.test:8080"},
        {"sec-websocket-version", "13"},
        {"user-agent", "wsconform"},
        {"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"},
        {"origin", "http://example.test"},
    };
    EXPECT_EQ(fields, expected) << render_fields(fields);
}

TEST(ExtendedConnect, ResponseStatusComesFromTheStatusPseudoHeader) {
    auto r = answer({{":status", "200"}, {"server", "x"}});
    EXPECT_EQ(r.status, 200U);
    ASSERT_EQ(r.headers.size(), 1U);
    EXPECT_EQ(r.headers[0].name, "server");
    EXPECT_EQ(answer({{"server", "x"}}).status, 0U);
    EXPECT_EQ(answer({{":status", "20"}}).status, 0U);
    EXPECT_EQ(answer({{":status", "2x0"}}).status, 0U);
}

TEST(ExtendedConnect, A200WithNothingExtraIsAccepted) {
    EXPECT_TRUE(check_connect_response(answer({{":status", "200"}}), {}).empty());
    upgrade_offer offer{.key = "", .protocols = {"chat"}, .extensions = {"permessage-deflate"}};
    EXPECT_TRUE(check_connect_response(answer({{":status", "200"},
                                               {"sec-websocket-protocol", "chat"},
                                               {"sec-websocket-extensions", "permessage-deflate"}}),
                                       offer)
                    .empty());
}

TEST(ExtendedConnect, WhatAResponseMustNotBe) {
    const upgrade_offer none;
    auto upgrade = check_connect_response(answer({{":status", "101"}}), none);
    ASSERT_EQ(upgrade.size(), 1U);
    EXPECT_EQ(upgrade[0].section, "RFC 9113 8.6");

    auto refused = check_connect_response(answer({{":status", "400"}}), none);
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_EQ(refused[0].what, "status 400 instead of 200");

    auto no_status = check_connect_response(answer({{"server", "x"}}), none);
    ASSERT_EQ(no_status.size(), 1U);
    EXPECT_EQ(no_status[0].section, "RFC 9113 8.3.2");

    auto accept = check_connect_response(
        answer({{":status", "200"}, {"sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}}),
        none);
    ASSERT_EQ(accept.size(), 1U) << all(accept);
    EXPECT_EQ(accept[0].section, "RFC 8441 5");

    auto connection = check_connect_response(
        answer({{":status", "200"}, {"connection", "upgrade"}, {"upgrade", "websocket"}}), none);
    ASSERT_EQ(connection.size(), 2U) << all(connection);
    EXPECT_EQ(connection[0].section, "RFC 9113 8.2.2");

    // RFC 6455 §4.1 as over HTTP/1.1: nothing that was not offered.
    auto extension = check_connect_response(
        answer({{":status", "200"}, {"sec-websocket-extensions", "permessage-deflate"}}), none);
    ASSERT_EQ(extension.size(), 1U) << all(extension);
    EXPECT_NE(extension[0].what.find("not offered"), std::string::npos);
    auto protocol = check_connect_response(
        answer({{":status", "200"}, {"sec-websocket-protocol", "chat"}}), none);
    ASSERT_EQ(protocol.size(), 1U) << all(protocol);
}

} // namespace
