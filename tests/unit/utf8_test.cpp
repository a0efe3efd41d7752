#include "harness/codec/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace wsconform::codec {
namespace {

/// UTF-8 encoding of a code point (no validation: surrogates are encoded too).
bytes encode_cp(std::uint32_t cp) {
    if (cp < 0x80)
        return {static_cast<byte>(cp)};
    if (cp < 0x800)
        return {static_cast<byte>(0xc0 | cp >> 6), static_cast<byte>(0x80 | (cp & 0x3f))};
    if (cp < 0x10000)
        return {static_cast<byte>(0xe0 | cp >> 12), static_cast<byte>(0x80 | (cp >> 6 & 0x3f)),
                static_cast<byte>(0x80 | (cp & 0x3f))};
    return {static_cast<byte>(0xf0 | cp >> 18), static_cast<byte>(0x80 | (cp >> 12 & 0x3f)),
            static_cast<byte>(0x80 | (cp >> 6 & 0x3f)), static_cast<byte>(0x80 | (cp & 0x3f))};
}

/// Reference decoder: decodes code points the naive way and rejects overlong forms,
/// surrogates and values above U+10FFFF afterwards (RFC 3629 §3, by value, not by table).
bool reference_valid(const byte* p, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        const byte b = p[i];
        std::uint32_t cp = 0;
        std::size_t len = 0;
        if (b < 0x80) {
            ++i;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            len = 2, cp = b & 0x1fu;
        } else if ((b & 0xf0) == 0xe0) {
            len = 3, cp = b & 0x0fu;
        } else if ((b & 0xf8) == 0xf0) {
            len = 4, cp = b & 0x07u;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3fu);
        }
        const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

bool reference_valid(const bytes& b) {
    return reference_valid(b.data(), b.size());
}

/// True when some valid UTF-8 string starts with `prefix`. Finishing the last code point needs
/// at most three continuation bytes, and each allowed range (80-8F, 90-9F, A0-BF and unions)
/// contains one of 80, 90, A0, so trying those is exhaustive.
bool reference_completable(const bytes& prefix) {
    static constexpr byte reps[] = {0x80, 0x90, 0xa0};
    if (reference_valid(prefix))
        return true;
    bytes t = prefix;
    for (byte a : reps) {
        t.resize(prefix.size());
        t.push_back(a);
        if (reference_valid(t))
            return true;
        for (byte b : reps) {
            t.resize(prefix.size() + 1);
            t.push_back(b);
            if (reference_valid(t))
                return true;
            for (byte c : reps) {
                t.resize(prefix.size() + 2);
                t.push_back(c);
                if (reference_valid(t))
                    return true;
            }
        }
    }
    return false;
}

/// Where a fail-fast validator must stop: the first byte after which no valid completion
/// exists; the end if every prefix is completable but the string is not valid; nullopt if
/// valid.
std::optional<std::uint64_t> reference_error_offset(const bytes& s) {
    if (reference_valid(s))
        return std::nullopt;
    for (std::size_t k = 1; k <= s.size(); ++k)
        if (!reference_completable(bytes(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k))))
            return k - 1;
    return s.size();
}

struct outcome {
    bool valid;
    std::uint64_t error_offset;
    friend bool operator==(const outcome&, const outcome&) = default;
};

/// Runs the validator over `s` fed in `chunk`-sized pieces (0 = one piece).
outcome run(byte_view s, std::size_t chunk = 0) {
    utf8_validator v;
    if (chunk == 0) {
        v.feed(s);
    } else {
        for (std::size_t at = 0; at < s.size(); at += chunk)
            v.feed(s.subspan(at, std::min(chunk, s.size() - at)));
    }
    bool ok = v.finish();
    EXPECT_EQ(ok, !v.failed());
    return {ok, ok ? 0 : v.error_offset()};
}

