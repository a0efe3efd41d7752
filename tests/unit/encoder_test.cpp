#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>

namespace wsconform::codec {
namespace {

constexpr mask_key rfc_key{0x37, 0xfa, 0x21, 0x3d};

bytes concat(bytes a, const bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// ---- RFC 6455 §5.7 examples ---------------------------------------------------------------

TEST(EncoderRfcExamples, UnmaskedTextHello) {
    EXPECT_EQ(encode(text_frame("Hello")), hex("81 05 48 65 6c 6c 6f"));
}

TEST(EncoderRfcExamples, MaskedTextHello) {
    frame f = text_frame("Hello");
    f.masked = true;
    f.key = rfc_key;
    EXPECT_EQ(encode(f), hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
}

TEST(EncoderRfcExamples, FragmentedUnmaskedText) {
    EXPECT_EQ(encode(text_frame("Hel", false)), hex("01 03 48 65 6c"));
    EXPECT_EQ(encode(continuation_frame(to_bytes("lo"), true)), hex("80 02 6c 6f"));
}

TEST(EncoderRfcExamples, UnmaskedPing) {
    EXPECT_EQ(encode(make_frame(opcode::ping, to_bytes("Hello"))), hex("89 05 48 65 6c 6c 6f"));
}

TEST(EncoderRfcExamples, MaskedPingAndPong) {
    frame ping = make_frame(opcode::ping, to_bytes("Hello"));
    ping.masked = true;
    ping.key = rfc_key;
    EXPECT_EQ(encode(ping), hex("89 85 37 fa 21 3d 7f 9f 4d 51 58"));
    frame pong = make_frame(opcode::pong, to_bytes("Hello"));
    pong.masked = true;
    pong.key = rfc_key;
    EXPECT_EQ(encode(pong), hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
}

TEST(EncoderRfcExamples, Binary256Bytes) {
    bytes payload(256);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<byte>(i);
    const bytes wire = encode(binary_frame(payload));
    ASSERT_EQ(wire.size(), 4u + 256u);
    EXPECT_EQ(bytes(wire.begin(), wire.begin() + 4), hex("82 7e 01 00"));
    EXPECT_EQ(bytes(wire.begin() + 4, wire.end()), payload);
}

TEST(EncoderRfcExamples, Binary64KiB) {
    const bytes payload = repeat(std::string_view("0123456789abcdefg"), 65536);
    const bytes wire = encode(binary_frame(payload));
    ASSERT_EQ(wire.size(), 10u + 65536u);
    EXPECT_EQ(bytes(wire.begin(), wire.begin() + 10), hex("82 7f 00 00 00 00 00 01 00 00"));
    EXPECT_EQ(bytes(wire.begin() + 10, wire.end()), payload);
}

// ---- Header bits ----------------------------------------------------------------------------

TEST(Encoder, FinRsvAndOpcodeBits) {
    for (int fin = 0; fin < 2; ++fin)
        for (std::uint8_t rsv = 0; rsv < 8; ++rsv)
            for (std::uint8_t op = 0; op < 16; ++op) {
                frame f = make_frame(opcode_from_nibble(op), {}, fin != 0);
                f.rsv = rsv;
                const bytes wire = encode(f);
                ASSERT_EQ(wire.size(), 2u);
                EXPECT_EQ(wire[0], (fin ? 0x80 : 0) | rsv << 4 | op);
                EXPECT_EQ(wire[1], 0);
            }
}

TEST(Encoder, RsvNumberingMatchesHeaderBits) {
    frame f = text_frame("");
    f.rsv = 4;
    EXPECT_TRUE(f.rsv1());
    EXPECT_EQ(encode(f)[0], 0xc1); // RSV1 is 0x40
    f.rsv = 2;
    EXPECT_TRUE(f.rsv2());
    EXPECT_EQ(encode(f)[0], 0xa1); // RSV2 is 0x20
    f.rsv = 1;
    EXPECT_TRUE(f.rsv3());
    EXPECT_EQ(encode(f)[0], 0x91); // RSV3 is 0x10
    f.rsv = 0xff;                  // only the three bits are written
    EXPECT_EQ(encode(f)[0], 0xf1);
}

TEST(Encoder, AppendsToExistingOutput) {
    bytes out = hex("aa bb");
    encode(text_frame("Hi"), out);
    encode(make_frame(opcode::close, {}), out);
    EXPECT_EQ(out, hex("aa bb 81 02 48 69 88 00"));
}

TEST(Encoder, MaskedEmptyPayloadStillCarriesKey) {
    frame f = make_frame(opcode::ping, {});
    f.masked = true;
    f.key = {1, 2, 3, 4};
    EXPECT_EQ(encode(f), hex("89 80 01 02 03 04"));
    EXPECT_EQ(header_size(f), 6u);
}

TEST(Encoder, MaskingDoesNotTouchTheFrame) {
    frame f = text_frame("Hello");
    f.masked = true;
    f.key = rfc_key;
    const frame copy = f;
    (void)encode(f);
    EXPECT_EQ(f, copy);
}

// ---- Length forms ---------------------------------------------------------------------------

struct length_case {
    std::uint64_t length;
    std::size_t header;
    length_form decoded_form;
};

TEST(Encoder, MinimalLengthBoundariesRoundTrip) {
    const length_case cases[] = {
        {0, 2, length_form::len7},       {1, 2, length_form::len7},
        {125, 2, length_form::len7},     {126, 4, length_form::len16},
        {127, 4, length_form::len16},    {65535, 4, length_form::len16},
        {65536, 10, length_form::len64}, {65537, 10, length_form::len64},
    };
    for (const auto& c : cases) {
        for (bool masked : {false, true}) {
            SCOPED_TRACE(testing::Message() << "length " << c.length << " masked " << masked);
            frame f = binary_frame(repeat(std::string_view("xyz"), c.length));
            if (masked) {
                f.masked = true;
                f.key = {0x12, 0x34, 0x56, 0x78};
            }
            const bytes wire = encode(f);
            const std::size_t header = c.header + (masked ? 4 : 0);
            EXPECT_EQ(header_size(f), header);
            ASSERT_EQ(wire.size(), header + c.length);
            // Length field itself.
            const byte mask_bit = masked ? 0x80 : 0;
            if (c.header == 2) {
                EXPECT_EQ(wire[1], mask_bit | c.length);
            } else if (c.header == 4) {
                EXPECT_EQ(wire[1], mask_bit | 126);
                EXPECT_EQ(std::uint64_t(wire[2]) << 8 | wire[3], c.length);
            } else {
                EXPECT_EQ(wire[1], mask_bit | 127);
                std::uint64_t v = 0;
                for (int i = 0; i < 8; ++i)
                    v = v << 8 | wire[2 + i];
                EXPECT_EQ(v, c.length);
            }

            decoder d; // rules on: minimal forms must pass
            d.feed(wire);
            auto r = d.next();
            ASSERT_EQ(r.what, decode_result::status::frame) << r.error.message();
            EXPECT_EQ(r.value.payload, f.payload);
            EXPECT_EQ(r.value.form, c.decoded_form);
            EXPECT_EQ(r.value.masked, masked);
            EXPECT_EQ(r.frame_size, wire.size());
            EXPECT_EQ(d.buffered(), 0u);
        }
    }
}

TEST(Encoder, NonMinimalLen16For5Bytes) {
    frame f = text_frame("Hello");
    f.form = length_form::len16;
    const bytes wire = encode(f);
    EXPECT_EQ(wire, hex("81 7e 00 05 48 65 6c 6c 6f"));
    EXPECT_EQ(header_size(f), 4u);

    decoder strict;
    strict.feed(wire);
    auto r = strict.next();
    ASSERT_EQ(r.what, decode_result::status::error);
    EXPECT_EQ(r.error, protocol_error::non_minimal_length);

    decoder lax({.check_rules = false});
    lax.feed(wire);
    r = lax.next();
    ASSERT_EQ(r.what, decode_result::status::frame);
    EXPECT_EQ(r.value, f); // including form == len16
}

TEST(Encoder, NonMinimalLen64For200Bytes) {
    frame f = binary_frame(repeat(std::string_view("ab"), 200));
    f.form = length_form::len64;
    const bytes wire = encode(f);
    ASSERT_EQ(wire.size(), 210u);
    EXPECT_EQ(bytes(wire.begin(), wire.begin() + 10), hex("82 7f 00 00 00 00 00 00 00 c8"));

    decoder strict;
    strict.feed(wire);
    auto r = strict.next();
    ASSERT_EQ(r.what, decode_result::status::error);
    EXPECT_EQ(r.error, protocol_error::non_minimal_length);

    decoder lax({.check_rules = false});
    lax.feed(wire);
    r = lax.next();
    ASSERT_EQ(r.what, decode_result::status::frame);
    EXPECT_EQ(r.value.form, length_form::len64);
    EXPECT_EQ(r.value, f);
}

TEST(Encoder, Len64ForTinyAndEmptyPayloads) {
    frame f = text_frame("");
    f.form = length_form::len64;
    EXPECT_EQ(encode(f), hex("81 7f 00 00 00 00 00 00 00 00"));
    f.form = length_form::len16;
    EXPECT_EQ(encode(f), hex("81 7e 00 00"));
}

TEST(Encoder, LengthFormFallbacks) {
    // len7 cannot hold 126: falls back to the minimal form (len16).
    frame f = binary_frame(bytes(126, 0));
    f.form = length_form::len7;
    EXPECT_EQ(header_size(f), 4u);
    const bytes wire126 = encode(f);
    EXPECT_EQ(bytes(wire126.begin(), wire126.begin() + 4), hex("82 7e 00 7e"));
    // len7 cannot hold 65536 either: minimal is then len64.
    f.payload.assign(65536, 0);
    EXPECT_EQ(header_size(f), 10u);
    // len16 cannot hold 65536: falls back to len64.
    f.form = length_form::len16;
    EXPECT_EQ(header_size(f), 10u);
    const bytes wire = encode(f);
    EXPECT_EQ(bytes(wire.begin(), wire.begin() + 10), hex("82 7f 00 00 00 00 00 01 00 00"));
    // len7 for a length that fits is the 7-bit form.
    f.payload.assign(125, 0);
    f.form = length_form::len7;
    EXPECT_EQ(encode(f)[1], 125);
}

TEST(Encoder, DeclaredLengthDiffersFromPayload) {
    frame f = text_frame("abc");
    f.declared_length = 10;
    EXPECT_EQ(f.header_length(), 10u);
    EXPECT_EQ(encode(f), hex("81 0a 61 62 63"));

    f.declared_length = 1;
    EXPECT_EQ(encode(f), hex("81 01 61 62 63"));

    // The form follows the declared length, not the payload.
    f.declared_length = 300;
    EXPECT_EQ(encode(f), hex("81 7e 01 2c 61 62 63"));
    f.declared_length = std::numeric_limits<std::uint64_t>::max();
    EXPECT_EQ(encode(f), hex("81 7f ff ff ff ff ff ff ff ff 61 62 63"));
    EXPECT_EQ(header_size(f), 10u);

    // Masked: the real payload is masked, the lie stays in the header.
    f.declared_length = 0;
    f.masked = true;
    f.key = rfc_key;
    EXPECT_EQ(encode(f), hex("81 80 37 fa 21 3d 56 98 42"));
}

TEST(Encoder, DeclaredLengthDecodesAsItSays) {
    // Header says 2, payload has 3: the decoder sees a 2-byte frame, then garbage.
    frame f = binary_frame(hex("01 02 03"));
    f.declared_length = 2;
    decoder d({.check_rules = false});
    d.feed(encode(f));
    auto r = d.next();
    ASSERT_EQ(r.what, decode_result::status::frame);
    EXPECT_EQ(r.value.payload, hex("01 02"));
    EXPECT_EQ(d.buffered(), 1u);

    // Header says 10, payload has 3: the decoder waits.
    f.declared_length = 10;
    decoder w;
    w.feed(encode(f));
    EXPECT_EQ(w.next().what, decode_result::status::need_more);
}

// ---- Masking --------------------------------------------------------------------------------

TEST(Encoder, ApplyMaskIsAnInvolution) {
    bytes data = to_bytes("Hello");
    apply_mask(data, rfc_key);
    EXPECT_EQ(data, hex("7f 9f 4d 51 58"));
    apply_mask(data, rfc_key);
    EXPECT_EQ(data, to_bytes("Hello"));
}

TEST(Encoder, ApplyMaskWithOffsetMatchesWhole) {
    const bytes plain = repeat(std::string_view("The quick brown fox"), 97);
    bytes whole = plain;
    apply_mask(whole, rfc_key);
    for (std::size_t split : {0u, 1u, 2u, 3u, 4u, 5u, 50u, 96u, 97u}) {
        bytes pieces = plain;
        std::span<byte> all(pieces);
        apply_mask(all.first(split), rfc_key, 0);
        apply_mask(all.subspan(split), rfc_key, split);
        EXPECT_EQ(pieces, whole) << "split " << split;
    }
    // The offset is used modulo 4, even past 2^32.
    bytes tail = hex("00 00");
    apply_mask(tail, rfc_key, (std::uint64_t(1) << 40) + 2);
    EXPECT_EQ(tail, hex("21 3d"));
}

TEST(Encoder, ApplyMaskMatchesTheByteRuleAtEveryOffsetAndLength) {
    // RFC 6455 5.3: octet i is XORed with key octet i MOD 4, counted from the payload's start.
    for (std::uint64_t offset = 0; offset < 8; ++offset) {
        for (std::size_t length = 0; length <= 21; ++length) {
            bytes data(length);
            for (std::size_t i = 0; i < length; ++i)
                data[i] = static_cast<byte>(i * 37 + 5);
            bytes expected = data;
            for (std::size_t i = 0; i < length; ++i)
                expected[i] ^= rfc_key[(offset + i) % 4];
            apply_mask(data, rfc_key, offset);
            ASSERT_EQ(data, expected) << "offset " << offset << " length " << length;
        }
    }
}

TEST(Encoder, MaskSourceIsSeedable) {
    mask_source a(42), b(42), c(43);
    std::set<mask_key> seen;
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        auto ka = a.next();
        EXPECT_EQ(ka, b.next());
        if (ka != c.next())
            differs = true;
        seen.insert(ka);
    }
    EXPECT_TRUE(differs);
    EXPECT_GT(seen.size(), 95u); // fresh keys, not a constant
}

TEST(Encoder, MaskSetsBitAndKey) {
    mask_source keys(7), same(7);
    frame f = text_frame("Hello");
    mask(f, keys);
    EXPECT_TRUE(f.masked);
    EXPECT_EQ(f.key, same.next());
    const bytes wire = encode(f);
    EXPECT_EQ(wire[1], 0x85);
    EXPECT_EQ(bytes(wire.begin() + 2, wire.begin() + 6), bytes(f.key.begin(), f.key.end()));
}

// ---- chop -----------------------------------------------------------------------------------

TEST(Encoder, Chop) {
    const bytes data = hex("00 01 02 03 04 05 06");
    auto one = chop(data, 0);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].size(), 7u);
    EXPECT_EQ(chop(data, 7).size(), 1u);
    EXPECT_EQ(chop(data, 100).size(), 1u);

    auto pieces = chop(data, 3);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces[0].size(), 3u);
    EXPECT_EQ(pieces[1].size(), 3u);
    EXPECT_EQ(pieces[2].size(), 1u);
    EXPECT_EQ(pieces[2][0], 6);
    bytes joined;
    for (auto p : pieces)
        joined.insert(joined.end(), p.begin(), p.end());
    EXPECT_EQ(joined, data);

    auto singles = chop(data, 1);
    ASSERT_EQ(singles.size(), 7u);
    for (std::size_t i = 0; i < singles.size(); ++i) {
        ASSERT_EQ(singles[i].size(), 1u);
        EXPECT_EQ(singles[i][0], i);
    }
}

TEST(Encoder, EncodedSequenceConcatenates) {
    bytes out;
    encode(text_frame("Hel", false), out);
    encode(continuation_frame(to_bytes("lo"), true), out);
    EXPECT_EQ(out, concat(hex("01 03 48 65 6c"), hex("80 02 6c 6f")));
}

} // namespace
} // namespace wsconform::codec
