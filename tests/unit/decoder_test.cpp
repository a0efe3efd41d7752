#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace wsconform::codec {
namespace {

using status = decode_result::status;

constexpr mask_key rfc_key{0x37, 0xfa, 0x21, 0x3d};

/// Decodes `wire` fed in one piece and returns every result up to the first need_more or
/// error (inclusive of an error).
std::vector<decode_result> decode_all(decoder& d, byte_view wire) {
    d.feed(wire);
    std::vector<decode_result> out;
    for (;;) {
        auto r = d.next();
        if (r.what == status::need_more)
            break;
        out.push_back(r);
        if (r.what == status::error)
            break;
    }
    return out;
}

/// Feeds `wire` in the given chunk sizes (cycled), pulling frames after every chunk.
std::vector<decode_result> decode_chunked(decoder& d, byte_view wire,
                                          const std::vector<std::size_t>& sizes) {
    std::vector<decode_result> out;
    std::size_t at = 0, i = 0;
    while (at < wire.size()) {
        auto n = std::min(sizes[i++ % sizes.size()], wire.size() - at);
        d.feed(wire.subspan(at, n));
        at += n;
        for (;;) {
            auto r = d.next();
            if (r.what == status::need_more)
                break;
            out.push_back(r);
            if (r.what == status::error)
                return out;
        }
    }
    return out;
}

/// The one result of decoding `wire` with `options`: a frame, an error or need_more.
decode_result decode_one(byte_view wire, decoder_options options = {}) {
    decoder d(options);
    d.feed(wire);
    return d.next();
}

void expect_error(const bytes& wire, protocol_error e, decoder_options options = {}) {
    SCOPED_TRACE(to_hex(wire));
    auto r = decode_one(wire, options);
    ASSERT_EQ(r.what, status::error) << describe(r.value);
    EXPECT_EQ(r.error, e) << r.error.message();
    EXPECT_EQ(r.frame_offset, 0u);
}

void expect_frame(const bytes& wire, decoder_options options = {}) {
    SCOPED_TRACE(to_hex(wire));
    auto r = decode_one(wire, options);
    ASSERT_EQ(r.what, status::frame) << r.error.message();
    EXPECT_EQ(r.frame_size, wire.size());
}

bool same(const decode_result& a, const decode_result& b) {
    return a.what == b.what && a.value == b.value && a.error == b.error &&
           a.frame_offset == b.frame_offset && a.frame_size == b.frame_size;
}

// ---- RFC 6455 §5.7 examples ---------------------------------------------------------------

TEST(DecoderRfcExamples, UnmaskedTextHello) {
    auto r = decode_one(hex("81 05 48 65 6c 6c 6f"));
    ASSERT_EQ(r.what, status::frame);
    EXPECT_TRUE(r.value.fin);
    EXPECT_EQ(r.value.rsv, 0);
    EXPECT_EQ(r.value.op, opcode::text);
    EXPECT_FALSE(r.value.masked);
    EXPECT_EQ(r.value.form, length_form::len7);
    EXPECT_FALSE(r.value.declared_length);
    EXPECT_EQ(r.value.payload, to_bytes("Hello"));
    EXPECT_EQ(r.frame_offset, 0u);
    EXPECT_EQ(r.frame_size, 7u);
}

TEST(DecoderRfcExamples, MaskedTextHello) {
    auto r = decode_one(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"),
                        {.incoming_mask = masking_rule::required});
    ASSERT_EQ(r.what, status::frame);
    EXPECT_EQ(r.value.op, opcode::text);
    EXPECT_TRUE(r.value.masked);
    EXPECT_EQ(r.value.key, rfc_key);
    EXPECT_EQ(r.value.payload, to_bytes("Hello")); // unmasked
    EXPECT_EQ(r.frame_size, 11u);
}

TEST(DecoderRfcExamples, FragmentedUnmaskedText) {
    decoder d;
    auto rs = decode_all(d, hex("01 03 48 65 6c 80 02 6c 6f"));
    ASSERT_EQ(rs.size(), 2u);
    ASSERT_EQ(rs[0].what, status::frame);
    EXPECT_FALSE(rs[0].value.fin);
    EXPECT_EQ(rs[0].value.op, opcode::text);
    EXPECT_EQ(rs[0].value.payload, to_bytes("Hel"));
    EXPECT_EQ(rs[0].frame_offset, 0u);
    EXPECT_EQ(rs[0].frame_size, 5u);
    ASSERT_EQ(rs[1].what, status::frame);
    EXPECT_TRUE(rs[1].value.fin);
    EXPECT_EQ(rs[1].value.op, opcode::continuation);
    EXPECT_EQ(rs[1].value.payload, to_bytes("lo"));
    EXPECT_EQ(rs[1].frame_offset, 5u);
    EXPECT_EQ(rs[1].frame_size, 4u);
    EXPECT_FALSE(d.in_message());
    EXPECT_EQ(d.offset(), 9u);
}

TEST(DecoderRfcExamples, InMessageBetweenFragments) {
    decoder d;
    d.feed(hex("01 03 48 65 6c"));
    EXPECT_FALSE(d.in_message());
    ASSERT_EQ(d.next().what, status::frame);
    EXPECT_TRUE(d.in_message());
    d.feed(hex("80 02 6c 6f"));
    ASSERT_EQ(d.next().what, status::frame);
    EXPECT_FALSE(d.in_message());
}

TEST(DecoderRfcExamples, UnmaskedPingAndMaskedPong) {
    auto ping = decode_one(hex("89 05 48 65 6c 6c 6f"));
    ASSERT_EQ(ping.what, status::frame);
    EXPECT_EQ(ping.value.op, opcode::ping);
    EXPECT_FALSE(ping.value.masked);
    EXPECT_EQ(ping.value.payload, to_bytes("Hello"));

    auto pong = decode_one(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
    ASSERT_EQ(pong.what, status::frame);
    EXPECT_EQ(pong.value.op, opcode::pong);
    EXPECT_TRUE(pong.value.masked);
    EXPECT_EQ(pong.value.key, rfc_key);
    EXPECT_EQ(pong.value.payload, to_bytes("Hello"));

    auto masked_ping = decode_one(hex("89 85 37 fa 21 3d 7f 9f 4d 51 58"));
    ASSERT_EQ(masked_ping.what, status::frame);
    EXPECT_EQ(masked_ping.value.op, opcode::ping);
    EXPECT_EQ(masked_ping.value.payload, to_bytes("Hello"));
}

TEST(DecoderRfcExamples, Binary256Bytes) {
    bytes wire = hex("82 7e 01 00");
    bytes payload(256);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<byte>(255 - i);
    wire.insert(wire.end(), payload.begin(), payload.end());
    auto r = decode_one(wire);
    ASSERT_EQ(r.what, status::frame);
    EXPECT_EQ(r.value.op, opcode::binary);
    EXPECT_EQ(r.value.form, length_form::len16);
    EXPECT_EQ(r.value.payload, payload);
    EXPECT_EQ(r.frame_size, 260u);
    // The decoded frame encodes back to the same bytes.
    EXPECT_EQ(encode(r.value), wire);
}

TEST(DecoderRfcExamples, Binary64KiB) {
    bytes wire = hex("82 7f 00 00 00 00 00 01 00 00");
    const bytes payload = repeat(std::string_view("\x01\x02\x03\xfe\xff"), 65536);
    wire.insert(wire.end(), payload.begin(), payload.end());
    auto r = decode_one(wire);
    ASSERT_EQ(r.what, status::frame);
    EXPECT_EQ(r.value.op, opcode::binary);
    EXPECT_EQ(r.value.form, length_form::len64);
    EXPECT_EQ(r.value.payload, payload);
    EXPECT_EQ(r.frame_size, 65546u);
    EXPECT_EQ(encode(r.value), wire);
}

// ---- Need more --------------------------------------------------------------------------------

TEST(Decoder, EveryStrictPrefixNeedsMore) {
    frame f = binary_frame(repeat(std::string_view("abc"), 300)); // len16
    f.masked = true;
    f.key = {9, 8, 7, 6};
    const bytes wire = encode(f);
    for (std::size_t n = 0; n < wire.size(); ++n) {
        decoder d;
        d.feed(byte_view(wire).first(n));
        ASSERT_EQ(d.next().what, status::need_more) << "prefix " << n;
        EXPECT_EQ(d.buffered(), n);
        EXPECT_EQ(d.offset(), 0u);
    }
    auto r = decode_one(wire);
    ASSERT_EQ(r.what, status::frame);
    f.form = length_form::len16; // the decoder reports the form it read
    EXPECT_EQ(r.value, f);
}

TEST(Decoder, BufferedAndOffsetTrackConsumption) {
    decoder d;
    d.feed(hex("81 01 61 81 02 62"));
    EXPECT_EQ(d.buffered(), 6u);
    ASSERT_EQ(d.next().what, status::frame);
    EXPECT_EQ(d.buffered(), 3u);
    EXPECT_EQ(d.offset(), 3u);
    EXPECT_EQ(d.next().what, status::need_more);
    d.feed(hex("63"));
    auto r = d.next();
    ASSERT_EQ(r.what, status::frame);
    EXPECT_EQ(r.value.payload, to_bytes("bc"));
    EXPECT_EQ(r.frame_offset, 3u);
    EXPECT_EQ(d.buffered(), 0u);
    EXPECT_EQ(d.offset(), 7u);
    EXPECT_EQ(d.next().what, status::need_more);
}

TEST(Decoder, ViewsUnmaskTheBufferInPlaceAndMatchOwningFrames) {
    // RFC 6455 §5.7 masked "Hello", then unmasked "Hello".
    const bytes wire = hex("81 85 37 fa 21 3d 7f 9f 4d 51 58 81 05 48 65 6c 6c 6f");
    decoder owning;
    decoder viewing;
    owning.feed(wire);
    viewing.feed(wire);
    for (int i = 0; i < 2; ++i) {
        const auto a = owning.next();
        const auto b = viewing.next_view();
        ASSERT_EQ(b.what, status::frame);
        EXPECT_EQ(b.frame_offset, a.frame_offset);
        EXPECT_EQ(b.frame_size, a.frame_size);
        EXPECT_EQ(bytes(b.value.payload.begin(), b.value.payload.end()), to_bytes("Hello"));
        EXPECT_EQ(b.value.to_frame(), a.value);
    }
    EXPECT_EQ(viewing.next_view().what, status::need_more);
}

TEST(Decoder, PayloadFedOneByteAtATimeWaitsWithoutReparsing) {
    // A 64-bit length, then one byte at a time: need_more until the last byte, and a header
    // error fed later is still found after the frame.
    frame f = binary_frame(bytes(70000, 0x5a));
    f.masked = true;
    f.key = {1, 2, 3, 4};
    bytes wire = encode(f);
    wire.push_back(0x83); // reserved opcode 3 next
    wire.push_back(0x80);
    decoder d({.incoming_mask = masking_rule::required});
    std::size_t frames = 0;
    for (std::size_t at = 0; at < wire.size(); ++at) {
        d.feed(byte_view(wire).subspan(at, 1));
        const auto r = d.next_view();
        if (at + 1 < wire.size() - 2) {
            ASSERT_EQ(r.what, status::need_more) << "byte " << at;
        } else if (at + 1 == wire.size() - 2) {
            ASSERT_EQ(r.what, status::frame);
            EXPECT_EQ(r.frame_size, wire.size() - 2);
            EXPECT_EQ(r.value.payload.size(), 70000u);
            ++frames;
        } else if (at + 1 == wire.size()) {
            EXPECT_EQ(r.what, status::error);
            EXPECT_EQ(r.error, protocol_error::reserved_opcode);
            EXPECT_EQ(r.frame_offset, wire.size() - 2);
        }
    }
    EXPECT_EQ(frames, 1u);
}

TEST(Decoder, ResetStartsANewStream) {
    decoder d({.incoming_mask = masking_rule::required});
    d.feed(hex("81 05 48 65")); // unmasked: an error for a server
    ASSERT_EQ(d.next().what, status::error);
    d.reset({.incoming_mask = masking_rule::forbidden});
    EXPECT_EQ(d.buffered(), 0u);
    EXPECT_EQ(d.offset(), 0u);
    EXPECT_EQ(d.next().what, status::need_more);
    d.feed(hex("81 05 48 65 6c 6c 6f"));
    const auto r = d.next();
    ASSERT_EQ(r.what, status::frame) << r.error.message();
    EXPECT_EQ(r.value.payload, to_bytes("Hello"));
}

// ---- Every protocol_error --------------------------------------------------------------------

TEST(DecoderErrors, ReservedBits) {
    expect_error(hex("c1 00"), protocol_error::reserved_bits_set); // RSV1
    expect_error(hex("a1 00"), protocol_error::reserved_bits_set); // RSV2
    expect_error(hex("91 00"), protocol_error::reserved_bits_set); // RSV3
    expect_error(hex("f1 00"), protocol_error::reserved_bits_set);
    expect_error(hex("c9 00"), protocol_error::reserved_bits_set); // on a control frame too
    // Reported from the first two bytes, before the payload arrives.
    expect_error(hex("c1 05"), protocol_error::reserved_bits_set);
}

TEST(DecoderErrors, AllowedRsv1) {
    const decoder_options deflate{.allowed_rsv = 4};
    auto r = decode_one(hex("c1 03 61 62 63"), deflate);
    ASSERT_EQ(r.what, status::frame);
    EXPECT_EQ(r.value.rsv, 4);
    EXPECT_TRUE(r.value.rsv1());
    EXPECT_EQ(r.value.payload, to_bytes("abc"));
    // Only RSV1 is allowed.
    expect_error(hex("a1 00"), protocol_error::reserved_bits_set, deflate);
    expect_error(hex("91 00"), protocol_error::reserved_bits_set, deflate);
    expect_error(hex("e1 00"), protocol_error::reserved_bits_set, deflate);
    // All three allowed.
    expect_frame(hex("f1 00"), {.allowed_rsv = 7});
}

TEST(DecoderErrors, AllTenReservedOpcodes) {
    int count = 0;
    for (std::uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
        expect_error(bytes{static_cast<byte>(0x80 | op), 0x00}, protocol_error::reserved_opcode);
        // Also with a payload and unfragmented or not.
        expect_error(bytes{static_cast<byte>(op), 0x01, 0x00}, protocol_error::reserved_opcode);
        ++count;
    }
    EXPECT_EQ(count, 10);
    // The six defined opcodes are not reserved.
    for (std::uint8_t op : {0x1, 0x2, 0x8, 0x9, 0xa})
        expect_frame(bytes{static_cast<byte>(0x80 | op), 0x00});
}

TEST(DecoderErrors, ControlFrameTooLong) {
    bytes longest = hex("89 7d");
    longest.resize(2 + 125, 'x');
    expect_frame(longest); // 125 is allowed
    for (byte op : {0x88, 0x89, 0x8a}) {
        // 126 bytes in len16 form: rejected as soon as the length is read.
        expect_error(bytes{op, 0x7e, 0x00, 0x7e}, protocol_error::control_frame_too_long);
        expect_error(bytes{op, 0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x00},
                     protocol_error::control_frame_too_long);
        expect_error(bytes{op, 0xfe, 0x00, 0x7e}, protocol_error::control_frame_too_long); // masked
        // A short payload in a long form is not too long, only non-minimal (§5.2); a missing
        // mask (judged from the first two bytes) is reported for it as for any frame.
        expect_error(bytes{op, 0x7e, 0x00, 0x05}, protocol_error::non_minimal_length);
        expect_error(bytes{op, 0x7e, 0x00, 0x05}, protocol_error::mask_missing,
                     {.incoming_mask = masking_rule::required});
    }
}

TEST(DecoderErrors, FragmentedControlFrame) {
    expect_error(hex("08 00"), protocol_error::control_frame_fragmented);
    expect_error(hex("09 00"), protocol_error::control_frame_fragmented);
    expect_error(hex("0a 05"), protocol_error::control_frame_fragmented);
}

TEST(DecoderErrors, NonMinimal16) {
    expect_error(hex("81 7e 00 05 48 65 6c 6c 6f"), protocol_error::non_minimal_length);
    expect_error(hex("82 7e 00 00"), protocol_error::non_minimal_length);
    // 125 in 16 bits is the largest non-minimal value; the header alone is enough.
    expect_error(hex("82 7e 00 7d"), protocol_error::non_minimal_length);
    bytes ok = hex("82 7e 00 7e");
    ok.resize(4 + 126);
    expect_frame(ok);
}

TEST(DecoderErrors, NonMinimal64) {
    bytes wire = hex("82 7f 00 00 00 00 00 00 00 c8");
    wire.resize(10 + 200, 0x55);
    expect_error(wire, protocol_error::non_minimal_length);
    expect_error(hex("82 7f 00 00 00 00 00 00 00 00"), protocol_error::non_minimal_length);
    expect_error(hex("82 7f 00 00 00 00 00 00 ff ff"), protocol_error::non_minimal_length);
    bytes ok = hex("82 7f 00 00 00 00 00 01 00 00");
    ok.resize(10 + 65536);
    expect_frame(ok);
}

TEST(DecoderErrors, Length64MsbSet) {
    const bytes wire = hex("82 7f 80 00 00 00 00 00 00 00");
    expect_error(wire, protocol_error::length_msb_set);
    expect_error(hex("82 7f ff ff ff ff ff ff ff ff"), protocol_error::length_msb_set);
    // In syntax-only mode too, and whatever the limit.
    expect_error(wire, protocol_error::length_msb_set, {.check_rules = false});
    expect_error(wire, protocol_error::length_msb_set,
                 {.max_payload = std::numeric_limits<std::uint64_t>::max(), .check_rules = false});
    // The 9 bytes before the last length byte are not enough to tell.
    decoder d;
    d.feed(byte_view(wire).first(9));
    EXPECT_EQ(d.next().what, status::need_more);
}

TEST(DecoderErrors, UnexpectedContinuation) {
    expect_error(hex("80 00"), protocol_error::unexpected_continuation);
    expect_error(hex("00 01 61"), protocol_error::unexpected_continuation);
    // After a finished message as well.
    decoder d;
    auto rs = decode_all(d, hex("81 01 61 80 01 62"));
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].what, status::frame);
    ASSERT_EQ(rs[1].what, status::error);
    EXPECT_EQ(rs[1].error, protocol_error::unexpected_continuation);
    EXPECT_EQ(rs[1].frame_offset, 3u);
}