void expect_valid(const bytes& s) {
    EXPECT_TRUE(is_valid_utf8(s)) << to_hex(s);
    utf8_validator v;
    EXPECT_TRUE(v.feed(s)) << to_hex(s);
    EXPECT_TRUE(v.at_boundary());
    EXPECT_TRUE(v.finish());
    EXPECT_FALSE(v.failed());
    EXPECT_EQ(v.size(), s.size());
}

/// Fails fast: feed() itself returns false, at `offset`.
void expect_fail_at(const bytes& s, std::uint64_t offset) {
    SCOPED_TRACE(to_hex(s));
    EXPECT_FALSE(is_valid_utf8(s));
    utf8_validator v;
    EXPECT_FALSE(v.feed(s));
    EXPECT_TRUE(v.failed());
    EXPECT_EQ(v.error_offset(), offset);
    EXPECT_FALSE(v.finish());
    EXPECT_EQ(v.error_offset(), offset);
}

/// Valid prefix that stops inside a code point: feed() succeeds, finish() fails at the end.
void expect_truncated(const bytes& s) {
    SCOPED_TRACE(to_hex(s));
    EXPECT_FALSE(is_valid_utf8(s));
    utf8_validator v;
    EXPECT_TRUE(v.feed(s));
    EXPECT_FALSE(v.failed());
    EXPECT_FALSE(v.at_boundary());
    EXPECT_FALSE(v.finish());
    EXPECT_TRUE(v.failed());
    EXPECT_EQ(v.error_offset(), s.size());
}

bool in(byte b, byte lo, byte hi) {
    return b >= lo && b <= hi;
}

// ---- Beast utf8_checker style byte-range tests -----------------------------------------------

TEST(Utf8, EverySingleByte) {
    for (unsigned b = 0; b < 256; ++b) {
        const bytes s{static_cast<byte>(b)};
        if (b < 0x80)
            expect_valid(s);
        else if (b >= 0xc2 && b <= 0xf4)
            expect_truncated(s); // a lead byte alone
        else
            expect_fail_at(s, 0); // continuation, C0, C1, F5-FF
    }
}

TEST(Utf8, TwoByteSequences) {
    for (unsigned lead = 0xc0; lead <= 0xdf; ++lead)
        for (unsigned second = 0; second < 256; ++second) {
            const bytes s{static_cast<byte>(lead), static_cast<byte>(second)};
            if (lead < 0xc2)
                expect_fail_at(s, 0); // overlong, rejected at the lead
            else if (in(static_cast<byte>(second), 0x80, 0xbf))
                expect_valid(s);
            else
                expect_fail_at(s, 1);
        }
}

TEST(Utf8, ThreeByteSequences) {
    static constexpr byte boundaries[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                                          0xa0, 0xbf, 0xc0, 0xc2, 0xef, 0xff};
    for (unsigned lead = 0xe0; lead <= 0xef; ++lead) {
        // E0: A0-BF (lower is overlong); ED: 80-9F (higher is a surrogate); others: 80-BF.
        const byte lo = lead == 0xe0 ? 0xa0 : 0x80;
        const byte hi = lead == 0xed ? 0x9f : 0xbf;
        for (unsigned second = 0; second < 256; ++second) {
            const byte b2 = static_cast<byte>(second);
            const bytes two{static_cast<byte>(lead), b2};
            if (!in(b2, lo, hi)) {
                expect_fail_at(two, 1);
                continue;
            }
            expect_truncated(two);
            for (byte third : boundaries) {
                const bytes s{static_cast<byte>(lead), b2, third};
                if (in(third, 0x80, 0xbf))
                    expect_valid(s);
                else
                    expect_fail_at(s, 2);
            }
        }
    }
}

TEST(Utf8, ThreeByteLeadBoundaries) {
    expect_fail_at(hex("e0 80 80"), 1); // overlong U+0000
    expect_fail_at(hex("e0 9f bf"), 1); // overlong U+07FF
    expect_valid(hex("e0 a0 80"));      // U+0800
    expect_valid(hex("ec bf bf"));      // U+CFFF
    expect_valid(hex("ed 80 80"));      // U+D000
    expect_valid(hex("ed 9f bf"));      // U+D7FF
    expect_fail_at(hex("ed a0 80"), 1); // U+D800
    expect_fail_at(hex("ed bf bf"), 1); // U+DFFF
    expect_valid(hex("ee 80 80"));      // U+E000
    expect_valid(hex("ef bf bf"));      // U+FFFF
}

