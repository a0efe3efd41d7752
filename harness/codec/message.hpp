#pragma once
/// Reassembles data frames into messages (§5.4) and validates text messages as UTF-8 while
/// they arrive (§8.1), so a broken message is rejected at the fragment that broke it.

#include "harness/codec/error.hpp"
#include "harness/codec/frame.hpp"
#include "harness/codec/utf8.hpp"

namespace wsconform::codec {

struct message {
    bool binary = false;
    bytes payload;
    std::size_t frames = 0;
    friend bool operator==(const message&, const message&) = default;
};

struct assemble_result {
    enum class status : std::uint8_t { partial, complete, error };
    status what = status::partial;
    message value;                  ///< when complete
    std::error_code error;          ///< invalid_utf8 or payload_too_big
    std::uint64_t error_offset = 0; ///< byte offset within the message where it failed
};

class message_assembler {
  public:
    explicit message_assembler(std::uint64_t max_message = 64ull * 1024 * 1024)
        : max_message_(max_message) {}
    /// Adds a text, binary or continuation frame that the decoder accepted.
    assemble_result add(const frame& f);
    bool in_message() const { return active_; }

  private:
    std::uint64_t max_message_;
    bool active_ = false;
    message current_;
    utf8_validator utf8_;
};

} // namespace wsconform::codec