TEST(DecoderErrors, MissingContinuation) {
    for (const char* second : {"81 01 62", "82 01 62", "01 01 62", "02 00"}) {
        decoder d;
        bytes wire = hex("01 01 61");
        const bytes tail = hex(second);
        wire.insert(wire.end(), tail.begin(), tail.end());
        auto rs = decode_all(d, wire);
        ASSERT_EQ(rs.size(), 2u) << second;
        ASSERT_EQ(rs[1].what, status::error) << second;
        EXPECT_EQ(rs[1].error, protocol_error::missing_continuation);
        EXPECT_EQ(rs[1].frame_offset, 3u);
    }
}

TEST(Decoder, ControlFramesInsideAFragmentedMessage) {
    decoder d;
    auto rs = decode_all(d, hex("01 01 61 89 00 8a 00 00 01 62 88 00 80 01 63"));
    ASSERT_EQ(rs.size(), 6u);
    for (const auto& r : rs)
        EXPECT_EQ(r.what, status::frame) << r.error.message();
    EXPECT_EQ(rs[1].value.op, opcode::ping);
    EXPECT_EQ(rs[4].value.op, opcode::close);
    EXPECT_FALSE(d.in_message());
}

TEST(DecoderErrors, MaskMissing) {
    const decoder_options server{.incoming_mask = masking_rule::required};
    expect_error(hex("81 05 48 65 6c 6c 6f"), protocol_error::mask_missing, server);
    expect_error(hex("89 00"), protocol_error::mask_missing, server);
    expect_frame(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), server);
    // Default is any.
    expect_frame(hex("81 05 48 65 6c 6c 6f"));
}

