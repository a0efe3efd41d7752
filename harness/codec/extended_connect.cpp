#include "harness/codec/extended_connect.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace wsconform::codec {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// RFC 9113 §8.2.2: "An endpoint MUST NOT generate an HTTP/2 message containing
/// connection-specific header fields" (Host is replaced by :authority, §8.3.1).
bool left_out_of_connect(std::string_view name) {
    static constexpr std::array<std::string_view, 7> names = {"host",
                                                              "connection",
                                                              "upgrade",
                                                              "keep-alive",
                                                              "proxy-connection",
                                                              "transfer-encoding",
                                                              "sec-websocket-key"};
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

bool connection_specific(std::string_view name) {
    static constexpr std::array<std::string_view, 5> names = {
        "connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding"};
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

} // namespace

std::vector<header_field> extended_connect(const upgrade_request& request, std::string_view scheme,
                                           std::string_view authority) {
    std::vector<header_field> fields = {
        {":method", "CONNECT"},
        {":protocol", "websocket"},
        {":scheme", std::string(scheme)},
        {":path", request.target},
        {":authority", std::string(authority)},
    };
    for (const auto& h : request.headers)
        if (!left_out_of_connect(h.name))
            fields.push_back({lower(h.name), h.value});
    return fields;
}

upgrade_response connect_response(std::span<const header_field> fields) {
    upgrade_response r;
    for (const auto& f : fields) {
        if (f.name == ":status") {
            const bool digits =
                f.value.size() == 3 && std::all_of(f.value.begin(), f.value.end(),
                                                   [](unsigned char c) { return std::isdigit(c); });
            r.status = digits ? static_cast<unsigned>(std::stoi(f.value)) : 0;
        } else {
            r.headers.push_back(f);
        }
    }
    return r;
}

std::string render_fields(std::span<const header_field> fields) {
    std::string out;
    for (const auto& f : fields)
        out += f.name + ": " + f.value + "\r\n";
    return out;
}

std::vector<handshake_problem> check_connect_response(const upgrade_response& r,
                                                      const upgrade_offer& offer) {
    std::vector<handshake_problem> problems;
    if (r.status == 0) {
        // RFC 9113 §8.3.2: "all responses MUST include the :status pseudo-header field".
        problems.push_back({"the response has no valid :status", "RFC 9113 8.3.2"});
        return problems;
    }
    if (r.status / 100 != 2) {
        // RFC 8441 §5: the WebSocket is open once the CONNECT gets a successful (2xx) response;
        // a 101 has no place in HTTP/2 (RFC 9113 §8.6).
        problems.push_back({"status " + std::to_string(r.status) + " instead of 200",
                            r.status == 101 ? "RFC 9113 8.6" : "RFC 8441 5"});
        return problems;
    }
    for (const auto& h : r.headers)
        if (connection_specific(h.name))
            problems.push_back({"connection-specific header field '" + h.name +
                                    "' in an HTTP/2 response (malformed)",
                                "RFC 9113 8.2.2"});
    // RFC 8441 §5: the handshake over HTTP/2 has no Sec-WebSocket-Key, so nothing to accept.
    if (r.get("Sec-WebSocket-Accept"))
        problems.push_back({"Sec-WebSocket-Accept in a response to an extended CONNECT, which "
                            "has no key to accept",
                            "RFC 8441 5"});
    check_negotiation(r, offer, problems);
    return problems;
}

} // namespace wsconform::codec
