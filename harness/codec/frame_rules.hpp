#pragma once
/// The decoder's rules step: judges a parsed frame against the rules table (rules.hpp) for the
/// endpoint's role, and keeps the one piece of state the rules need, whether a fragmented
/// message is open (§5.4). The checks come in the order the octets arrive, so an endpoint can
/// fail the connection as early as a strict one would: what the first two octets show, then the
/// length, then the payload (a Close body).

#include "harness/codec/frame_header.hpp"

#include <optional>

namespace wsconform::codec {

/// What the masking bit of incoming frames must be (§5.1): a server requires masked frames, a
/// client forbids them.
enum class masking_rule : std::uint8_t { required, forbidden, any };

struct rule_options {
    masking_rule incoming_mask = masking_rule::any;
    /// RSV bits that a negotiated extension allows (4 = RSV1 for permessage-deflate).
    std::uint8_t allowed_rsv = 0;
    /// Check Close bodies (length 1, code, UTF-8 reason).
    bool check_close_payload = true;
};

class frame_rules {
  public:
    explicit frame_rules(rule_options options = {}) : options_(options) {}

    /// Starts a new stream: no message open.
    void reset(rule_options options) {
        options_ = options;
        in_message_ = false;
    }

    /// RSV bits, reserved opcode, a fragmented control frame, masking for the role and the
    /// fragmentation state: everything the first two octets decide.
    std::optional<protocol_error> check_start(const frame_header& h) const;
    /// Once the extended length is read: a control frame's length (§5.5) and the length's
    /// minimal form (§5.2). A short payload in a long form is only non-minimal.
    std::optional<protocol_error> check_length(const frame_header& h) const;
    /// Once the payload is there (unmasked): a Close body (§5.5.1, §7.4).
    std::optional<protocol_error> check_payload(const frame_header& h, byte_view payload) const;

    /// Records a frame that is taken (judged or not) in the fragmentation state.
    void accept(const frame_header& h);
    /// True while a fragmented message waits for its continuation frames (§5.4).
    bool in_message() const { return in_message_; }

  private:
    rule_options options_;
    bool in_message_ = false;
};

} // namespace wsconform::codec
