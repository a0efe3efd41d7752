#include "harness/net/url.hpp"

#include <boost/asio/ip/address_v6.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wsconform::net {

namespace {
/// Says why in `error`; returns no value.
template <class T>
std::optional<T> fail(std::string* error, std::string why) {
    if (error)
        *error = std::move(why);
    return std::nullopt;
}

/// A host as a URL or Host header writes it: IPv6 literals in brackets (RFC 3986 §3.2.2).
std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
} // namespace

std::optional<target_url> parse_url(std::string_view url, std::string* error) {
    target_url u;
    std::string lower(url.substr(0, std::min<std::size_t>(url.size(), 6)));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.starts_with("wss://")) {
        u.tls = true;
        url.remove_prefix(6);
    } else if (lower.starts_with("ws://")) {
        url.remove_prefix(5);
    } else {
        return fail<target_url>(error, "scheme must be ws:// or wss://");
    }
    if (auto hash = url.find('#'); hash != std::string_view::npos)
        return fail<target_url>(
            error, "fragment identifiers are not allowed in WebSocket URLs (RFC 6455 3)");
    auto slash = url.find_first_of("/?");
    std::string_view authority = url.substr(0, slash);
    std::string_view rest =
        slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    if (authority.find('@') != std::string_view::npos)
        return fail<target_url>(error, "user information is not supported in the URL");
    std::string_view port_text;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            return fail<target_url>(error, "unterminated IPv6 literal");
        u.host = std::string(authority.substr(1, close - 1));
        boost::system::error_code ec;
        (void)boost::asio::ip::make_address_v6(u.host, ec);
        if (ec)
            return fail<target_url>(error, "bad IPv6 literal '" + u.host + "'");
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return fail<target_url>(error, "junk after IPv6 literal");
            port_text = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos)
            port_text = authority.substr(colon + 1);
        const bool bad_char = std::any_of(u.host.begin(), u.host.end(), [](char c) {
            return c <= ' ' || c >= 0x7f || std::string_view("[]%\\").find(c) != std::string::npos;
        });
        if (bad_char)
            return fail<target_url>(error, "bad host (IPv6 literals go in [])");
    }
    if (u.host.empty())
        return fail<target_url>(error, "missing host");
    std::uint16_t default_port = u.tls ? 443 : 80;
    u.port = default_port;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
            value > 65535)
            return fail<target_url>(error, "bad port '" + std::string(port_text) + "'");
        u.port = static_cast<std::uint16_t>(value);
    }
    u.target = rest.empty() ? "/" : std::string(rest);
    if (u.target.front() == '?')
        u.target.insert(0, "/");
    if (std::any_of(u.target.begin(), u.target.end(), [](char c) { return c <= ' ' || c >= 0x7f; }))
        return fail<target_url>(error, "the path and query must be visible ASCII "
                                       "(percent-encode the rest)");
    // RFC 6455 §4.1: the Host header carries the port when it is not the scheme's default.
    u.host_header = u.port == default_port ? bracketed(u.host) : u.authority();
    u.text = std::string(u.tls ? "wss://" : "ws://") + u.authority() + u.target;
    return u;
}

std::string target_url::authority() const {
    return bracketed(host) + ":" + std::to_string(port);
}

std::optional<web_origin> parse_origin(std::string_view origin, std::string* error) {
    auto sep = origin.find("://");
    if (sep == std::string_view::npos || sep == 0)
        return fail<web_origin>(error, "an origin is scheme://host[:port]");
    web_origin o;
    o.scheme = std::string(origin.substr(0, sep));
    auto rest = origin.substr(sep + 3);
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos)
        return fail<web_origin>(error, "an origin has no path, query, user or fragment");
    auto colon = rest.rfind(':');
    o.host = std::string(rest.substr(0, colon));
    o.port = o.scheme == "https" || o.scheme == "wss" ? 443 : 80;
    if (colon != std::string_view::npos) {
        auto text = rest.substr(colon + 1);
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || ptr != text.data() + text.size() || value == 0 || value > 65535)
            return fail<web_origin>(error, "bad port '" + std::string(text) + "'");
        o.port = static_cast<std::uint16_t>(value);
        o.port_suffix = ":" + std::string(text);
    }
    if (o.host.empty())
        return fail<web_origin>(error, "missing host");
    return o;
}

} // namespace wsconform::net
