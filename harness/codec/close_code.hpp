#pragma once
/// Close status codes (RFC 6455 §7.4) kept as raw 16-bit numbers, so every value a peer may put
/// on the wire can be represented; the enum only names the registered ones.

#include <cstdint>
#include <string_view>

namespace wsconform::codec {

using close_code = std::uint16_t;

namespace close_codes {
inline constexpr close_code normal = 1000;
inline constexpr close_code going_away = 1001;
inline constexpr close_code protocol_error = 1002;
inline constexpr close_code unsupported_data = 1003;
inline constexpr close_code reserved_1004 = 1004;
inline constexpr close_code no_status = 1005; // never on the wire
inline constexpr close_code abnormal = 1006;  // never on the wire
inline constexpr close_code invalid_payload = 1007;
inline constexpr close_code policy_violation = 1008;
inline constexpr close_code message_too_big = 1009;
inline constexpr close_code mandatory_extension = 1010;
inline constexpr close_code internal_error = 1011;
inline constexpr close_code service_restart = 1012; // IANA registry, after the RFC
inline constexpr close_code try_again_later = 1013; // IANA registry, after the RFC
inline constexpr close_code bad_gateway = 1014;     // IANA registry, after the RFC
inline constexpr close_code tls_handshake = 1015;   // never on the wire
} // namespace close_codes

enum class close_code_class : std::uint8_t {
    valid,     ///< may be sent in a Close frame (§7.4.1, IANA 1012-1014, 3000-4999)
    invalid,   ///< must not appear on the wire: 0-999, 1004-1006, 1015, 1016-2999 (§7.4.1-2)
    undefined, ///< 5000 and above: the RFC defines no range (§7.4.2), peers disagree
};

/// Classifies a code as received in a Close frame.
constexpr close_code_class classify(close_code code) {
    using namespace close_codes;
    if (code >= 5000)
        return close_code_class::undefined;
    if (code >= 3000)
        return close_code_class::valid; // 3000-3999 registered, 4000-4999 private use
    switch (code) {
    case normal:
    case going_away:
    case protocol_error:
    case unsupported_data:
    case invalid_payload:
    case policy_violation:
    case message_too_big:
    case mandatory_extension:
    case internal_error:
    case service_restart:
    case try_again_later:
    case bad_gateway:
        return close_code_class::valid;
    default:
        return close_code_class::invalid;
    }
}

/// Registered name of a code ("normal", "protocol error", ...), or "" if it has none.
std::string_view close_code_name(close_code code);

} // namespace wsconform::codec
