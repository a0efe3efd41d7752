#include "client/parsing.hpp"

#include <boost/asio/ip/address_v6.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace wsconform::client {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    return out;
}

/// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// One element of a Sec-WebSocket-Extensions list (RFC 6455 §9.1): a token and its parameters,
/// each a token with an optional token or quoted-string value (unquoted here).
struct extension {
    std::string name;
    std::vector<std::pair<std::string, std::optional<std::string>>> params;
};

class extension_parser {
  public:
    explicit extension_parser(std::string_view text) : text_(text) {}

    /// Nothing when the list is not well-formed.
    std::optional<std::vector<extension>> parse() {
        std::vector<extension> list;
        for (;;) {
            skip_list_separators(); // RFC 9110 §5.6.1: empty list elements are ignored
            if (pos_ == text_.size())
                return list;
            extension ext;
            ext.name = token();
            if (ext.name.empty())
                return std::nullopt;
            for (;;) {
                skip_ows();
                if (pos_ == text_.size() || text_[pos_] == ',')
                    break;
                if (text_[pos_] != ';')
                    return std::nullopt;
                ++pos_;
                skip_ows();
                std::string name = token();
                if (name.empty())
                    return std::nullopt;
                skip_ows();
                std::optional<std::string> value;
                if (pos_ < text_.size() && text_[pos_] == '=') {
                    ++pos_;
                    skip_ows();
                    value = pos_ < text_.size() && text_[pos_] == '"' ? quoted_string() : token();
                    if (!value || value->empty())
                        return std::nullopt;
                }
                ext.params.emplace_back(std::move(name), std::move(value));
            }
            list.push_back(std::move(ext));
        }
    }

  private:
    void skip_ows() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
    }
    void skip_list_separators() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ','))
            ++pos_;
    }
    std::string token() {
        const auto start = pos_;
        while (pos_ < text_.size() && is_tchar(text_[pos_]))
            ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }
    /// RFC 9110 §5.6.4; nothing if unterminated.
    std::optional<std::string> quoted_string() {
        std::string out;
        for (++pos_; pos_ < text_.size(); ++pos_) {
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\\' && ++pos_ == text_.size())
                break;
            out += text_[pos_];
        }
        return std::nullopt;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

/// RFC 7692 §7.1.2: a window size is a decimal 8-15 without leading zeros.
bool is_window_bits(std::string_view value) {
    unsigned bits = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, bits);
    return ec == std::errc{} && ptr == end && !value.starts_with('0') && bits >= 8 && bits <= 15;
}

} // namespace

std::string ws_url::authority() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port);
}

std::string ws_url::text() const {
    return std::string(tls ? "wss://" : "ws://") + authority() + target;
}

/// The target may only hold visible ASCII: it goes verbatim into the request line, where a space
/// or CR LF would change the request.
std::optional<ws_url> parse_url(std::string_view text, std::string& error) {
    ws_url u;
    const std::string scheme = lower(text.substr(0, 6));
    if (scheme.starts_with("wss://")) {
        u.tls = true;
        text.remove_prefix(6);
    } else if (scheme.starts_with("ws://")) {
        text.remove_prefix(5);
    } else {
        error = "the URL must start with ws:// or wss://";
        return std::nullopt;
    }
    const auto slash = text.find_first_of("/?");
    std::string_view authority = text.substr(0, slash);
    const std::string_view rest =
        slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
    std::string_view port_text;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "unterminated IPv6 literal in the URL";
            return std::nullopt;
        }
        u.host = std::string(authority.substr(1, close - 1));
        boost::system::error_code ec;
        (void)boost::asio::ip::make_address_v6(u.host, ec);
        if (ec) {
            error = "bad IPv6 literal in the URL";
            return std::nullopt;
        }
        const auto after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            error = "junk after the IPv6 literal in the URL";
            return std::nullopt;
        }
        port_text = after.empty() ? after : after.substr(1);
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos)
            port_text = authority.substr(colon + 1);
        const bool bad_char = std::any_of(u.host.begin(), u.host.end(), [](char c) {
            return c <= ' ' || c >= 0x7f ||
                   std::string_view("@[]#%:\\").find(c) != std::string::npos;
        });
        if (bad_char) {
            error = "bad host in the URL (no user information; IPv6 literals go in [])";
            return std::nullopt;
        }
    }
    if (u.host.empty()) {
        error = "the URL has no host";
        return std::nullopt;
    }
    const std::uint16_t default_port = u.tls ? 443 : 80;
    u.port = default_port;
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
        if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
            error = "bad port in the URL";
            return std::nullopt;
        }
        u.port = static_cast<std::uint16_t>(value);
    }
    u.target = rest.empty() ? "/" : std::string(rest);
    if (u.target.front() == '?')
        u.target.insert(0, "/");
    // RFC 6455 §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and
    // MUST NOT be used on these URIs."
    if (u.target.find('#') != std::string::npos) {
        error = "a WebSocket URL has no fragment (RFC 6455 §3; write # as %23)";
        return std::nullopt;
    }
    if (std::any_of(u.target.begin(), u.target.end(),
                    [](char c) { return c <= ' ' || c >= 0x7f; })) {
        error = "the URL's path and query must be visible ASCII (percent-encode the rest)";
        return std::nullopt;
    }
    // RFC 6455 §4.1: the Host header carries the port when it is not the scheme's default.
    const std::string bracketed =
        u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    u.host_header = u.port == default_port ? bracketed : u.authority();
    return u;
}

