#include "harness/codec/frame_rules.hpp"

namespace wsconform::codec {

std::optional<protocol_error> frame_rules::check_start(const frame_header& h) const {
    // §5.2: RSV bits without an extension that gives them a meaning
    if ((h.rsv & ~options_.allowed_rsv) != 0)
        return protocol_error::reserved_bits_set;
    // §5.2: "If an unknown opcode is received, ..."
    if (is_reserved(h.op))
        return protocol_error::reserved_opcode;
    // §5.5: control frames "MUST NOT be fragmented" (their length waits for check_length)
    if (is_control(h.op) && !h.fin)
        return protocol_error::control_frame_fragmented;
    // §5.1: masking for the role
    if (options_.incoming_mask == masking_rule::required && !h.masked)
        return protocol_error::mask_missing;
    if (options_.incoming_mask == masking_rule::forbidden && h.masked)
        return protocol_error::mask_unexpected;
    // §5.4: fragmentation state
    if (h.op == opcode::continuation && !in_message_)
        return protocol_error::unexpected_continuation;
    if ((h.op == opcode::text || h.op == opcode::binary) && in_message_)
        return protocol_error::missing_continuation;
    return std::nullopt;
}

std::optional<protocol_error> frame_rules::check_length(const frame_header& h) const {
    if (h.form == length_form::len7)
        return std::nullopt; // judged with the first two octets: 0-125 is short and minimal
    if (is_control(h.op) && h.length > 125)
        return protocol_error::control_frame_too_long;
    if (h.length < (h.form == length_form::len16 ? 126u : 0x10000u))
        return protocol_error::non_minimal_length;
    return std::nullopt;
}

std::optional<protocol_error> frame_rules::check_payload(const frame_header& h,
                                                         byte_view payload) const {
    if (!options_.check_close_payload || h.op != opcode::close)
        return std::nullopt;
    close_payload body;
    return close_payload_error(parse_close_payload(payload, body));
}

void frame_rules::accept(const frame_header& h) {
    if (h.op == opcode::text || h.op == opcode::binary)
        in_message_ = !h.fin;
    else if (h.op == opcode::continuation && h.fin)
        in_message_ = false;
}

} // namespace wsconform::codec
