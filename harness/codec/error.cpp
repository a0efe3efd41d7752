#include "harness/codec/error.hpp"

#include <string>

namespace wsconform::codec {

namespace {
struct info {
    std::string_view name; ///< the enumerator, for signatures and file names
    std::string_view message;
    std::string_view section;
    close_code code;
};

info describe(protocol_error e) {
    using enum protocol_error;
    switch (e) {
    case reserved_bits_set:
        return {"reserved_bits_set", "reserved bits set without a negotiated extension", "5.2",
                1002};
    case reserved_opcode:
        return {"reserved_opcode", "reserved opcode", "5.2", 1002};
    case control_frame_too_long:
        return {"control_frame_too_long", "control frame payload longer than 125 bytes", "5.5",
                1002};
    case control_frame_fragmented:
        return {"control_frame_fragmented", "fragmented control frame", "5.5", 1002};
    case non_minimal_length:
        return {"non_minimal_length", "payload length not in minimal form", "5.2", 1002};
    case length_msb_set:
        return {"length_msb_set", "64-bit payload length with the most significant bit set", "5.2",
                1002};
    case unexpected_continuation:
        return {"unexpected_continuation", "continuation frame without a message in progress",
                "5.4", 1002};
    case missing_continuation:
        return {"missing_continuation", "new data frame inside a fragmented message", "5.4", 1002};
    case mask_missing:
        return {"mask_missing", "frame from the client is not masked", "5.1", 1002};
    case mask_unexpected:
        return {"mask_unexpected", "frame from the server is masked", "5.1", 1002};
    case close_length_one:
        return {"close_length_one", "close frame payload of 1 byte", "5.5.1", 1002};
    case close_code_invalid:
        return {"close_code_invalid", "close code not allowed on the wire", "7.4.1", 1002};
    case close_code_undefined:
        return {"close_code_undefined", "close code 5000 or above is undefined", "7.4.2", 1002};
    case close_reason_invalid:
        return {"close_reason_invalid", "close reason is not valid UTF-8", "5.5.1", 1007};
    case invalid_utf8:
        return {"invalid_utf8", "text message is not valid UTF-8", "8.1", 1007};
    case payload_too_big:
        return {"payload_too_big", "payload exceeds the configured limit", "10.4", 1009};
    case data_after_close:
        // "After sending a Close frame, the endpoint MUST NOT send any more data frames."
        return {"data_after_close", "data frame after the peer's Close frame", "5.5.1", 1002};
    }
    return {"unknown", "unknown protocol error", "", 1002};
}

class category : public std::error_category {
  public:
    const char* name() const noexcept override { return "websocket.protocol"; }
    std::string message(int ev) const override {
        return std::string(describe(static_cast<protocol_error>(ev)).message);
    }
};
} // namespace

const std::error_category& protocol_category() {
    static const category instance;
    return instance;
}

std::string_view to_string(protocol_error e) {
    return describe(e).name;
}
std::string_view rfc_section(protocol_error e) {
    return describe(e).section;
}
close_code close_code_for(protocol_error e) {
    return describe(e).code;
}

} // namespace wsconform::codec
