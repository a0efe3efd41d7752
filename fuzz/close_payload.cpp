/// Fuzz target: the Close body parser (parse_close_payload in codec/frame.hpp) and the close
/// code classification (codec/close_code.hpp).
///
/// Input: [0] describe() preview length, [1..4] masking key, rest: the Close body.
///
/// Contract:
///  - the status is what RFC 6455 §5.5.1 and §7.4 (restated in reference.hpp) say: empty is
///    fine, one byte is too short, then the code's class decides, then the reason's UTF-8;
///  - the parse is lossless: code and reason put back together give the body, and
///    close_frame(code, reason) builds the same body;
///  - classify() and close_code_name() agree with the reference;
///  - the decoder, as a server, accepts a Close frame with this body iff the parser says ok,
///    and otherwise reports the matching error; describe() works on it.

#include "fuzz/fuzz_support.hpp"
#include "fuzz/reference.hpp"
#include "harness/codec/close_code.hpp"
#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/codec/frame.hpp"

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;

close_payload_status expected_status(byte_view body) {
    if (body.empty())
        return close_payload_status::ok;
    if (body.size() == 1)
        return close_payload_status::length_one;
    switch (fz::ref::classify_close(static_cast<std::uint16_t>(body[0] << 8 | body[1]))) {
    case fz::ref::close_class::invalid:
        return close_payload_status::invalid_code;
    case fz::ref::close_class::undefined:
        return close_payload_status::undefined_code;
    case fz::ref::close_class::valid:
        break;
    }
    return fz::ref::check_utf8(body.subspan(2)).valid() ? close_payload_status::ok
                                                        : close_payload_status::invalid_reason;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const std::size_t preview = in.u8();
    mask_key key{};
    for (auto& k : key)
        k = in.u8();
    const byte_view body = in.rest();

    close_payload parsed;
    parsed.reason = "stale"; // must be cleared by the parser
    const auto status = parse_close_payload(body, parsed);
    FUZZ_CHECK(status == expected_status(body), "status differs from RFC 6455 §5.5.1/§7.4");
    if (body.size() < 2) {
        FUZZ_CHECK(!parsed.code && parsed.reason.empty(), "a code or reason from < 2 bytes");
    } else {
        FUZZ_CHECK(parsed.code, "a body of 2+ bytes must give its code");
        const close_code code = *parsed.code;
        bytes rebuilt{static_cast<byte>(code >> 8), static_cast<byte>(code & 0xFF)};
        rebuilt.insert(rebuilt.end(), parsed.reason.begin(), parsed.reason.end());
        FUZZ_CHECK(rebuilt == bytes(body.begin(), body.end()), "the parse is not lossless");
        FUZZ_CHECK(close_frame(code, parsed.reason).payload == rebuilt,
                   "close_frame() builds another body");
        const auto ref_class = fz::ref::classify_close(code);
        const auto cls = classify(code);
        FUZZ_CHECK((cls == close_code_class::valid) == (ref_class == fz::ref::close_class::valid) &&
                       (cls == close_code_class::undefined) ==
                           (ref_class == fz::ref::close_class::undefined),
                   "classify() differs from the reference");
        FUZZ_CHECK(close_code_name(code).empty() == (code < 1000 || code > 1015),
                   "close_code_name() names the wrong codes");
    }

    frame f = close_frame_raw(bytes(body.begin(), body.end()));
    FUZZ_CHECK(!describe(f, preview).empty(), "describe() gave nothing");
    if (body.size() <= 125) {
        f.masked = true;
        f.key = key;
        decoder_options server;
        server.incoming_mask = masking_rule::required;
        decoder d(server);
        d.feed(encode(f));
        const auto r = d.next();
        if (status == close_payload_status::ok) {
            FUZZ_CHECK(r.what == decode_result::status::frame && r.value.payload == f.payload,
                       "the decoder refused a Close body the parser accepts");
        } else {
            FUZZ_CHECK(r.what == decode_result::status::error &&
                           r.error == *close_payload_error(status),
                       "the decoder's verdict on the Close body differs from the parser's");
            FUZZ_CHECK(close_code_for(*close_payload_error(status)) ==
                           (status == close_payload_status::invalid_reason ? 1007 : 1002),
                       "wrong close code for a bad Close body (§7.4.1)");
        }
    }
    return 0;
}