std::string percent_encode(std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[b >> 4U];
            out += hex[b & 0xFU];
        }
    }
    return out;
}

std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit))
        out += (c >= ' ' && c < 0x7f) ? c : '?';
    if (text.size() > limit)
        out += "...";
    return out;
}

std::optional<unsigned> parse_case_count(std::string_view text, unsigned max) {
    while (!text.empty() && std::string_view(" \t\r\n").find(text.front()) != std::string::npos)
        text.remove_prefix(1);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string::npos)
        text.remove_suffix(1);
    unsigned count = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, count);
    if (text.empty() || ec != std::errc{} || ptr != end || count > max)
        return std::nullopt;
    return count;
}

std::optional<std::string> check_negotiation(std::string_view extensions, bool has_protocol,
                                             bool offered_deflate) {
    // RFC 6455 §4.1: "If the response includes a |Sec-WebSocket-Protocol| header field and this
    // header field indicates the use of a subprotocol that was not present in the client's
    // handshake [...], the client MUST _Fail the WebSocket Connection_." This client offers none.
    if (has_protocol)
        return "the server chose a subprotocol the client did not offer";
    auto list = extension_parser(extensions).parse();
    if (!list)
        return "malformed Sec-WebSocket-Extensions: '" + printable(extensions) + "'";
    bool deflate_seen = false;
    for (const auto& ext : *list) {
        // RFC 6455 §4.1: an extension "not present in the client's handshake" fails it too.
        if (!offered_deflate || lower(ext.name) != "permessage-deflate")
            return "the server accepted an extension the client did not offer: '" +
                   printable(ext.name) + "'";
        // RFC 7692 §5: the server accepts at most one of the offers; the client made one.
        if (deflate_seen)
            return "the server accepted permessage-deflate more than once";
        deflate_seen = true;
        // RFC 7692 §7: the client fails the connection on a response with a parameter it does
        // not define for a response, with an invalid value, or with the same parameter twice.
        std::vector<std::string> seen;
        for (const auto& [name, value] : ext.params) {
            const std::string param = lower(name);
            if (std::find(seen.begin(), seen.end(), param) != seen.end())
                return "permessage-deflate parameter '" + printable(name) + "' given twice";
            seen.push_back(param);
            if (param == "server_no_context_takeover" || param == "client_no_context_takeover") {
                if (value)
                    return "permessage-deflate parameter '" + param + "' takes no value";
            } else if (param == "server_max_window_bits" || param == "client_max_window_bits") {
                // A response always gives the value (§7.1.2.1, §7.1.2.2); the client offered
                // client_max_window_bits, so the server may send it.
                if (!value || !is_window_bits(*value))
                    return "permessage-deflate parameter '" + param + "' needs a value 8-15";
            } else {
                return "unknown permessage-deflate parameter '" + printable(name) + "'";
            }
        }
    }
    return std::nullopt;
}

} // namespace wsconform::client
