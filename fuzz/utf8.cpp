/// Fuzz target: the streaming UTF-8 validator (codec/utf8.hpp), differential against the
/// reference in reference.hpp (which judges by code point ranges instead of byte tables).
///
/// Input: [0] read size bound (bits 0-2), [1] seed for the read sizes, rest: the text.
///
/// Contract: fed in any chunking, after every chunk the validator has failed iff the
/// reference finds a bad byte among the bytes fed so far, at the same offset; at_boundary()
/// and size() agree with the reference; finish() fails iff the text is invalid or ends inside
/// a code point, with the offset of the bad byte or of the end; is_valid_utf8() agrees.

#include "harness/codec/utf8.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/reference.hpp"

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;

// Whether a prefix with no bad byte ends between code points: the last byte that is not a
// continuation byte starts the last sequence, which must be complete. (Re-running the
// reference on every prefix would make one-byte reads quadratic.)
bool ends_on_boundary(byte_view prefix) {
    std::size_t p = prefix.size();
    while (p > 0 && (prefix[p - 1] & 0xC0) == 0x80)
        --p;
    if (p == 0)
        return prefix.empty();
    const byte lead = prefix[p - 1];
    const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    return p - 1 + len == prefix.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte mode = in.u8(), seed = in.u8();
    const byte_view text = in.rest();
    const auto whole = fz::ref::check_utf8(text);

    utf8_validator v;
    std::size_t fed = 0;
    fz::chunker cuts(mode, seed);
    cuts.run(text, [&](byte_view piece) {
        const bool ok = v.feed(piece);
        fed += piece.size();
        // Judged on the prefix fed so far: a bad byte there is a bad byte of the whole text.
        const bool bad_so_far = whole.first_bad != fz::ref::npos && whole.first_bad < fed;
        FUZZ_CHECK(ok == !bad_so_far, "feed() verdict differs from the reference");
        FUZZ_CHECK(v.failed() == bad_so_far, "failed() differs from the reference");
        if (bad_so_far) {
            FUZZ_CHECK(v.error_offset() == whole.first_bad, "wrong error offset");
            FUZZ_CHECK(v.size() == whole.first_bad, "size() must stop at the bad byte");
        } else {
            FUZZ_CHECK(v.size() == fed, "size() is not the number of bytes fed");
            FUZZ_CHECK(v.at_boundary() == ends_on_boundary(text.first(fed)),
                       "at_boundary() differs from the reference");
        }
    });

    const bool finished = v.finish();
    FUZZ_CHECK(finished == whole.valid(), "finish() verdict differs from the reference");
    if (!finished) {
        const std::size_t expected =
            whole.first_bad != fz::ref::npos ? whole.first_bad : text.size();
        FUZZ_CHECK(v.error_offset() == expected, "wrong error offset after finish()");
    }
    FUZZ_CHECK(is_valid_utf8(text) == whole.valid(), "is_valid_utf8() differs");
    // reset() gives a validator that judges afresh.
    v.reset();
    FUZZ_CHECK(!v.failed() && v.size() == 0 && v.at_boundary(), "reset() left state behind");
    return 0;
}
