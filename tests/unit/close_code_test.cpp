#include "harness/codec/close_code.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace wsconform::codec {
namespace {

using cls = close_code_class;

TEST(CloseCode, ClassifyBoundaries) {
    const std::pair<close_code, cls> cases[] = {
        {0, cls::invalid},      {999, cls::invalid},     {1000, cls::valid},
        {1001, cls::valid},     {1002, cls::valid},      {1003, cls::valid},
        {1004, cls::invalid},   {1005, cls::invalid},    {1006, cls::invalid},
        {1007, cls::valid},     {1008, cls::valid},      {1009, cls::valid},
        {1010, cls::valid},     {1011, cls::valid},      {1012, cls::valid},
        {1013, cls::valid},     {1014, cls::valid},      {1015, cls::invalid},
        {1016, cls::invalid},   {1999, cls::invalid},    {2000, cls::invalid},
        {2999, cls::invalid},   {3000, cls::valid},      {3999, cls::valid},
        {4000, cls::valid},     {4999, cls::valid},      {5000, cls::undefined},
        {5001, cls::undefined}, {65535, cls::undefined},
    };
    for (auto [code, expected] : cases)
        EXPECT_EQ(classify(code), expected) << "code " << code;
}

TEST(CloseCode, ClassifyEveryValueMatchesRanges) {
    for (unsigned v = 0; v <= 0xffff; ++v) {
        auto code = static_cast<close_code>(v);
        cls expected = cls::invalid;
        if (v >= 5000)
            expected = cls::undefined;
        else if (v >= 3000)
            expected = cls::valid;
        else if ((v >= 1000 && v <= 1003) || (v >= 1007 && v <= 1014))
            expected = cls::valid;
        ASSERT_EQ(classify(code), expected) << "code " << v;
    }
}

TEST(CloseCode, ClassifyIsConstexpr) {
    static_assert(classify(close_codes::normal) == cls::valid);
    static_assert(classify(close_codes::no_status) == cls::invalid);
    static_assert(classify(close_codes::abnormal) == cls::invalid);
    static_assert(classify(close_codes::tls_handshake) == cls::invalid);
    static_assert(classify(5000) == cls::undefined);
    SUCCEED();
}

TEST(CloseCode, NamedConstants) {
    EXPECT_EQ(close_codes::normal, 1000);
    EXPECT_EQ(close_codes::going_away, 1001);
    EXPECT_EQ(close_codes::protocol_error, 1002);
    EXPECT_EQ(close_codes::unsupported_data, 1003);
    EXPECT_EQ(close_codes::reserved_1004, 1004);
    EXPECT_EQ(close_codes::no_status, 1005);
    EXPECT_EQ(close_codes::abnormal, 1006);
    EXPECT_EQ(close_codes::invalid_payload, 1007);
    EXPECT_EQ(close_codes::policy_violation, 1008);
    EXPECT_EQ(close_codes::message_too_big, 1009);
    EXPECT_EQ(close_codes::mandatory_extension, 1010);
    EXPECT_EQ(close_codes::internal_error, 1011);
    EXPECT_EQ(close_codes::service_restart, 1012);
    EXPECT_EQ(close_codes::try_again_later, 1013);
    EXPECT_EQ(close_codes::bad_gateway, 1014);
    EXPECT_EQ(close_codes::tls_handshake, 1015);
}

TEST(CloseCode, Names) {
    EXPECT_EQ(close_code_name(1000), "normal closure");
    EXPECT_EQ(close_code_name(1002), "protocol error");
    EXPECT_EQ(close_code_name(1007), "invalid frame payload data");
    EXPECT_EQ(close_code_name(1009), "message too big");
    EXPECT_EQ(close_code_name(1015), "TLS handshake");
    for (close_code c = 1000; c <= 1015; ++c)
        EXPECT_FALSE(close_code_name(c).empty()) << "code " << c;
    EXPECT_EQ(close_code_name(999), "");
    EXPECT_EQ(close_code_name(1016), "");
    EXPECT_EQ(close_code_name(3000), "");
    EXPECT_EQ(close_code_name(4999), "");
}

} // namespace
} // namespace wsconform::codec
