// Shortened wire records (--wire-log): a direction's head, tail and the SHA-256 of its middle,
// the same however the bytes were cut into reads and writes; the chunks a shortened record
// lists and the bytes it keeps of them; which verdicts keep their records whole.

#include "harness/net/stream_digest.hpp"
#include "harness/runner/record_shortening.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace wsconform;
using namespace wsconform::runner;

std::string text(const codec::bytes& b) {
    return std::string(codec::as_chars(b));
}

codec::byte_view view(std::string_view s) {
    return {reinterpret_cast<const codec::byte*>(s.data()), s.size()};
}

// sha256("efghijklm") and sha256(""), from Python's hashlib.
constexpr std::string_view middle_sha =
    "7da129384a1417920ae2cc08a68b22f9ed3bc2c38012d951e35dcee91922f6d2";
constexpr std::string_view empty_sha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(StreamDigest, KeepsHeadAndTailAndHashesTheMiddleHoweverTheBytesCame) {
    const std::vector<std::vector<std::string>> cuts = {
        {"abcdefghijklmnop"},             // one write
        {"ab", "cdefg", "hij", "klmnop"}, // reads of any size
        {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"},
        {"abcd", "efghijklmn", "op"}, // a piece bigger than the tail
    };
    for (const auto& pieces : cuts) {
        net::stream_digest d(4, 3);
        for (const auto& p : pieces)
            d.add(view(p));
        auto e = d.ends();
        EXPECT_EQ(e.total, 16u);
        EXPECT_EQ(text(e.head), "abcd");
        EXPECT_EQ(text(e.tail), "nop");
        EXPECT_EQ(e.tail_offset, 13u);
        EXPECT_EQ(e.middle_length(), 9u);
        EXPECT_EQ(e.middle_sha256, middle_sha) << pieces.size() << " pieces";
    }
}

TEST(StreamDigest, AShortStreamIsAllHeadAndTail) {
    net::stream_digest d(4, 3);
    d.add(view("abcde"));
    auto e = d.ends();
    EXPECT_EQ(text(e.head), "abcd");
    EXPECT_EQ(text(e.tail), "e");
    EXPECT_EQ(e.tail_offset, 4u);
    EXPECT_EQ(e.middle_length(), 0u);
    EXPECT_EQ(e.middle_sha256, empty_sha);
    EXPECT_EQ(net::stream_digest().ends().total, 0u);
}

TEST(StreamDigest, ReadingTheEndsDoesNotStopTheHashAndACopyRunsOnItsOwn) {
    net::stream_digest d(4, 3);
    d.add(view("abcdefgh"));
    (void)d.ends(); // finishes a copy of the hash, not the hash
    auto copy = d;
    d.add(view("ijklmnop"));
    EXPECT_EQ(d.ends().middle_sha256, middle_sha);
    copy.add(view("ijklmnop"));
    EXPECT_EQ(copy.ends().middle_sha256, middle_sha);
    copy.add(view("q"));
    EXPECT_EQ(text(copy.ends().tail), "opq");
    EXPECT_EQ(text(d.ends().tail), "nop");
}

TEST(StreamDigest, ManySmallReadsKeepTheTailBounded) {
    // A flood of one-byte reads: the dropped front is trimmed now and then, never lost.
    net::stream_digest d(0, 8);
    std::string all;
    for (int i = 0; i < 20000; ++i) {
        char c = static_cast<char>('a' + i % 26);
        all.push_back(c);
        d.add(view(std::string_view(&c, 1)));
    }
    auto e = d.ends();
    EXPECT_EQ(e.total, 20000u);
    EXPECT_EQ(text(e.tail), all.substr(all.size() - 8));
    EXPECT_EQ(e.middle_length(), 20000u - 8u);
    net::stream_digest whole(0, 8);
    whole.add(view(all));
    EXPECT_EQ(whole.ends().middle_sha256, e.middle_sha256);
}

/// Chunks as a recorder makes them, with each direction's digest fed the same bytes.
struct traffic {
    std::vector<net::wire_chunk> chunks;
    std::array<net::stream_digest, 2> digests{net::stream_digest(3, 2), net::stream_digest(3, 2)};
    void add(bool sent, std::string_view bytes) {
        chunks.push_back(
            {static_cast<std::int64_t>(chunks.size()), sent, bytes.size(), codec::to_bytes(bytes)});
        digests[sent].add(view(bytes));
    }
    std::array<net::stream_ends, 2> ends() const { return {digests[0].ends(), digests[1].ends()}; }
};

TEST(ShortenChunks, KeepsTheChunksAtEitherEndOfEachDirection) {
    traffic t;
    t.add(true, "ab");    // tx 0-2: head
    t.add(false, "0123"); // rx: 4 bytes, no middle: kept whole
    t.add(true, "cdefg"); // tx 2-7: "c" in the head, "defg" middle
    t.add(true, "h");     // tx 7-8: middle, left out
    t.add(true, "ij");    // tx 8-10: tail
    auto kept = shorten_chunks(t.chunks, t.ends());
    ASSERT_TRUE(kept);
    ASSERT_EQ(kept->size(), 4u);
    using ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
    EXPECT_EQ((*kept)[0].index, 0u);
    EXPECT_EQ((*kept)[0].ranges, (ranges{{0, 2}}));
    EXPECT_EQ(text((*kept)[0].data), "ab");
    EXPECT_EQ((*kept)[1].index, 1u);
    EXPECT_EQ((*kept)[1].ranges, (ranges{{0, 4}}));
    EXPECT_EQ(text((*kept)[1].data), "0123");
    EXPECT_EQ((*kept)[2].index, 2u);
    EXPECT_EQ((*kept)[2].ranges, (ranges{{0, 1}}));
    EXPECT_EQ(text((*kept)[2].data), "c");
    EXPECT_EQ((*kept)[3].index, 4u);
    EXPECT_EQ((*kept)[3].ranges, (ranges{{0, 2}}));
    EXPECT_EQ(text((*kept)[3].data), "ij");
    EXPECT_EQ(t.ends()[1].middle_length(), 5u); // "defgh"
}

TEST(ShortenChunks, OneChunkOverTheWholeMiddleKeepsBothItsEnds) {
    traffic t;
    t.add(true, "abcdefghij");
    auto kept = shorten_chunks(t.chunks, t.ends());
    ASSERT_TRUE(kept);
    ASSERT_EQ(kept->size(), 1u);
    using ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
    EXPECT_EQ((*kept)[0].ranges, (ranges{{0, 3}, {8, 10}}));
    EXPECT_EQ(text((*kept)[0].data), "abcij");
}

TEST(ShortenChunks, NothingToShortenOrBytesTheEndsDoNotAccountFor) {
    traffic small;
    small.add(true, "abcde");
    small.add(false, "xyz");
    EXPECT_FALSE(shorten_chunks(small.chunks, small.ends())); // no middle anywhere

    traffic t;
    t.add(true, "abcdefghij");
    auto ends = t.ends();
    t.chunks.push_back({99, true, 1, codec::to_bytes("k")}); // not seen by the digests
    EXPECT_FALSE(shorten_chunks(t.chunks, ends));
}

TEST(WireLogMode, OnlyTheVerdictsNobodyDebugsAreShortenedByDefault) {
    for (auto v : {verdict::ok, verdict::informational, verdict::unimplemented})
        EXPECT_TRUE(shortens(wire_log_mode::failed, v));
    for (auto v : {verdict::failed, verdict::non_strict}) {
        EXPECT_FALSE(shortens(wire_log_mode::failed, v));
        EXPECT_TRUE(shortens(wire_log_mode::summary, v));
    }
    EXPECT_FALSE(shortens(wire_log_mode::full, verdict::ok));
    for (auto m : {wire_log_mode::full, wire_log_mode::failed, wire_log_mode::summary})
        EXPECT_EQ(wire_log_mode_from_string(to_string(m)), m);
    EXPECT_FALSE(wire_log_mode_from_string("all"));
}

} // namespace
