#pragma once
/// The rules incoming frames are judged by: one row per protocol_error, with the RFC 6455
/// section it comes from, how strongly the RFC binds the endpoint that *receives* the offending
/// octets, the RFC's words, and the close code to fail with. Everything that needs to know
/// these (the error category, the decoder's rules step, the protocol core, the live fuzzer's
/// oracle) reads them here, so there is one list.

#include "harness/codec/close_code.hpp"
#include "harness/codec/error.hpp"

#include <span>
#include <string_view>

namespace wsconform::codec {

/// What RFC 6455 asks of the endpoint that receives octets breaking a rule.
enum class requirement : std::uint8_t {
    /// The RFC says the receiver MUST fail (or close) the connection, in those words.
    must_fail,
    /// The RFC says what a frame or Close body MUST (NOT) be rather than what its receiver
    /// does: a control frame of 126 bytes or in fragments, a continuation of nothing, a new
    /// message inside another, a Close code that §7.4.1 keeps off the wire. Such octets break
    /// the framing or the closing handshake, and this harness (like Autobahn's cases 5.x and
    /// 7.9.x) holds a receiver to failing the connection.
    must_fail_invalid,
    /// The RFC restates what a sender MUST do and the octets still have one clear reading (the
    /// length's form, a 1-byte Close body, a Close code of 5000 and above): a receiver MAY fail
    /// the connection or accept them.
    may_fail,
    /// A limit of the receiver's own (§10.4): it MAY refuse, with 1009.
    limit,
};

std::string_view to_string(requirement r);

struct rule {
    protocol_error error;
    std::string_view name;    ///< the enumerator, for signatures and file names
    std::string_view message; ///< what broke, for people
    std::string_view section; ///< "5.2", "5.5.1", ...
    requirement level;
    std::string_view rfc_text; ///< the RFC's words for the rule (or a short description)
    close_code code;           ///< what a conforming endpoint fails the connection with

    /// True when a conforming receiver has to fail the connection (must_fail and
    /// must_fail_invalid); otherwise it may go either way.
    bool must_fail() const {
        return level == requirement::must_fail || level == requirement::must_fail_invalid;
    }
};

/// The row of `e`; a value outside the enum gets an "unknown" row (no section, 1002).
const rule& rule_for(protocol_error e);

/// Every row, in enumerator order.
std::span<const rule> all_rules();

} // namespace wsconform::codec
