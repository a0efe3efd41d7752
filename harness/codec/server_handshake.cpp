#include "harness/codec/server_handshake.hpp"

#include "harness/codec/deflate.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <algorithm>
#include <utility>

namespace wsconform::codec {

namespace http = boost::beast::http;

// ---- Parsing --------------------------------------------------------------------------------

namespace {

using boost::beast::string_view;
using boost::system::error_code;

/// Beast's own request_parser files each field into http::fields, which puts a repeated name
/// right after its last occurrence: interleaved duplicates would come out regrouped. This
/// parser takes Beast's callbacks itself and keeps every line in the order it came.
class ordered_request_parser final : public http::basic_parser<true> {
  public:
    upgrade_request request;

  private:
    void on_request_impl(http::verb, string_view method, string_view target, int version,
                         error_code&) override {
        request.method = std::string(method);
        request.target = std::string(target);
        // Beast keeps HTTP-version (RFC 9112 §2.3: "HTTP/" DIGIT "." DIGIT) as 10 * major +
        // minor.
        request.version =
            "HTTP/" + std::to_string(version / 10) + "." + std::to_string(version % 10);
    }
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(http::field, string_view name, string_view value, error_code&) override {
        request.add(std::string(name), std::string(value));
    }
    void on_header_impl(error_code&) override {}
    // skip(true): no body is ever read, so these are never called.
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override { return body.size(); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        return body.size();
    }
    void on_finish_impl(error_code&) override {}
};

} // namespace

request_parse_status parse_request(std::string_view data, upgrade_request& out,
                                   std::size_t& header_bytes, std::string* error) {
    ordered_request_parser parser;
    parser.header_limit(64 * 1024);
    // Only the header is the handshake's: a body it announces (Content-Length, chunked) is not
    // read and no body limit applies, so the parser stops right after the empty line and the
    // bytes after it stay with the WebSocket stream. put() is not eager: one call, one header.
    parser.skip(true);
    error_code ec;
    auto used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
    if (ec == http::error::need_more || (!ec && !parser.is_header_done()))
        return request_parse_status::need_more;
    if (ec) {
        if (error)
            *error = ec.message();
        return request_parse_status::malformed;
    }
    out = std::move(parser.request);
    header_bytes = used;
    return request_parse_status::complete;
}

// ---- Checks ---------------------------------------------------------------------------------

namespace {

// A field value without the optional whitespace around it (RFC 9110 §5.5), which a parser
// drops but a hand-built request may hold.
std::string_view without_ows(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// The value of every line named `name`, one entry a line (unlike header_list, which merges
/// lines and splits lists): what a field that must appear once is judged on.
std::vector<std::string_view> lines_of(const upgrade_request& r, std::string_view name) {
    std::vector<std::string_view> out;
    for (const auto& h : r.headers)
        if (iequals(h.name, name))
            out.push_back(without_ows(h.value));
    return out;
}

bool has_token(const std::vector<std::string>& items, std::string_view token) {
    return std::ranges::any_of(items, [&](const std::string& v) { return iequals(v, token); });
}

// RFC 9110 §5.6.2: token = 1*tchar. RFC 6455 §4.1 item 10 says the same of subprotocols in
// RFC 2616's words ("characters in the range U+0021 to U+007E not including separator
// characters").
bool is_token(std::string_view s) {
    static constexpr std::string_view tchar =
        "!#$%&'*+-.^_`|~0123456789"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    return !s.empty() && s.find_first_not_of(tchar) == std::string_view::npos;
}

// §4.3: version = DIGIT | (NZDIGIT DIGIT) | ("1" DIGIT DIGIT) | ("2" DIGIT2 DIGIT), that is
// 0..255 "with no leading zeros".
std::optional<int> parse_version(std::string_view v) {
    if (v.empty() || v.size() > 3 || (v.size() > 1 && v[0] == '0') ||
        !std::ranges::all_of(v, [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    int n = 0;
    for (char c : v)
        n = n * 10 + (c - '0');
    if (n > 255)
        return std::nullopt;
    return n;
}

// RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, as 10 * major + minor.
std::optional<int> parse_http_version(std::string_view v) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (v.size() != 8 || !v.starts_with("HTTP/") || !digit(v[5]) || v[6] != '.' || !digit(v[7]))
        return std::nullopt;
    return (v[5] - '0') * 10 + (v[7] - '0');
}

// A value for a message, cut so that a 64 KiB header does not make a 64 KiB report.
std::string quoted(std::string_view v) {
    constexpr std::size_t most = 64;
    return "'" + std::string(v.substr(0, most)) + (v.size() > most ? "...'" : "'");
}

// The deflate_category message without the "(RFC ...)" it ends with: the section says it.
std::string without_reference(const std::error_code& e, std::string_view reference) {
    std::string text = e.message();
    const std::string suffix = " (" + std::string(reference) + ")";
    if (text.ends_with(suffix))
        text.resize(text.size() - suffix.size());
    return text;
}

} // namespace

bool valid_key(std::string_view key) {
    // 16 bytes are 128 bits: 21 characters of 6 bits, a 22nd holding the last 2, and "==".
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return key.size() == 24 && key.ends_with("==") &&
           key.substr(0, 22).find_first_not_of(alphabet) == std::string_view::npos;
}

std::optional<int> requested_version(const upgrade_request& r) {
    const auto values = lines_of(r, "Sec-WebSocket-Version");
    if (values.size() != 1)
        return std::nullopt;
    return parse_version(values[0]);
}

std::vector<handshake_problem> check_request(const upgrade_request& r) {
    std::vector<handshake_problem> problems;
    // Set before each part is checked: what its problems are about.
    std::string_view part = "request-line";
    auto problem = [&](std::string what, std::string section) {
        problems.push_back({std::move(what), std::move(section), std::string(part)});
    };

    // §4.2.1 item 1: "An HTTP/1.1 or higher GET request, including a "Request-URI" [RFC2616]
    // that should be interpreted as a /resource name/ defined in Section 3 (or an absolute
    // HTTP/HTTPS URI containing the /resource name/)." Methods are case-sensitive (RFC 9110
    // §9.1).
    if (r.method != "GET")
        problem("method " + quoted(r.method) + " instead of GET", "4.2.1");
    if (auto version = parse_http_version(r.version); !version)
        problem(quoted(r.version) + " is not an HTTP version", "4.2.1");
    else if (*version < 11)
        // RFC 9110 §7.8: "A server MUST ignore an Upgrade header field that is received in an
        // HTTP/1.0 request."
        problem(r.version + " instead of HTTP/1.1 or higher", "4.2.1; RFC 9110 §7.8");
    const std::string_view target = r.target;
    if (!target.starts_with('/') && !iequals(target.substr(0, 7), "http://") &&
        !iequals(target.substr(0, 8), "https://"))
        problem("request-target " + quoted(target) +
                    " is neither a /resource name/ nor an absolute http or https URI",
                "4.2.1");
    // §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and MUST NOT
    // be used on these URIs."
    if (target.find('#') != std::string_view::npos)
        problem("request-target " + quoted(target) + " has a fragment", "3");

    // Host, Sec-WebSocket-Key and Sec-WebSocket-Version must each come once: the value of the
    // one line, or nothing once the line is reported missing (§4.2.1 requires each) or
    // repeated (`repeated_section` forbids it).
    auto single = [&](std::string_view name,
                      std::string repeated_section) -> std::optional<std::string_view> {
        part = name;
        const auto values = lines_of(r, name);
        if (values.size() == 1)
            return values[0];
        if (values.empty())
            problem(std::string(name) + " header missing", "4.2.1");
        else
            problem(std::string(name) + " header appears " + std::to_string(values.size()) +
                        " times",
                    std::move(repeated_section));
        return std::nullopt;
    };

    // §4.2.1 item 2: "A |Host| header field containing the server's authority." RFC 9112 §3.2:
    // a server "MUST respond with a 400 (Bad Request) [...] to any request message that
    // contains more than one Host header field line".
    if (auto host = single("Host", "RFC 9112 §3.2"); host && host->empty())
        problem("Host header empty instead of the server's authority", "4.2.1");

    // §4.2.1 items 3 and 4: the tokens are "treated as an ASCII case-insensitive value", and
    // both headers are lists (RFC 9110 §5.6.1), possibly over several lines.
    part = "Upgrade";
    if (!r.get("Upgrade"))
        problem("Upgrade header missing", "4.2.1");
    else if (!has_token(r.list("Upgrade"), "websocket"))
        problem("Upgrade header without the 'websocket' token", "4.2.1");
    part = "Connection";
    if (!r.get("Connection"))
        problem("Connection header missing", "4.2.1");
    else if (!has_token(r.list("Connection"), "Upgrade"))
        problem("Connection header without the 'Upgrade' token", "4.2.1");

    // §4.2.1 item 5: "A |Sec-WebSocket-Key| header field with a base64-encoded value that,
    // when decoded, is 16 bytes in length." §11.3.1: it "MUST NOT appear more than once in an
    // HTTP request".
    if (auto key = single("Sec-WebSocket-Key", "11.3.1"); key && !valid_key(*key))
        problem("Sec-WebSocket-Key " + quoted(*key) + " is not the base64 of 16 bytes", "4.2.1");

    // §4.2.1 item 6: "A |Sec-WebSocket-Version| header field, with a value of 13." §11.3.5: it
    // "MUST NOT appear more than once in an HTTP request". A well-formed other version is the
    // case of §4.4 (the server answers with the versions it speaks).
    if (auto text = single("Sec-WebSocket-Version", "11.3.5")) {
        if (auto v = parse_version(*text); !v)
            problem("Sec-WebSocket-Version " + quoted(*text) +
                        " is not a version (0..255 in digits, no leading zero)",
                    "4.2.1, 4.3");
        else if (*v != 13)
            problem("Sec-WebSocket-Version " + std::to_string(*v) + " instead of 13", "4.2.1, 4.4");
    }

    // §4.1 item 10: subprotocol elements "MUST be non-empty strings with characters in the
    // range U+0021 to U+007E not including separator characters [...] and MUST all be unique
    // strings." Empty list elements are list syntax, not elements (RFC 9110 §5.6.1).
    part = "Sec-WebSocket-Protocol";
    const auto protocols = r.list("Sec-WebSocket-Protocol");
    for (auto it = protocols.begin(); it != protocols.end(); ++it) {
        if (!is_token(*it))
            problem("subprotocol " + quoted(*it) + " is not a token", "4.1");
        else if (std::find(protocols.begin(), it, *it) != it)
            problem("subprotocol " + quoted(*it) + " offered twice", "4.1");
    }

    // RFC 7692 §5, §7: "A server MUST decline an extension negotiation offer for this
    // extension if" it breaks the parameter rules. Declining is the server's answer, so these
    // come last: the request itself may still be accepted.
    part = "Sec-WebSocket-Extensions";
    std::vector<std::string> extensions;
    for (const auto& h : r.headers)
        if (iequals(h.name, "Sec-WebSocket-Extensions"))
            extensions.push_back(h.value);
    const auto offers = parse_deflate_offers(extensions);
    for (std::size_t i = 0; i < offers.size(); ++i) {
        if (!offers[i].error)
            continue;
        const auto reference = rfc_reference(static_cast<deflate_error>(offers[i].error.value()));
        problem("permessage-deflate offer " + std::to_string(i + 1) +
                    " must be declined: " + without_reference(offers[i].error, reference) +
                    (offers[i].detail.empty() ? "" : ": " + offers[i].detail),
                std::string(reference));
    }
    return problems;
}

// ---- Responses ------------------------------------------------------------------------------

namespace {
// Header lines are edited as upgrade_request edits them: one implementation of add, set and
// remove for both directions.
template <class Edit>
void edit_lines(std::vector<header_field>& headers, Edit&& edit) {
    upgrade_request lines;
    lines.headers = std::move(headers);
    std::forward<Edit>(edit)(lines);
    headers = std::move(lines.headers);
}
} // namespace

upgrade_response_builder& upgrade_response_builder::add(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
}

upgrade_response_builder& upgrade_response_builder::set(std::string_view name, std::string value) {
    edit_lines(headers, [&](upgrade_request& r) { r.set(name, std::move(value)); });
    return *this;
}

upgrade_response_builder& upgrade_response_builder::remove(std::string_view name) {
    edit_lines(headers, [&](upgrade_request& r) { r.remove(name); });
    return *this;
}

std::optional<std::string> upgrade_response_builder::get(std::string_view name) const {
    auto it =
        std::ranges::find_if(headers, [&](const header_field& h) { return iequals(h.name, name); });
    if (it == headers.end())
        return std::nullopt;
    return it->value;
}

std::string upgrade_response_builder::serialize() const {
    std::string s = version + " " + std::to_string(status) + " " + reason + "\r\n";
    for (const auto& h : headers)
        s += h.name + ": " + h.value + "\r\n";
    return s + "\r\n" + body;
}

upgrade_response_builder make_accept_response(std::string_view key,
                                              const std::vector<header_field>& extra) {
    // §4.2.2 item 5: the status line "HTTP/1.1 101 Switching Protocols", "An |Upgrade| header
    // field with value "websocket"", "A |Connection| header field with value "Upgrade"", and
    // "A |Sec-WebSocket-Accept| header field" of base64(SHA-1(key + GUID)).
    upgrade_response_builder r;
    r.add("Upgrade", "websocket")
        .add("Connection", "Upgrade")
        .add("Sec-WebSocket-Accept", compute_accept(without_ows(key)));
    r.headers.insert(r.headers.end(), extra.begin(), extra.end());
    return r;
}

upgrade_response_builder make_refusal(unsigned status, std::string_view reason,
                                      bool with_version_13) {
    upgrade_response_builder r;
    r.status = status;
    r.reason = std::string(reason);
    if (status == 426)
        r.add("Upgrade", "websocket").add("Connection", "Upgrade");
    // §4.2.2 /version/: "a |Sec-WebSocket-Version| header field indicating the version(s) the
    // server is capable of understanding".
    if (with_version_13)
        r.add("Sec-WebSocket-Version", "13");
    // No body: the client reads the status and the connection can end here.
    r.add("Content-Length", "0");
    return r;
}

} // namespace wsconform::codec