TEST(Utf8, FourByteSequences) {
    static constexpr byte boundaries[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                                          0xa0, 0xbf, 0xc0, 0xf4, 0xff};
    for (unsigned lead = 0xf0; lead <= 0xf4; ++lead) {
        // F0: 90-BF (lower is overlong); F4: 80-8F (higher is above U+10FFFF); F1-F3: 80-BF.
        const byte lo = lead == 0xf0 ? 0x90 : 0x80;
        const byte hi = lead == 0xf4 ? 0x8f : 0xbf;
        for (unsigned second = 0; second < 256; ++second) {
            const byte b2 = static_cast<byte>(second);
            if (!in(b2, lo, hi)) {
                expect_fail_at(bytes{static_cast<byte>(lead), b2}, 1);
                continue;
            }
            expect_truncated(bytes{static_cast<byte>(lead), b2});
            for (byte third : boundaries) {
                const bytes three{static_cast<byte>(lead), b2, third};
                if (!in(third, 0x80, 0xbf)) {
                    expect_fail_at(three, 2);
                    continue;
                }
                expect_truncated(three);
                for (byte fourth : boundaries) {
                    const bytes s{static_cast<byte>(lead), b2, third, fourth};
                    if (in(fourth, 0x80, 0xbf))
                        expect_valid(s);
                    else
                        expect_fail_at(s, 3);
                }
            }
        }
    }
}

TEST(Utf8, FourByteLeadBoundaries) {
    expect_fail_at(hex("f0 80 80 80"), 1); // overlong U+0000
    expect_fail_at(hex("f0 8f bf bf"), 1); // overlong U+FFFF
    expect_valid(hex("f0 90 80 80"));      // U+10000
    expect_valid(hex("f1 80 80 80"));      // U+40000
    expect_valid(hex("f3 bf bf bf"));      // U+FFFFF
    expect_valid(hex("f4 8f bf bf"));      // U+10FFFF
    expect_fail_at(hex("f4 90 80 80"), 1); // U+110000
    expect_fail_at(hex("f4 bf bf bf"), 1);
}

TEST(Utf8, F5ToFFInvalidAtOnce) {
    for (unsigned lead = 0xf5; lead <= 0xff; ++lead) {
        expect_fail_at(bytes{static_cast<byte>(lead)}, 0);
        expect_fail_at(bytes{static_cast<byte>(lead), 0x80, 0x80, 0x80}, 0);
        expect_fail_at(bytes{0x61, static_cast<byte>(lead), 0x80}, 1);
    }
}

// ---- Exact error offsets ----------------------------------------------------------------------

TEST(Utf8, ErrorOffsets) {
    // "κόσμε" is 11 bytes; then F4 90 80 80 (beyond U+10FFFF) fails at the 0x90.
    const bytes kosme = hex("ce ba e1 bd b9 cf 83 ce bc ce b5");
    expect_valid(kosme);
    bytes s = kosme;
    for (byte b : hex("f4 90 80 80"))
        s.push_back(b);
    expect_fail_at(s, 12);
    expect_fail_at(hex("ed a0 80"), 1);
    expect_fail_at(hex("c0"), 0);
    expect_fail_at(hex("c0 80"), 0);
    expect_fail_at(hex("c1 bf"), 0);
    expect_fail_at(hex("61 62 80"), 2);
    expect_fail_at(hex("ce 41"), 1);       // lead followed by ASCII
    expect_fail_at(hex("e1 bd 41"), 2);    // the third byte is wrong
    expect_fail_at(hex("f0 9f 98 41"), 3); // the fourth byte is wrong
    expect_fail_at(hex("ce ce ba"), 1);    // lead where a continuation was due
}

