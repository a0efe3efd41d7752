/// Fuzz target: the opening-handshake request, server side.
///
/// The codec's request parser (parse_request: Boost.Beast's basic_parser, header only, 64 KiB
/// header limit) and what the codec offers a server after it: check_request, requested_version,
/// valid_key, header_list, extension_names, parse_deflate_offers and the response builder.
///
/// Input: the client's bytes.
///
/// Contract:
///  - the parser says need_more, complete or malformed, never UB; complete means a header of
///    1..size bytes, and the header alone parses to the same request while one byte less
///    needs more (the bytes after the header are never part of it);
///  - a complete request, serialized by upgrade_request::serialize, parses back to the same
///    method, target, version and header lines (the builder writes what it was given);
///  - check_request never throws, and every problem has a text and a section;
///  - header_list items are never empty and carry no surrounding whitespace;
///  - every permessage-deflate offer either has a deflate_error or window bits in 8..15, and
///    an error-free offer written with make_deflate_offer parses back to the same;
///  - a request without a problem asks for version 13 with a valid key, and the answer
///    make_accept_response gives it (with the first subprotocol offered) passes the client's
///    parse_response and check_response: the two sides of the codec agree.

#include "fuzz/fuzz_support.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/server_handshake.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace wsconform::codec;

bool has_outer_space(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t'; };
    return !s.empty() && (space(s.front()) || space(s.back()));
}

std::optional<upgrade_request> parsed(std::string_view text, std::size_t& header_bytes) {
    upgrade_request r;
    if (parse_request(text, r, header_bytes) != request_parse_status::complete)
        return std::nullopt;
    return r;
}

bool same_request(const upgrade_request& a, const upgrade_request& b) {
    return a.method == b.method && a.target == b.target && a.version == b.version &&
           a.headers == b.headers;
}

void check_deflate_offers(const upgrade_request& request) {
    std::vector<std::string> values;
    for (const auto& h : request.headers)
        if (iequals(h.name, "Sec-WebSocket-Extensions"))
            values.push_back(h.value);
    for (const auto& offer : parse_deflate_offers(values)) {
        if (offer.error) {
            FUZZ_CHECK(&offer.error.category() == &deflate_category(),
                       "offer error outside deflate_category");
            continue;
        }
        const auto& p = offer.params;
        if (p.server_max_window_bits)
            FUZZ_CHECK(*p.server_max_window_bits >= 8 && *p.server_max_window_bits <= 15,
                       "server_max_window_bits outside 8..15");
        if (p.client_max_window_bits && *p.client_max_window_bits)
            FUZZ_CHECK(**p.client_max_window_bits >= 8 && **p.client_max_window_bits <= 15,
                       "client_max_window_bits outside 8..15");
        const std::array<std::string, 1> rendered = {make_deflate_offer(p)};
        const auto reparsed = parse_deflate_offers(rendered);
        FUZZ_CHECK(reparsed.size() == 1 && !reparsed[0].error && reparsed[0].params == p,
                   "an offer does not survive make_deflate_offer and parsing");
    }
}

// The server accepts a request check_request finds nothing wrong with; the client must accept
// the answer.
void check_accepted(const upgrade_request& request) {
    const auto key = request.get("Sec-WebSocket-Key");
    FUZZ_CHECK(key && valid_key(*key), "a request without problems has no valid key");
    FUZZ_CHECK(requested_version(request) == 13, "a request without problems is not version 13");
    const auto protocols = request.list("Sec-WebSocket-Protocol");
    std::vector<header_field> extra;
    if (!protocols.empty())
        extra.push_back({"Sec-WebSocket-Protocol", protocols.front()});
    const std::string wire = make_accept_response(*key, extra).serialize();
    upgrade_response response;
    FUZZ_CHECK(parse_response(wire, response) == response_parse_status::complete &&
                   response.header_bytes == wire.size(),
               "make_accept_response does not parse as a response");
    FUZZ_CHECK(
        check_response(response, {*key, protocols, extension_names(request.headers)}).empty(),
        "the client rejects make_accept_response's answer to a valid request");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = as_chars(byte_view(data, size));
    std::size_t header_bytes = 0;
    const auto request = parsed(text, header_bytes);
    if (!request)
        return 0;

    FUZZ_CHECK(header_bytes > 0 && header_bytes <= size, "header_bytes outside the input");
    std::size_t again_bytes = 0;
    const auto header_only = parsed(text.substr(0, header_bytes), again_bytes);
    FUZZ_CHECK(header_only && again_bytes == header_bytes && same_request(*header_only, *request),
               "the header alone does not parse to the same request");
    upgrade_request ignored;
    FUZZ_CHECK(parse_request(text.substr(0, header_bytes - 1), ignored, again_bytes) ==
                   request_parse_status::need_more,
               "the header without its last byte does not need more");

    const auto again = parsed(request->serialize(), again_bytes);
    FUZZ_CHECK(again && same_request(*again, *request),
               "a request does not survive serialize() and parsing");

    for (std::string_view name : {"Connection", "Upgrade", "Sec-WebSocket-Protocol"})
        for (const auto& item : request->list(name))
            FUZZ_CHECK(!item.empty() && !has_outer_space(item), "a header_list item is untrimmed");
    (void)extension_names(request->headers);
    if (auto key = request->get("Sec-WebSocket-Key"))
        FUZZ_CHECK(compute_accept(*key).size() == 28, "an accept value is 28 base64 characters");
    check_deflate_offers(*request);

    const auto problems = check_request(*request);
    for (const auto& p : problems)
        FUZZ_CHECK(!p.what.empty() && !p.section.empty(), "a problem without text or section");
    if (problems.empty())
        check_accepted(*request);
    return 0;
}
