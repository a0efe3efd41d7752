#include "harness/codec/handshake.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace wsconform::codec {

namespace http = boost::beast::http;

std::string base64_encode(byte_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                            static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string compute_accept(std::string_view key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input(key);
    input += guid;
    std::array<byte, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    return base64_encode(digest);
}

std::string make_key() {
    std::array<byte, 16> nonce{};
    RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
    return base64_encode(nonce);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

upgrade_request& upgrade_request::add(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
}

upgrade_request& upgrade_request::set(std::string_view name, std::string value) {
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const header_field& h) { return iequals(h.name, name); });
    if (it == headers.end()) {
        headers.push_back({std::string(name), std::move(value)});
        return *this;
    }
    it->value = std::move(value);
    headers.erase(std::remove_if(std::next(it), headers.end(),
                                 [&](const header_field& h) { return iequals(h.name, name); }),
                  headers.end());
    return *this;
}

upgrade_request& upgrade_request::remove(std::string_view name) {
    std::erase_if(headers, [&](const header_field& h) { return iequals(h.name, name); });
    return *this;
}

std::optional<std::string> upgrade_request::get(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return h.value;
    return std::nullopt;
}

std::string upgrade_request::serialize() const {
    std::string s = method + " " + target + " " + version + "\r\n";
    for (const auto& h : headers)
        s += h.name + ": " + h.value + "\r\n";
    s += "\r\n";
    return s;
}

upgrade_request make_upgrade_request(std::string_view host, std::string_view target,
                                     std::string_view key) {
    upgrade_request r;
    r.target = std::string(target);
    r.add("Host", std::string(host))
        .add("Upgrade", "websocket")
        .add("Connection", "Upgrade")
        .add("Sec-WebSocket-Key", std::string(key))
        .add("Sec-WebSocket-Version", "13")
        .add("User-Agent", "wsconform");
    return r;
}

std::optional<std::string> upgrade_response::get(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return h.value;
    return std::nullopt;
}

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}
} // namespace

std::vector<std::string> header_list(const std::vector<header_field>& headers,
                                     std::string_view name) {
    std::vector<std::string> out;
    for (const auto& h : headers) {
        if (!iequals(h.name, name))
            continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = trim(rest.substr(0, comma));
            if (!item.empty())
                out.emplace_back(item);
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

std::vector<std::string> extension_names(const std::vector<header_field>& headers) {
    std::vector<std::string> names;
    for (const auto& ext : header_list(headers, "Sec-WebSocket-Extensions"))
        names.emplace_back(trim(std::string_view(ext).substr(0, ext.find(';'))));
    return names;
}

response_parse_status parse_response(std::string_view data, upgrade_response& out,
                                     std::string* error) {
    http::response_parser<http::empty_body> parser;
    parser.header_limit(64 * 1024);
    // A 101 response has no body; do not let the parser wait for one.
    parser.skip(true);
    boost::system::error_code ec;
    auto used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
    if (ec == http::error::need_more || (!ec && !parser.is_header_done()))
        return response_parse_status::need_more;
    if (ec) {
        if (error)
            *error = ec.message();
        return response_parse_status::malformed;
    }
    const auto& msg = parser.get();
    out = {};
    out.status = msg.result_int();
    out.reason = std::string(msg.reason());
    for (const auto& field : msg)
        out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    out.header_bytes = used;
    return response_parse_status::complete;
}

namespace {
bool has_token(const std::vector<std::string>& items, std::string_view token) {
    return std::any_of(items.begin(), items.end(),
                       [&](const std::string& v) { return iequals(v, token); });
}
} // namespace

void check_negotiation(const upgrade_response& r, const upgrade_offer& offer,
                       std::vector<handshake_problem>& problems) {
    auto problem = [&](std::string what, std::string section) {
        problems.push_back({std::move(what), std::move(section)});
    };
    for (const auto& name : extension_names(r.headers)) {
        if (!has_token(offer.extensions, name))
            problem("extension '" + name + "' selected but not offered", "4.1");
    }
    auto protocols = r.list("Sec-WebSocket-Protocol");
    if (!protocols.empty()) {
        if (offer.protocols.empty())
            problem("subprotocol selected although none was offered", "4.1");
        else if (protocols.size() > 1 || std::find(offer.protocols.begin(), offer.protocols.end(),
                                                   protocols[0]) == offer.protocols.end())
            problem("subprotocol '" + protocols[0] + "' was not offered", "4.1");
    }
}

std::vector<handshake_problem> check_response(const upgrade_response& r,
                                              const upgrade_offer& offer) {
    std::vector<handshake_problem> problems;
    auto problem = [&](std::string what, std::string section) {
        problems.push_back({std::move(what), std::move(section)});
    };
    if (r.status != 101) {
        problem("status " + std::to_string(r.status) + " instead of 101", "4.1");
        return problems;
    }
    if (!has_token(r.list("Upgrade"), "websocket"))
        problem("Upgrade header missing or not 'websocket'", "4.1");
    if (!has_token(r.list("Connection"), "upgrade"))
        problem("Connection header without the 'Upgrade' token", "4.1");
    auto accept = r.get("Sec-WebSocket-Accept");
    if (!accept)
        problem("Sec-WebSocket-Accept missing", "4.1");
    else if (trim(*accept) != compute_accept(offer.key))
        problem("Sec-WebSocket-Accept is '" + *accept + "', expected '" +
                    compute_accept(offer.key) + "'",
                "4.1");
    check_negotiation(r, offer, problems);
    return problems;
}

} // namespace wsconform::codec
