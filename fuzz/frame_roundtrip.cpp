/// Fuzz target: encoder -> decoder round trip (codec/encoder.hpp, codec/decoder.hpp).
///
/// Input: the frame to encode, then its payload.
///   [0] the frame's first header byte as on the wire: FIN, RSV1-3, opcode
///   [1] bit 0 masked, bits 1-2 length form {minimal, len7, len16, len64}, bit 3 declared
///       length differs from the payload (a lie), bits 4-6 read size bound, bit 7 judge the
///       frame as a server (masks required) instead of as a client
///   [2..5] masking key   [6] describe() preview length   [7] which lie (when bit 3)
///   rest: the payload
///
/// Contract:
///  - any frame the encoder writes decodes (syntax only) to the same frame: same bits, same
///    length form once the encoder's fallbacks are applied, same key when masked, same payload;
///    the frame is exactly the encoded bytes, however they are cut into reads, and two frames
///    in a row decode to two;
///  - a declared length that lies: longer than the payload waits for more, shorter cuts the
///    payload there, an unrepresentable one (top bit set) is an error;
///  - with RFC rules checked, the frame decodes iff the reference finds no broken rule, and an
///    error names a broken one;
///  - describe() works on every frame.

#include "fuzz/fuzz_support.hpp"
#include "fuzz/reference.hpp"
#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"

#include <array>
#include <limits>

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;
using status = decode_result::status;

// The form the encoder writes, restated from frame.hpp's length_form documentation.
length_form expected_form(length_form asked, std::uint64_t len) {
    switch (asked) {
    case length_form::len7:
    case length_form::minimal:
        return len <= 125 ? length_form::len7
                          : (len <= 0xFFFF ? length_form::len16 : length_form::len64);
    case length_form::len16:
        return len <= 0xFFFF ? length_form::len16 : length_form::len64;
    case length_form::len64:
        return length_form::len64;
    }
    return length_form::len64;
}

std::uint64_t pick_lie(byte which, std::uint64_t actual) {
    switch (which & 7) {
    case 0:
        return actual + 1;
    case 1:
        return actual == 0 ? 1 : actual - 1;
    case 2:
        return 0;
    case 3:
        return actual + 125;
    case 4:
        return std::uint64_t{1} << 63; // unrepresentable
    case 5:
        return std::numeric_limits<std::uint64_t>::max();
    case 6:
        return actual / 2;
    default:
        return actual + (which >> 3); // a small excess the input chooses
    }
}

decoder_options syntax_only() {
    decoder_options o;
    o.check_rules = false;
    o.max_payload = std::numeric_limits<std::uint64_t>::max();
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte b0 = in.u8(), b1 = in.u8();
    frame f;
    f.fin = (b0 & 0x80) != 0;
    f.rsv = static_cast<std::uint8_t>((b0 >> 4) & 7);
    f.op = opcode_from_nibble(b0);
    f.masked = (b1 & 1) != 0;
    f.form = static_cast<length_form>((b1 >> 1) & 3);
    for (auto& k : f.key)
        k = in.u8();
    const std::size_t preview = in.u8();
    const byte lie = in.u8();
    const auto payload = in.rest();
    f.payload.assign(payload.begin(), payload.end());
    if (b1 & 8)
        f.declared_length = pick_lie(lie, f.payload.size());

    const bytes wire = encode(f);
    FUZZ_CHECK(!describe(f, preview).empty(), "describe() gave nothing");

    // What the decoder must give back: the bits as sent, the form the encoder really wrote, no
    // key on an unmasked frame, and the payload cut or awaited as the declared length says.
    const std::uint64_t declared = f.header_length();
    frame expect = f;
    expect.form = expected_form(f.form, declared);
    expect.declared_length.reset();
    if (!f.masked)
        expect.key = {};
    if (declared < f.payload.size())
        expect.payload.resize(static_cast<std::size_t>(declared));
    const std::size_t header = header_size(f);
    FUZZ_CHECK(wire.size() == header + f.payload.size(), "header_size() disagrees with encode()");

    {
        decoder d(syntax_only());
        d.feed(wire);
        auto r = d.next();
        if ((declared >> 63) != 0) {
            FUZZ_CHECK(r.what == status::error && r.error == protocol_error::length_msb_set,
                       "a length with the top bit set must be refused");
        } else if (declared > f.payload.size()) {
            FUZZ_CHECK(r.what == status::need_more, "a frame longer than its bytes came out");
        } else {
            FUZZ_CHECK(r.what == status::frame, "an encoded frame does not decode");
            FUZZ_CHECK(r.value == expect, "the decoded frame differs from the encoded one");
            FUZZ_CHECK(r.frame_size == header + declared && r.frame_offset == 0,
                       "wrong frame size or offset");
            FUZZ_CHECK(d.buffered() == f.payload.size() - declared,
                       "bytes after a short declared length must stay buffered");
        }
    }

    if (!f.declared_length) {
        // Cut into reads, and twice in a row.
        bytes twice = wire;
        twice.insert(twice.end(), wire.begin(), wire.end());
        decoder d(syntax_only());
        int frames = 0;
        fz::chunker cuts(static_cast<std::uint8_t>(b1 >> 4), b0 ^ b1);
        cuts.run(twice, [&](byte_view piece) {
            d.feed(piece);
            for (auto r = d.next(); r.what != status::need_more; r = d.next()) {
                FUZZ_CHECK(r.what == status::frame && r.value == expect,
                           "a frame read in pieces differs");
                FUZZ_CHECK(r.frame_offset == static_cast<std::uint64_t>(frames) * wire.size(),
                           "the second frame is not where the first ended");
                ++frames;
            }
        });
        FUZZ_CHECK(frames == 2 && d.buffered() == 0, "two encoded frames must give two");

        // Judged by the RFC: decodes iff nothing is broken, else names a broken rule.
        fz::ref::frame_rules rules;
        rules.max_payload = 1u << 20;
        rules.incoming = (b1 & 0x80) ? fz::ref::frame_rules::mask::required
                                     : fz::ref::frame_rules::mask::forbidden;
        decoder_options strict;
        strict.max_payload = rules.max_payload;
        strict.incoming_mask = (b1 & 0x80) ? masking_rule::required : masking_rule::forbidden;
        decoder judge(strict);
        judge.feed(wire);
        const auto r = judge.next();
        const auto verdict = fz::ref::judge_frame(wire, rules, false);
        if (verdict.errors.empty()) {
            FUZZ_CHECK(r.what == status::frame && r.value == expect,
                       "a frame that breaks no rule was not decoded as sent");
        } else {
            FUZZ_CHECK(r.what == status::error &&
                           verdict.errors.has(static_cast<protocol_error>(r.error.value())),
                       "a frame that breaks a rule was accepted or refused for another reason");
        }
    }
    return 0;
}