TEST(Utf8, TruncatedFailsOnlyAtFinish) {
    for (const char* t : {"ce", "e1", "e1 bd", "f0", "f0 9f", "f0 9f 98", "f4 8f bf"}) {
        bytes s = hex("ce ba e1 bd b9 cf 83 ce bc ce b5");
        for (byte b : hex(t))
            s.push_back(b);
        expect_truncated(s);
    }
}

TEST(Utf8, FailureIsSticky) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(hex("61 62")));
    EXPECT_FALSE(v.feed(hex("63 ff 64")));
    EXPECT_EQ(v.error_offset(), 3u);
    EXPECT_FALSE(v.feed(hex("61")));
    EXPECT_FALSE(v.feed({}));
    EXPECT_TRUE(v.failed());
    EXPECT_EQ(v.error_offset(), 3u);
    EXPECT_FALSE(v.finish());
    EXPECT_EQ(v.error_offset(), 3u);
}

TEST(Utf8, ResetAndEmpty) {
    utf8_validator v;
    EXPECT_TRUE(v.feed({}));
    EXPECT_TRUE(v.at_boundary());
    EXPECT_EQ(v.size(), 0u);
    EXPECT_TRUE(v.finish());
    EXPECT_TRUE(is_valid_utf8(std::string_view()));

    EXPECT_FALSE(v.feed(hex("80")));
    v.reset();
    EXPECT_FALSE(v.failed());
    EXPECT_EQ(v.size(), 0u);
    EXPECT_EQ(v.error_offset(), 0u);
    EXPECT_TRUE(v.feed(hex("ce")));
    EXPECT_FALSE(v.at_boundary());
    v.reset();
    EXPECT_TRUE(v.at_boundary()); // a reset also forgets a pending code point
    EXPECT_TRUE(v.feed(hex("41")));
    EXPECT_TRUE(v.finish());
}

TEST(Utf8, SizeCountsAcceptedBytes) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(hex("ce")));
    EXPECT_EQ(v.size(), 1u);
    EXPECT_TRUE(v.feed(hex("ba 41")));
    EXPECT_EQ(v.size(), 3u);
    EXPECT_TRUE(v.at_boundary());
}

// ---- Streaming -------------------------------------------------------------------------------

TEST(Utf8, StreamingAcrossEverySplitEqualsOneShot) {
    const std::vector<bytes> corpus = {
        hex("ce ba e1 bd b9 cf 83 ce bc ce b5"),
        hex("ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64"),
        hex("f0 9f 98 80 e2 82 ac 24 c2 a2 f4 8f bf bf"),
        hex("f0 9f 98 80 e2 82 ac 24 c2 a2 f4 8f bf"),
        hex("41 42 ed a0 80 43"),
        hex("e0 9f 80"),
        hex("68 65 6c 6c 6f c0 af"),
    };
    for (const auto& s : corpus) {
        const outcome one_shot = run(s);
        for (std::size_t chunk = 1; chunk <= s.size(); ++chunk)
            EXPECT_EQ(run(s, chunk), one_shot) << to_hex(s) << " chunk " << chunk;
        // Every two-piece split.
        for (std::size_t cut = 0; cut <= s.size(); ++cut) {
            utf8_validator v;
            v.feed(byte_view(s).first(cut));
            v.feed(byte_view(s).subspan(cut));
            const bool ok = v.finish();
            EXPECT_EQ(outcome({ok, ok ? 0 : v.error_offset()}), one_shot)
                << to_hex(s) << " cut " << cut;
        }
    }
}

