// The opening handshake's request as a case plans it (RFC 6455 §4.1): the conforming request,
// the run's --header values, a plan's edits with their placeholders, and what it offers.

#include "harness/runner/request.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;

net::target_url url() {
    return *net::parse_url("ws://example.test:9001/chat?room=1");
}

constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";

TEST(Request, DefaultPlanIsTheConformingRequest) {
    auto r = build_request(request_plan{}, url(), key);
    auto conforming = codec::make_upgrade_request(url().host_header, url().target, key);
    EXPECT_EQ(r.serialize(), conforming.serialize());
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/chat?room=1");
    EXPECT_EQ(r.get("Sec-WebSocket-Key"), std::string(key));
}

TEST(Request, RunHeadersComeFirstAndEditsOverrideThem) {
    std::vector<codec::header_field> extra{{"Cookie", "a=1"}, {"X-Run", "run"}};
    request_plan plan;
    plan.edits = {{header_edit::action::set, "X-Run", "case"}};
    auto r = build_request(plan, url(), key, extra);
    EXPECT_EQ(r.get("Cookie"), "a=1");
    EXPECT_EQ(r.get("X-Run"), "case");
}

TEST(Request, WithoutCredentialsLeavesOutCookieAndAuthorization) {
    std::vector<codec::header_field> extra{
        {"cookie", "a=1"}, {"Authorization", "Basic eA=="}, {"X-Run", "run"}};
    request_plan plan;
    plan.without_credentials = true;
    auto r = build_request(plan, url(), key, extra);
    EXPECT_FALSE(r.get("Cookie"));
    EXPECT_FALSE(r.get("Authorization"));
    EXPECT_EQ(r.get("X-Run"), "run");
    EXPECT_TRUE(is_credential("COOKIE"));
    EXPECT_FALSE(is_credential("Origin"));
}

TEST(Request, EditsExpandPlaceholdersInOrder) {
    request_plan plan;
    plan.method = "POST";
    plan.version = "HTTP/1.0";
    plan.target = "/{host}:{port}/{key}";
    plan.edits = {{header_edit::action::add, "Sec-WebSocket-Key", "{key}"},
                  {header_edit::action::remove, "Sec-WebSocket-Version", ""},
                  {header_edit::action::set, "Origin", "{origin_scheme}://{origin_host}"}};
    auto r = build_request(plan, url(), key, {}, "https://app.example.test");
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.version, "HTTP/1.0");
    EXPECT_EQ(r.target, "/example.test:9001/" + std::string(key));
    EXPECT_EQ(r.list("Sec-WebSocket-Key").size(), 2u); // a duplicate, as the case wants
    EXPECT_FALSE(r.get("Sec-WebSocket-Version"));
    EXPECT_EQ(r.get("Origin"), "https://app.example.test");
}

TEST(Request, OriginPlaceholdersStayWithoutAnAllowedOrigin) {
    request_plan plan;
    plan.edits = {{header_edit::action::set, "Origin", "{origin}"}};
    EXPECT_EQ(build_request(plan, url(), key).get("Origin"), "{origin}");
}

TEST(Request, OfferNamesKeyProtocolsAndExtensions) {
    request_plan plan;
    plan.edits = {{header_edit::action::set, "Sec-WebSocket-Protocol", "chat, superchat"},
                  {header_edit::action::set, "Sec-WebSocket-Extensions",
                   "permessage-deflate; client_max_window_bits"}};
    auto offer = offer_of(build_request(plan, url(), key));
    EXPECT_EQ(offer.key, key);
    EXPECT_EQ(offer.protocols, (std::vector<std::string>{"chat", "superchat"}));
    EXPECT_EQ(offer.extensions, (std::vector<std::string>{"permessage-deflate"}));
}

} // namespace
