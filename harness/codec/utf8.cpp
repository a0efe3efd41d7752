#include "harness/codec/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace wsconform::codec {

bool utf8_validator::feed(byte_view chunk) {
    if (failed_)
        return false;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (need_ == 0) {
            // Skip ASCII eight bytes at a time: text cases validate gigabytes (12.x, 13.x).
            std::size_t ascii = i;
            for (std::uint64_t word; ascii + 8 <= chunk.size(); ascii += 8) {
                std::memcpy(&word, chunk.data() + ascii, sizeof word);
                if (word & 0x8080808080808080u)
                    break;
            }
            offset_ += ascii - i;
            i = ascii;
            if (i == chunk.size())
                break;
        }
        const byte b = chunk[i];
        if (need_ == 0) {
            if (b < 0x80) {
                // ASCII
            } else if (b >= 0xc2 && b <= 0xdf) {
                need_ = 1, lo_ = 0x80, hi_ = 0xbf;
            } else if (b == 0xe0) {
                need_ = 2, lo_ = 0xa0, hi_ = 0xbf; // below A0 is overlong
            } else if (b == 0xed) {
                need_ = 2, lo_ = 0x80, hi_ = 0x9f; // above 9F is a UTF-16 surrogate
            } else if (b >= 0xe1 && b <= 0xef) {
                need_ = 2, lo_ = 0x80, hi_ = 0xbf;
            } else if (b == 0xf0) {
                need_ = 3, lo_ = 0x90, hi_ = 0xbf; // below 90 is overlong
            } else if (b >= 0xf1 && b <= 0xf3) {
                need_ = 3, lo_ = 0x80, hi_ = 0xbf;
            } else if (b == 0xf4) {
                need_ = 3, lo_ = 0x80, hi_ = 0x8f; // above 8F is beyond U+10FFFF
            } else {
                // continuation byte without a lead, C0/C1 (always overlong), F5-FF
                failed_ = true;
            }
        } else if (b < lo_ || b > hi_) {
            failed_ = true;
        } else {
            --need_;
            lo_ = 0x80, hi_ = 0xbf;
        }
        if (failed_) {
            error_offset_ = offset_;
            return false;
        }
        ++offset_;
    }
    return true;
}

bool utf8_validator::finish() {
    if (failed_)
        return false;
    if (need_ != 0) {
        failed_ = true;
        error_offset_ = offset_;
        return false;
    }
    return true;
}

bool is_valid_utf8(byte_view b) {
    utf8_validator v;
    return v.feed(b) && v.finish();
}

} // namespace wsconform::codec