TEST(Utf8, RandomStreamsAndRandomChunkingsMatchReference) {
    // Strings drawn from interesting bytes so that valid and invalid ones both occur.
    static constexpr byte alphabet[] = {0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
                                        0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    std::mt19937 rng(6455);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(alphabet) - 1);
    std::uniform_int_distribution<std::size_t> length(0, 12);
    std::uniform_int_distribution<std::size_t> chunk(1, 5);
    int valid = 0;
    for (int i = 0; i < 20000; ++i) {
        bytes s(length(rng));
        for (auto& b : s)
            b = alphabet[pick(rng)];
        auto expected = reference_error_offset(s);
        outcome want{!expected, expected.value_or(0)};
        valid += want.valid;
        ASSERT_EQ(run(s), want) << to_hex(s);
        utf8_validator v;
        for (std::size_t at = 0; at < s.size();) {
            auto n = std::min(chunk(rng), s.size() - at);
            v.feed(byte_view(s).subspan(at, n));
            at += n;
        }
        const bool ok = v.finish();
        ASSERT_EQ(outcome({ok, ok ? 0 : v.error_offset()}), want) << to_hex(s);
    }
    EXPECT_GT(valid, 100);
}

TEST(Utf8, SequencesAmongLongAsciiRunsMatchReference) {
    // ASCII is skipped eight bytes at a time: put a sequence at every phase of that stride,
    // and feed it whole and in every two-piece split.
    const bytes inserts[] = {hex("ce ba"), hex("e1 bd b9"), hex("f0 9f 98 80"), hex("80"),
                             hex("c0 80"), hex("ed a0 80"), hex("ff"),          hex("ce")};
    for (const auto& insert : inserts) {
        for (std::size_t before = 0; before <= 19; ++before) {
            bytes s(before, 'a');
            s.insert(s.end(), insert.begin(), insert.end());
            s.insert(s.end(), 11, 'b');
            auto expected = reference_error_offset(s);
            outcome want{!expected, expected.value_or(0)};
            ASSERT_EQ(run(s), want) << to_hex(s);
            for (std::size_t split = 0; split <= s.size(); ++split) {
                utf8_validator v;
                v.feed(byte_view(s).first(split));
                v.feed(byte_view(s).subspan(split));
                const bool ok = v.finish();
                ASSERT_EQ(outcome({ok, ok ? 0 : v.error_offset()}), want)
                    << to_hex(s) << " split " << split;
            }
        }
    }
}

// ---- Code points -----------------------------------------------------------------------------

TEST(Utf8, CodePointBoundaries) {
    for (std::uint32_t cp : {0x0u, 0x7fu, 0x80u, 0x7ffu, 0x800u, 0xd7ffu, 0xe000u, 0xfffdu, 0xfffeu,
                             0xffffu, 0x10000u, 0x10ffffu}) {
        SCOPED_TRACE(cp);
        expect_valid(encode_cp(cp));
    }
    EXPECT_EQ(encode_cp(0x7f).size(), 1u);
    EXPECT_EQ(encode_cp(0x80).size(), 2u);
    EXPECT_EQ(encode_cp(0x7ff).size(), 2u);
    EXPECT_EQ(encode_cp(0x800).size(), 3u);
    EXPECT_EQ(encode_cp(0xffff).size(), 3u);
    EXPECT_EQ(encode_cp(0x10000).size(), 4u);
    EXPECT_EQ(encode_cp(0x10ffff), hex("f4 8f bf bf"));
    // Non-characters are valid UTF-8.
    expect_valid(hex("ef bf be"));    // U+FFFE
    expect_valid(hex("ef bf bf"));    // U+FFFF
    expect_valid(hex("f4 8f bf be")); // U+10FFFE
}

TEST(Utf8, EverySurrogateIsInvalid) {
    for (std::uint32_t cp = 0xd800; cp <= 0xdfff; ++cp) {
        const bytes s = encode_cp(cp);
        ASSERT_EQ(s[0], 0xed);
        expect_fail_at(s, 1);
    }
    // A surrogate pair encoded as two 3-byte sequences (CESU-8) is invalid too.
    expect_fail_at(hex("ed a0 bd ed b8 80"), 1);
}

TEST(Utf8, EveryScalarValueIsValid) {
    bytes all;
    for (std::uint32_t cp = 0; cp <= 0x10ffff; ++cp) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        const bytes s = encode_cp(cp);
        ASSERT_TRUE(is_valid_utf8(s)) << std::hex << cp;
        all.insert(all.end(), s.begin(), s.end());
    }
    utf8_validator v;
    EXPECT_TRUE(v.feed(all));
    EXPECT_TRUE(v.finish());
    EXPECT_EQ(v.size(), all.size());
}