TEST(DecoderErrors, MaskUnexpected) {
    const decoder_options client{.incoming_mask = masking_rule::forbidden};
    expect_error(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), protocol_error::mask_unexpected, client);
    expect_error(hex("8a 80"), protocol_error::mask_unexpected, client);
    expect_frame(hex("81 05 48 65 6c 6c 6f"), client);
    expect_frame(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
}

TEST(DecoderErrors, CloseLengthOne) {
    expect_error(hex("88 01 03"), protocol_error::close_length_one);
    expect_error(hex("88 81 00 00 00 00 03"), protocol_error::close_length_one);
}

TEST(DecoderErrors, CloseCodeInvalid) {
    for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2000u, 2999u}) {
        bytes wire{0x88, 0x02, static_cast<byte>(code >> 8), static_cast<byte>(code)};
        SCOPED_TRACE(code);
        expect_error(wire, protocol_error::close_code_invalid);
    }
    // The invalid code is read from the unmasked payload.
    frame f = close_frame(1005);
    f.masked = true;
    f.key = rfc_key;
    expect_error(encode(f), protocol_error::close_code_invalid);
}

TEST(DecoderErrors, CloseCodeUndefined) {
    expect_error(hex("88 02 13 88"), protocol_error::close_code_undefined); // 5000
    expect_error(hex("88 02 ff ff"), protocol_error::close_code_undefined); // 65535
}

