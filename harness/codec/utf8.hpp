#pragma once
/// Streaming UTF-8 validator (RFC 3629, as required by RFC 6455 §8.1). It fails at the exact
/// byte where the input stopped being a possible prefix of valid UTF-8, which is what judging
/// "fail fast" (Autobahn 6.4.x) needs.

#include "harness/codec/bytes.hpp"

#include <cstdint>

namespace wsconform::codec {

class utf8_validator {
  public:
    /// Feeds the next chunk. Returns false once the stream can no longer be valid; later calls
    /// keep returning false.
    bool feed(byte_view chunk);
    /// Declares the end of the stream: false if it failed or stopped inside a code point.
    bool finish();
    void reset() { *this = utf8_validator{}; }

    bool failed() const { return failed_; }
    /// Offset (from the first byte fed) of the byte that made the stream invalid. For a stream
    /// that only ends inside a code point, the offset of the end.
    std::uint64_t error_offset() const { return error_offset_; }
    /// True when the bytes so far end on a code point boundary.
    bool at_boundary() const { return need_ == 0; }
    std::uint64_t size() const { return offset_; }

  private:
    std::uint64_t offset_ = 0;
    std::uint64_t error_offset_ = 0;
    std::uint8_t need_ = 0; // continuation bytes still expected
    std::uint8_t lo_ = 0x80, hi_ = 0xbf;
    bool failed_ = false;
};

bool is_valid_utf8(byte_view b);
inline bool is_valid_utf8(std::string_view s) {
    return is_valid_utf8(byte_view(reinterpret_cast<const byte*>(s.data()), s.size()));
}

} // namespace wsconform::codec
