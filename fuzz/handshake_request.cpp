/// Fuzz target: the opening-handshake request, server side.
///
/// The codec builds requests (upgrade_request) but has no request parser of its own: the
/// reference server leaves that to Boost.Beast. So this target parses with Beast's
/// request_parser set up as parse_response sets up its response parser (header only, 64 KiB
/// header limit), then hands the fields to what the codec offers a server: upgrade_request,
/// header_list, extension_names, parse_deflate_offers and compute_accept.
///
/// Input: the client's bytes.
///
/// Contract:
///  - the parser says need_more, done or error, never UB;
///  - a parsed request, rebuilt as an upgrade_request and serialized, parses back to the same
///    method, target, version and header lines (the builder writes what it was given);
///  - header_list items are never empty and carry no surrounding whitespace;
///  - every permessage-deflate offer either has a deflate_error or window bits in 8..15, and
///    an error-free offer written with make_deflate_offer parses back to the same.

#include "fuzz/fuzz_support.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/handshake.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;
namespace http = boost::beast::http;

std::optional<upgrade_request> parse_request(std::string_view text) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(64 * 1024);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    if (ec || !parser.is_header_done())
        return std::nullopt;
    const auto& msg = parser.get();
    upgrade_request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    r.version =
        "HTTP/" + std::to_string(msg.version() / 10) + "." + std::to_string(msg.version() % 10);
    r.headers.clear();
    for (const auto& field : msg)
        r.add(std::string(field.name_string()), std::string(field.value()));
    return r;
}

bool has_outer_space(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t'; };
    return !s.empty() && (space(s.front()) || space(s.back()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = as_chars(byte_view(data, size));
    const auto request = parse_request(text);
    if (!request)
        return 0;

    const auto again = parse_request(request->serialize());
    FUZZ_CHECK(again, "a serialized request does not parse");
    FUZZ_CHECK(again->method == request->method && again->target == request->target &&
                   again->version == request->version && again->headers == request->headers,
               "a request does not survive serialize() and parsing");

    for (std::string_view name : {"Connection", "Upgrade", "Sec-WebSocket-Protocol"})
        for (const auto& item : request->list(name))
            FUZZ_CHECK(!item.empty() && !has_outer_space(item), "a header_list item is untrimmed");
    (void)extension_names(request->headers);
    if (auto key = request->get("Sec-WebSocket-Key"))
        FUZZ_CHECK(compute_accept(*key).size() == 28, "an accept value is 28 base64 characters");

    std::vector<std::string> values;
    for (const auto& h : request->headers)
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
    return 0;
}
