#include "harness/codec/frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wsconform::codec {
namespace {

TEST(Frame, Defaults) {
    frame f;
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.rsv, 0);
    EXPECT_EQ(f.op, opcode::text);
    EXPECT_FALSE(f.masked);
    EXPECT_EQ(f.key, (mask_key{0, 0, 0, 0}));
    EXPECT_EQ(f.form, length_form::minimal);
    EXPECT_FALSE(f.declared_length);
    EXPECT_TRUE(f.payload.empty());
    EXPECT_EQ(f.header_length(), 0u);
}

TEST(Frame, Constructors) {
    frame t = text_frame("Hello", false);
    EXPECT_EQ(t.op, opcode::text);
    EXPECT_FALSE(t.fin);
    EXPECT_EQ(t.payload, to_bytes("Hello"));

    frame b = binary_frame(hex("00 ff"));
    EXPECT_EQ(b.op, opcode::binary);
    EXPECT_TRUE(b.fin);
    EXPECT_EQ(b.payload, hex("00 ff"));

    frame c = continuation_frame(to_bytes("x"), true);
    EXPECT_EQ(c.op, opcode::continuation);
    EXPECT_TRUE(c.fin);

    frame p = make_frame(opcode::ping, to_bytes("p"));
    EXPECT_EQ(p.op, opcode::ping);
    EXPECT_TRUE(p.fin);
    EXPECT_FALSE(p.masked);
    EXPECT_EQ(p.rsv, 0);
}

TEST(Frame, CloseFrame) {
    frame f = close_frame(1000, "bye");
    EXPECT_EQ(f.op, opcode::close);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.payload, hex("03 e8 62 79 65"));
    EXPECT_EQ(close_frame(4999).payload, hex("13 87"));
    EXPECT_EQ(close_frame(0xabcd).payload, hex("ab cd"));
    EXPECT_EQ(close_frame_raw(hex("03")).payload, hex("03"));
    EXPECT_EQ(close_frame_raw({}).op, opcode::close);
    EXPECT_TRUE(close_frame_raw({}).payload.empty());
}

TEST(Frame, RsvAccessorsAndHeaderLength) {
    frame f;
    for (std::uint8_t rsv = 0; rsv < 8; ++rsv) {
        f.rsv = rsv;
        EXPECT_EQ(f.rsv1(), (rsv & 4) != 0);
        EXPECT_EQ(f.rsv2(), (rsv & 2) != 0);
        EXPECT_EQ(f.rsv3(), (rsv & 1) != 0);
    }
    f.payload = to_bytes("abc");
    EXPECT_EQ(f.header_length(), 3u);
    f.declared_length = 0;
    EXPECT_EQ(f.header_length(), 0u);
    f.declared_length = 1ull << 40;
    EXPECT_EQ(f.header_length(), 1ull << 40);
}

TEST(Frame, Equality) {
    frame a = text_frame("x");
    frame b = text_frame("x");
    EXPECT_EQ(a, b);
    b.masked = true;
    EXPECT_NE(a, b);
    b = a;
    b.key[3] = 1;
    EXPECT_NE(a, b);
    b = a;
    b.form = length_form::len16;
    EXPECT_NE(a, b);
    b = a;
    b.declared_length = 1;
    EXPECT_NE(a, b); // declared or not is a difference even when the value matches
}

// ---- parse_close_payload ---------------------------------------------------------------------

TEST(ClosePayload, EachStatusNamesItsError) {
    EXPECT_EQ(close_payload_error(close_payload_status::ok), std::nullopt);
    EXPECT_EQ(close_payload_error(close_payload_status::length_one),
              protocol_error::close_length_one);
    EXPECT_EQ(close_payload_error(close_payload_status::invalid_code),
              protocol_error::close_code_invalid);
    EXPECT_EQ(close_payload_error(close_payload_status::undefined_code),
              protocol_error::close_code_undefined);
    EXPECT_EQ(close_payload_error(close_payload_status::invalid_reason),
              protocol_error::close_reason_invalid);
}

TEST(ClosePayload, Empty) {
    close_payload cp;
    cp.code = 1000;
    cp.reason = "stale";
    EXPECT_EQ(parse_close_payload({}, cp), close_payload_status::ok);
    EXPECT_FALSE(cp.code);
    EXPECT_TRUE(cp.reason.empty()); // the output is reset
}

TEST(ClosePayload, LengthOne) {
    close_payload cp;
    EXPECT_EQ(parse_close_payload(hex("03"), cp), close_payload_status::length_one);
    EXPECT_FALSE(cp.code);
}

TEST(ClosePayload, CodeAndReason) {
    close_payload cp;
    EXPECT_EQ(parse_close_payload(hex("03 e8"), cp), close_payload_status::ok);
    EXPECT_EQ(cp.code, close_code{1000});
    EXPECT_EQ(cp.reason, "");
    EXPECT_EQ(parse_close_payload(close_frame(1001, "going \xce\xba").payload, cp),
              close_payload_status::ok);
    EXPECT_EQ(cp.code, close_code{1001});
    EXPECT_EQ(cp.reason, "going \xce\xba");
    EXPECT_EQ(parse_close_payload(hex("0f a0"), cp), close_payload_status::ok);
    EXPECT_EQ(cp.code, close_code{4000});
}