TEST(Utf8, OverlongEncodingsAreInvalid) {
    expect_fail_at(hex("c0 80"), 0);          // U+0000 in 2 bytes
    expect_fail_at(hex("c1 bf"), 0);          // U+007F in 2 bytes
    expect_fail_at(hex("e0 80 80"), 1);       // U+0000 in 3 bytes
    expect_fail_at(hex("e0 81 bf"), 1);       // U+007F in 3 bytes
    expect_fail_at(hex("e0 9f bf"), 1);       // U+07FF in 3 bytes
    expect_fail_at(hex("f0 80 80 80"), 1);    // U+0000 in 4 bytes
    expect_fail_at(hex("f0 8f bf bf"), 1);    // U+FFFF in 4 bytes
    expect_fail_at(hex("f8 88 80 80 80"), 0); // 5-byte form
    expect_fail_at(hex("fc 84 80 80 80 80"), 0);
    expect_fail_at(hex("c0 af"), 0); // the classic overlong '/'
}

// ---- Against the reference decoder -------------------------------------------------------------

TEST(Utf8, AllOneAndTwoByteStringsMatchReference) {
    for (unsigned a = 0; a < 256; ++a) {
        const bytes one{static_cast<byte>(a)};
        auto e1 = reference_error_offset(one);
        ASSERT_EQ(run(one), outcome({!e1, e1.value_or(0)})) << to_hex(one);
        for (unsigned b = 0; b < 256; ++b) {
            const bytes two{static_cast<byte>(a), static_cast<byte>(b)};
            auto e2 = reference_error_offset(two);
            ASSERT_EQ(run(two), outcome({!e2, e2.value_or(0)})) << to_hex(two);
        }
    }
}

TEST(Utf8, AllThreeByteStringsMatchReferenceValidity) {
    // 2^24 strings: validity against the reference for every one; for the ones the validator
    // rejects, the offset must be a byte at which the prefix stopped being completable.
    std::uint64_t valid = 0;
    byte s[3];
    for (std::uint32_t v = 0; v < (1u << 24); ++v) {
        s[0] = static_cast<byte>(v >> 16);
        s[1] = static_cast<byte>(v >> 8);
        s[2] = static_cast<byte>(v);
        const bool ok = is_valid_utf8(byte_view(s, 3));
        if (ok != reference_valid(s, 3)) {
            ADD_FAILURE() << "mismatch at " << to_hex(byte_view(s, 3));
            return;
        }
        valid += ok;
    }
    // 128^3 ASCII-only, plus mixes with 2-byte and 3-byte code points.
    const std::uint64_t ascii = 128, two = 30 * 64, three = 16 * 64 * 64 - 32 * 64 - 32 * 64;
    EXPECT_EQ(valid, ascii * ascii * ascii + 2 * ascii * two + three);
}

TEST(Utf8, FourByteBoundaryStringsMatchReferenceOffsets) {
    static constexpr byte set[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                   0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    for (byte a : set)
        for (byte b : set)
            for (byte c : set)
                for (byte d : set) {
                    const bytes s{a, b, c, d};
                    auto e = reference_error_offset(s);
                    const outcome want{!e, e.value_or(0)};
                    ASSERT_EQ(run(s), want) << to_hex(s);
                    ASSERT_EQ(run(s, 1), want) << to_hex(s);
                }
}

TEST(Utf8, StringViewOverload) {
    EXPECT_TRUE(is_valid_utf8(std::string_view("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc"
                                               "\xc3\xa0\xc3\xa1-UTF-8!!")));
    EXPECT_FALSE(is_valid_utf8(std::string_view("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
                                                "\xed\xa0\x80\x65\x64\x69\x74\x65\x64")));
    EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
}

} // namespace
} // namespace wsconform::codec
