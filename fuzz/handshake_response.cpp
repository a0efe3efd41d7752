/// Fuzz target: the opening-handshake response parser and checks (parse_response and
/// check_response in codec/handshake.hpp, parse_deflate_response in codec/deflate.hpp).
///
/// Input: [0] the permessage-deflate offer the client made: bit 0 server_no_context_takeover,
///            bit 1 client_no_context_takeover, bit 2 server_max_window_bits, bits 3-4
///            client_max_window_bits {absent, bare, with a value}, bit 5 an offered protocol
///        [1] window bits of the offer (low nibble server, high nibble client, 8 + n % 8)
///        [2] seed for where the response is cut
///        rest: the server's bytes (response header, possibly followed by frames)
/// The key is RFC 6455's sample key, whose accept value seeds can carry.
///
/// Contract:
///  - parse_response says need_more, complete or malformed (with a reason), never UB;
///  - a complete header is the same when parsed from exactly its own bytes, and every
///    shorter cut of it is need_more (the runner re-parses as bytes arrive);
///  - check_response gives problems with a clause each, exactly one when the status is not 101;
///  - parse_deflate_response either fails with a deflate_error or agrees on parameters the
///    offer allows (RFC 7692 §7.1); those parameters rendered again parse to the same.

#include "fuzz/fuzz_support.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/handshake.hpp"

#include <array>
#include <string>
#include <string_view>

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;

constexpr std::string_view sample_key = "dGhlIHNhbXBsZSBub25jZQ==";

bool same(const upgrade_response& a, const upgrade_response& b) {
    return a.status == b.status && a.reason == b.reason && a.headers == b.headers &&
           a.header_bytes == b.header_bytes;
}

bool window_ok(int bits) {
    return bits >= 8 && bits <= 15;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte c0 = in.u8(), bits = in.u8(), seed = in.u8();
    const std::string_view text = as_chars(in.rest());

    upgrade_response response;
    std::string error;
    const auto status = parse_response(text, response, &error);
    if (status == response_parse_status::malformed)
        FUZZ_CHECK(!error.empty(), "malformed without a reason");
    if (status != response_parse_status::complete)
        return 0;

    FUZZ_CHECK(response.header_bytes > 0 && response.header_bytes <= text.size(),
               "header_bytes outside the input");
    // 3DIGIT (RFC 9112 §4); Beast also passes "050", which then fails check_response.
    FUZZ_CHECK(response.status <= 999, "status is not 3 digits");
    {
        upgrade_response again;
        FUZZ_CHECK(parse_response(text.substr(0, response.header_bytes), again) ==
                           response_parse_status::complete &&
                       same(again, response),
                   "the header parses differently without the bytes after it");
        fz::rng cuts(seed);
        for (int i = 0; i < 3; ++i) {
            const std::size_t cut = cuts.between(0, response.header_bytes - 1);
            upgrade_response partial;
            FUZZ_CHECK(parse_response(text.substr(0, cut), partial) ==
                           response_parse_status::need_more,
                       "a cut of a complete header is not need_more");
        }
    }

    deflate_params offer;
    offer.server_no_context_takeover = (c0 & 1) != 0;
    offer.client_no_context_takeover = (c0 & 2) != 0;
    if (c0 & 4)
        offer.server_max_window_bits = 8 + (bits & 7);
    switch ((c0 >> 3) & 3) {
    case 1:
        offer.client_max_window_bits.emplace();
        break;
    case 2:
    case 3:
        offer.client_max_window_bits = std::optional<int>(8 + ((bits >> 4) & 7));
        break;
    default:
        break;
    }

    upgrade_offer what_was_offered;
    what_was_offered.key = std::string(sample_key);
    what_was_offered.extensions = {"permessage-deflate", "x-webkit-deflate-frame"};
    if (c0 & 32)
        what_was_offered.protocols = {"chat", "superchat"};
    const auto problems = check_response(response, what_was_offered);
    for (const auto& p : problems)
        FUZZ_CHECK(!p.what.empty() && !p.section.empty(), "a problem without text or clause");
    if (response.status != 101)
        FUZZ_CHECK(problems.size() == 1, "a non-101 response is one problem");
    (void)extension_names(response.headers);

    const std::array<std::string, 1> others = {"x-webkit-deflate-frame"};
    const auto negotiation = parse_deflate_response(response.headers, offer, others);
    if (negotiation.error) {
        FUZZ_CHECK(&negotiation.error.category() == &deflate_category(),
                   "negotiation error outside deflate_category");
        FUZZ_CHECK(!negotiation.agreed, "an error with agreed parameters");
        return 0;
    }
    if (!negotiation.agreed)
        return 0; // declined
    const deflate_params& agreed = *negotiation.agreed;
    // RFC 7692 §7.1: what the response may say given the offer.
    if (offer.server_no_context_takeover)
        FUZZ_CHECK(agreed.server_no_context_takeover, "offered server_no_context_takeover lost");
    if (offer.server_max_window_bits)
        FUZZ_CHECK(agreed.server_max_window_bits &&
                       *agreed.server_max_window_bits <= *offer.server_max_window_bits,
                   "server_max_window_bits above the offer");
    if (agreed.client_max_window_bits)
        FUZZ_CHECK(offer.client_max_window_bits && *agreed.client_max_window_bits,
                   "client_max_window_bits not offered, or without a value in a response");
    for (auto role : {deflate_role::client, deflate_role::server}) {
        FUZZ_CHECK(window_ok(sending_config(agreed, role).window_bits) &&
                       window_ok(receiving_config(agreed, role).window_bits),
                   "agreed window bits outside 8..15");
    }
    const std::array<std::string, 1> rendered = {make_deflate_response(agreed)};
    const auto again = parse_deflate_response(rendered, offer);
    FUZZ_CHECK(!again.error && again.agreed && *again.agreed == agreed,
               "agreed parameters do not survive being written and parsed again");
    return 0;
}
