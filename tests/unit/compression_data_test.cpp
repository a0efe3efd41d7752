// The generated data sets of 12.x/13.x: deterministic, Autobahn's sizes, and the character of
// Autobahn's files (how well zlib compresses them, text that is UTF-8 in every slice).

#include "cases/compression_data.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/utf8.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace wsconform::cases::compression_data {
namespace {

using codec::bytes;

/// Compressed size / size at zlib's default level, as a whole message.
double ratio(const bytes& data) {
    codec::deflater d;
    return static_cast<double>(d.compress_message(data).size()) / static_cast<double>(data.size());
}

bool ascii(const bytes& data) {
    return std::all_of(data.begin(), data.end(), [](codec::byte b) { return b < 0x80; });
}

std::string text(const bytes& b) {
    return std::string(codec::as_chars(b));
}

TEST(CompressionData, AutobahnSizesAndDeterministic) {
    EXPECT_EQ(json_document().size(), 194'056u);
    EXPECT_EQ(bitmap_image().size(), 263'222u);
    EXPECT_EQ(prose_text().size(), 222'218u);
    EXPECT_EQ(html_document().size(), 263'647u);
    EXPECT_EQ(pdf_document().size(), 1'042'328u);
    EXPECT_EQ(json_document(), json_document());
    EXPECT_EQ(bitmap_image(), bitmap_image());
    EXPECT_EQ(prose_text(), prose_text());
    EXPECT_EQ(html_document(), html_document());
    EXPECT_EQ(pdf_document(), pdf_document());
}

/// FNV-1a, 64 bits: enough to notice any change to the bytes.
std::uint64_t fnv1a(const bytes& data) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (auto b : data)
        h = (h ^ b) * 0x100000001b3ull;
    return h;
}

// The bytes themselves are pinned: every figure measured on the data sets (bench/, the
// README) and every compressed message cached by a run depends on them, so a change to a
// generator must be deliberate.
TEST(CompressionData, ContentIsPinned) {
    EXPECT_EQ(fnv1a(json_document()), 0x7c3253fc1d587733ull);
    EXPECT_EQ(fnv1a(bitmap_image()), 0x85046dfeb1e86df6ull);
    EXPECT_EQ(fnv1a(prose_text()), 0xe76c0971e0d3e824ull);
    EXPECT_EQ(fnv1a(html_document()), 0x8fb2df9e75500030ull);
    EXPECT_EQ(fnv1a(pdf_document()), 0xefb8be078cd67995ull);
}

TEST(CompressionData, JsonIsAsciiJsonThatCompressesWell) {
    auto j = json_document();
    // Sent as text in slices cut anywhere: only ASCII keeps every slice UTF-8.
    EXPECT_TRUE(ascii(j));
    auto t = text(j);
    EXPECT_TRUE(t.starts_with("[\n  {\n    \"_id\": \""));
    EXPECT_TRUE(t.ends_with("\"\n  }\n]\n"));
    EXPECT_EQ(std::count(t.begin(), t.end(), '{'), std::count(t.begin(), t.end(), '}'));
    auto r = ratio(j);
    EXPECT_GT(r, 0.15);
    EXPECT_LT(r, 0.40);
}

TEST(CompressionData, HtmlIsAsciiHtmlThatCompressesWell) {
    auto h = html_document();
    EXPECT_TRUE(ascii(h));
    auto t = text(h);
    EXPECT_TRUE(t.starts_with("<!DOCTYPE html>\n<html"));
    EXPECT_TRUE(t.ends_with("</body>\n</html>\n"));
    EXPECT_EQ(std::count(t.begin(), t.end(), '<'), std::count(t.begin(), t.end(), '>'));
    auto r = ratio(h);
    EXPECT_GT(r, 0.15);
    EXPECT_LT(r, 0.40);
}

TEST(CompressionData, ProseIsGermanText) {
    auto p = prose_text();
    auto t = text(p);
    EXPECT_NE(t.find("FAUST:\n"), std::string::npos);
    EXPECT_NE(t.find("ü"), std::string::npos); // UTF-8 umlauts, as a German text has
    EXPECT_GT(std::count(t.begin(), t.end(), '\n'), 4000);
    // Whole text UTF-8 but for a sequence the exact size may have cut at the end.
    EXPECT_TRUE(codec::is_valid_utf8(codec::byte_view(p).first(p.size() - 4)));
    auto r = ratio(p);
    EXPECT_GT(r, 0.25);
    EXPECT_LT(r, 0.50);
}

TEST(CompressionData, BitmapIsAnUncompressed8BitBmp) {
    auto b = bitmap_image();
    EXPECT_EQ(b[0], 'B');
    EXPECT_EQ(b[1], 'M');
    auto u32 = [&](std::size_t at) {
        return static_cast<std::uint32_t>(b[at] | b[at + 1] << 8 | b[at + 2] << 16 |
                                          b[at + 3] << 24);
    };
    EXPECT_EQ(u32(2), b.size());
    EXPECT_EQ(u32(10), 1078u); // pixels after the 256-entry palette
    EXPECT_EQ(u32(18), 512u);
    EXPECT_EQ(u32(22), 512u);
    EXPECT_EQ(b[28], 8);    // bits per pixel
    EXPECT_EQ(u32(30), 0u); // BI_RGB: uncompressed
    // A photograph-like picture: DEFLATE saves some, far less than on text.
    auto r = ratio(b);
    EXPECT_GT(r, 0.55);
    EXPECT_LT(r, 0.95);
}

TEST(CompressionData, PdfBarelyCompresses) {
    auto p = pdf_document();
    auto t = text(p);
    EXPECT_TRUE(t.starts_with("%PDF-1.5\n"));
    EXPECT_TRUE(t.ends_with("%%EOF\n"));
    // startxref points at the xref table.
    auto start = t.rfind("startxref\n");
    ASSERT_NE(start, std::string::npos);
    auto xref = std::stoull(t.substr(start + 10));
    EXPECT_EQ(t.compare(xref, 5, "xref\n"), 0);
    auto r = ratio(p);
    EXPECT_GT(r, 0.90);
    EXPECT_LT(r, 1.01);
}

} // namespace
} // namespace wsconform::cases::compression_data
