#pragma once
/// The five data sets of the permessage-deflate cases (Autobahn 12.x/13.x), generated: the
/// same sizes as Autobahn's data files and the same character (how well DEFLATE compresses
/// them, what a slice looks like), but our own content, built by a fixed PRNG so every build
/// and every run sends the same bytes. No third-party files.

#include "harness/codec/bytes.hpp"

#include <cstddef>
#include <string_view>

namespace wsconform::cases::compression_data {

/// Sizes of Autobahn's data1.json, lena512.bmp, pg2229.txt, data1.html and the PDF.
inline constexpr std::size_t json_size = 194'056;
inline constexpr std::size_t bitmap_size = 263'222; // 54 header + 1024 palette + 512 x 512
inline constexpr std::size_t prose_size = 222'218;
inline constexpr std::size_t html_size = 263'647;
inline constexpr std::size_t pdf_size = 1'042'328;

/// A large JSON document: an array of generated records, ASCII only (sent as text, and any
/// slice must be UTF-8).
codec::bytes json_document();
/// An uncompressed 512x512 8-bit grayscale BMP of a smooth, slightly noisy picture.
codec::bytes bitmap_image();
/// German prose and verse in UTF-8, plain text (sent as binary, as Autobahn sends Faust I).
codec::bytes prose_text();
/// A large HTML page: head with styles, sections of paragraphs, lists, tables, links. ASCII.
codec::bytes html_document();
/// A PDF whose content streams are high-entropy (like Flate- or DCT-compressed streams), so
/// it barely compresses; the object, xref and trailer syntax is valid.
codec::bytes pdf_document();

} // namespace wsconform::cases::compression_data