TEST(ClosePayload, InvalidCodesAreStillReported) {
    close_payload cp;
    for (close_code c : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999}) {
        EXPECT_EQ(parse_close_payload(close_frame(c, "why").payload, cp),
                  close_payload_status::invalid_code)
            << c;
        EXPECT_EQ(cp.code, c);
        EXPECT_EQ(cp.reason, "why");
    }
    EXPECT_EQ(parse_close_payload(close_frame(5000, "x").payload, cp),
              close_payload_status::undefined_code);
    EXPECT_EQ(cp.code, close_code{5000});
    EXPECT_EQ(cp.reason, "x");
    EXPECT_EQ(parse_close_payload(hex("ff ff"), cp), close_payload_status::undefined_code);
    EXPECT_EQ(cp.code, close_code{65535});
}

TEST(ClosePayload, InvalidReasonIsKeptRaw) {
    close_payload cp;
    EXPECT_EQ(parse_close_payload(hex("03 e8 41 c0 af"), cp), close_payload_status::invalid_reason);
    EXPECT_EQ(cp.code, close_code{1000});
    EXPECT_EQ(cp.reason, "A\xc0\xaf");
    // Stopping inside a code point is invalid too.
    EXPECT_EQ(parse_close_payload(hex("03 e8 ce"), cp), close_payload_status::invalid_reason);
    // An invalid code takes precedence over an invalid reason.
    EXPECT_EQ(parse_close_payload(hex("03 ed c0"), cp), close_payload_status::invalid_code);
}

// ---- describe --------------------------------------------------------------------------------

TEST(Describe, TextFrames) {
    EXPECT_EQ(describe(text_frame("Hello")), "text fin len=5 'Hello'");
    frame f = text_frame("Hello", false);
    f.masked = true;
    f.key = {1, 2, 3, 4};
    EXPECT_EQ(describe(f), "text nofin len=5 masked 'Hello'");
    EXPECT_EQ(describe(text_frame("")), "text fin len=0");
    EXPECT_EQ(describe(text_frame("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")),
              "text fin len=11 '\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5'");
}

TEST(Describe, RsvDeclaredLengthAndOpcodes) {
    frame f = binary_frame(hex("00 01"));
    f.rsv = 5;
    f.declared_length = 300;
    EXPECT_EQ(describe(f), "binary fin rsv=5 len=300 (payload 2) 0x0001");
    frame r = make_frame(opcode::crsvb, {});
    EXPECT_EQ(describe(r), "reserved-0xb fin len=0");
    EXPECT_EQ(describe(continuation_frame(to_bytes("lo"), true)), "continuation fin len=2 'lo'");
    EXPECT_EQ(describe(make_frame(opcode::ping, to_bytes("Hello"))), "ping fin len=5 'Hello'");
}

TEST(Describe, HexWhenNotPrintableUtf8) {
    EXPECT_EQ(describe(text_frame("\xff\xfe")), "text fin len=2 0xfffe");
    EXPECT_EQ(describe(text_frame("a\nb")), "text fin len=3 0x610a62"); // control character
    EXPECT_EQ(describe(text_frame("\xce")), "text fin len=1 0xce");     // truncated
}

TEST(Describe, CloseFrames) {
    EXPECT_EQ(describe(close_frame(1000, "bye")), "close fin len=5 code=1000 0x03e8627965");
    EXPECT_EQ(describe(close_frame_raw({})), "close fin len=0");
    EXPECT_EQ(describe(close_frame_raw(hex("03"))), "close fin len=1 0x03");
    EXPECT_EQ(describe(close_frame(5000)), "close fin len=2 code=5000 0x1388");
}

TEST(Describe, LongPayloadsAreElided) {
    const std::string long_text(100, 'a');
    EXPECT_EQ(describe(text_frame(long_text)),
              "text fin len=100 '" + std::string(64, 'a') + "' ...");
    EXPECT_EQ(describe(text_frame(long_text), 3), "text fin len=100 'aaa' ...");
    EXPECT_EQ(describe(text_frame("abc"), 3), "text fin len=3 'abc'");
    EXPECT_EQ(describe(binary_frame(bytes(10, 0xff)), 4), "binary fin len=10 0xffffffff ...");
}

TEST(Describe, ElisionDoesNotSplitACodePoint) {
    // "κόσμε": a preview of 3 bytes cuts the second character (e1 bd b9) after one byte. The
    // payload is printable UTF-8, so it is shown as text up to the last whole character.
    const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
    EXPECT_EQ(describe(text_frame(kosme), 3), "text fin len=11 '\xce\xba' ...");
    EXPECT_EQ(describe(text_frame(kosme), 4), "text fin len=11 '\xce\xba' ...");
    EXPECT_EQ(describe(text_frame(kosme), 5), "text fin len=11 '\xce\xba\xe1\xbd\xb9' ...");
    // Invalid UTF-8 inside the preview is still hex.
    EXPECT_EQ(describe(text_frame("\xff\xce\xba\xce\xba"), 3), "text fin len=5 0xffceba ...");
}

} // namespace
} // namespace wsconform::codec