TEST(DecoderErrors, CloseReasonInvalidUtf8) {
    expect_error(hex("88 03 03 e8 c0"), protocol_error::close_reason_invalid);
    expect_error(hex("88 05 03 e8 ed a0 80"), protocol_error::close_reason_invalid);
    // A reason that stops inside a code point.
    expect_error(hex("88 03 03 e8 ce"), protocol_error::close_reason_invalid);
    frame f = close_frame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80");
    f.masked = true;
    f.key = rfc_key;
    expect_error(encode(f), protocol_error::close_reason_invalid);
}

TEST(Decoder, ValidCloseFrames) {
    expect_frame(hex("88 00"));
    expect_frame(hex("88 02 03 e8"));
    expect_frame(encode(close_frame(1000, "bye")));
    expect_frame(encode(close_frame(1001, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")));
    for (close_code c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                         3000, 3999, 4000, 4999})
        expect_frame(encode(close_frame(c)));
    // The longest close reason allowed: 123 bytes.
    expect_frame(encode(close_frame(1000, std::string(123, 'r'))));
}

TEST(DecoderErrors, PayloadTooBigDeclared2Pow63Minus1) {
    const bytes header = hex("82 7f 7f ff ff ff ff ff ff ff");
    decoder d;
    d.feed(byte_view(header).first(9));
    EXPECT_EQ(d.next().what, status::need_more);
    d.feed(byte_view(header).subspan(9));
    auto r = d.next();
    ASSERT_EQ(r.what, status::error);
    EXPECT_EQ(r.error, protocol_error::payload_too_big);
    EXPECT_EQ(r.frame_offset, 0u);
    EXPECT_EQ(d.buffered(), 10u); // nothing else was read or reserved

    // With a mask the error still comes right after the 10-byte length, before the key.
    expect_error(hex("82 ff 7f ff ff ff ff ff ff ff"), protocol_error::payload_too_big);
    // Also in syntax-only mode, and even with no limit at all nothing is allocated up front.
    expect_error(header, protocol_error::payload_too_big, {.check_rules = false});
    decoder unlimited({.max_payload = std::numeric_limits<std::uint64_t>::max()});
    unlimited.feed(header);
    EXPECT_EQ(unlimited.next().what, status::need_more);
}

TEST(DecoderErrors, PayloadTooBigSmallLimit) {
    const decoder_options small{.max_payload = 10};
    expect_frame(encode(binary_frame(bytes(10, 1))), small);
    expect_error(hex("82 0b"), protocol_error::payload_too_big, small); // header alone
    expect_error(encode(binary_frame(bytes(11, 1))), protocol_error::payload_too_big, small);
    expect_error(encode(binary_frame(bytes(300, 1))), protocol_error::payload_too_big, small);
    expect_error(hex("89 0b"), protocol_error::payload_too_big, small);
    const decoder_options zero{.max_payload = 0};
    expect_frame(hex("81 00"), zero);
    expect_error(hex("81 01"), protocol_error::payload_too_big, zero);
}

TEST(DecoderErrors, ErrorIsSticky) {
    decoder d;
    auto rs = decode_all(d, hex("81 01 61 c1 00 81 01 62"));
    ASSERT_EQ(rs.size(), 2u);
    ASSERT_EQ(rs[1].what, status::error);
    EXPECT_EQ(rs[1].error, protocol_error::reserved_bits_set);
    EXPECT_EQ(rs[1].frame_offset, 3u);
    for (int i = 0; i < 3; ++i) {
        d.feed(hex("81 01 63"));
        auto r = d.next();
        ASSERT_EQ(r.what, status::error);
        EXPECT_EQ(r.error, protocol_error::reserved_bits_set);
        EXPECT_EQ(r.frame_offset, 3u);
    }
    EXPECT_EQ(d.offset(), 3u);
}

// ---- Syntax-only mode -----------------------------------------------------------------------

TEST(DecoderNoRules, ReturnsRuleBreakingFramesAsTheyAre) {
    const decoder_options lax{.incoming_mask = masking_rule::required, .check_rules = false};
    // Reserved bits and opcode, fragmented and long control frame, unmasked frame for a server.
    {
        auto r = decode_one(hex("f3 01 7a"), lax);
        ASSERT_EQ(r.what, status::frame);
        EXPECT_EQ(r.value.rsv, 7);
        EXPECT_EQ(r.value.op, opcode::rsv3);
        EXPECT_EQ(r.value.payload, to_bytes("z"));
    }
    {
        bytes wire = hex("09 7e 00 c8");
        wire.resize(4 + 200, 'p');
        auto r = decode_one(wire, lax);
        ASSERT_EQ(r.what, status::frame);
        EXPECT_FALSE(r.value.fin);
        EXPECT_EQ(r.value.op, opcode::ping);
        EXPECT_EQ(r.value.form, length_form::len16);
        EXPECT_EQ(r.value.payload.size(), 200u);
    }
    for (const char* w : {"80 00", "88 01 03", "88 02 03 ed", "88 02 13 88", "88 03 03 e8 c0",
                          "81 7e 00 05 48 65 6c 6c 6f"}) {
        SCOPED_TRACE(w);
        expect_frame(hex(w), lax);
    }
    // Two data frames in a row while "in a message".
    decoder d(lax);
    auto rs = decode_all(d, hex("01 01 61 01 01 62 81 01 63"));
    ASSERT_EQ(rs.size(), 3u);
    for (const auto& r : rs)
        EXPECT_EQ(r.what, status::frame);
    EXPECT_FALSE(d.in_message());
}

// ---- Chunking -------------------------------------------------------------------------------

bytes mixed_stream() {
    mask_source keys(1234);
    std::vector<frame> frames;
    frames.push_back(text_frame("Hello"));
    frames.push_back(text_frame("Hel", false));
    frames.push_back(make_frame(opcode::ping, to_bytes("ping!")));
    frames.push_back(continuation_frame(to_bytes("lo"), true));
    frames.push_back(binary_frame(repeat(std::string_view("0123456789"), 300)));
    frames.push_back(binary_frame(repeat(std::string_view("\xff\x00\x80", 3), 70000)));
    frames.push_back(make_frame(opcode::pong, {}));
    frames.push_back(text_frame(""));
    frames.push_back(close_frame(1000, "bye"));
    bytes wire;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (i % 2 == 1)
            mask(frames[i], keys);
        encode(frames[i], wire);
    }
    return wire;
}

TEST(DecoderChunking, OneByteAtATimeEqualsAllAtOnce) {
    const bytes wire = mixed_stream();
    decoder whole;
    auto expected = decode_all(whole, wire);
    ASSERT_EQ(expected.size(), 9u);
    for (const auto& r : expected)
        ASSERT_EQ(r.what, status::frame) << r.error.message();
    EXPECT_EQ(expected.back().frame_offset + expected.back().frame_size, wire.size());
    EXPECT_EQ(expected[1].value.payload, to_bytes("Hel"));
    EXPECT_TRUE(expected[1].value.masked);

    decoder bytewise;
    auto got = decode_chunked(bytewise, wire, {1});
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(same(got[i], expected[i])) << "frame " << i;
    EXPECT_EQ(bytewise.buffered(), 0u);
    EXPECT_EQ(bytewise.offset(), wire.size());
}

TEST(DecoderChunking, RandomChunkingsEqualAllAtOnce) {
    const bytes wire = mixed_stream();
    decoder whole;
    auto expected = decode_all(whole, wire);
    std::mt19937 rng(20240611);
    for (int round = 0; round < 50; ++round) {
        std::uniform_int_distribution<std::size_t> size(1, round < 25 ? 16 : 5000);
        std::vector<std::size_t> sizes(64);
        for (auto& s : sizes)
            s = size(rng);
        decoder d;
        auto got = decode_chunked(d, wire, sizes);
        ASSERT_EQ(got.size(), expected.size()) << "round " << round;
        for (std::size_t i = 0; i < got.size(); ++i)
            ASSERT_TRUE(same(got[i], expected[i])) << "round " << round << " frame " << i;
    }
}

TEST(DecoderChunking, ErrorAtSameOffsetWhateverTheChunking) {
    bytes wire = mixed_stream();
    const auto good = wire.size();
    const bytes bad = hex("81 85 01 02 03 04 49 67 6f 68 6e 88 01 03"); // masked text, bad close
    wire.insert(wire.end(), bad.begin(), bad.end());
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 1000u}) {
        decoder d;
        auto got = decode_chunked(d, wire, {chunk});
        ASSERT_EQ(got.size(), 11u) << chunk;
        EXPECT_EQ(got[9].value.payload, to_bytes("Hello"));
        ASSERT_EQ(got.back().what, status::error);
        EXPECT_EQ(got.back().error, protocol_error::close_length_one);
        EXPECT_EQ(got.back().frame_offset, good + 11);
    }
}

} // namespace
} // namespace wsconform::codec
