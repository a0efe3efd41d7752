#include "harness/runner/request.hpp"

#include <cctype>

namespace wsconform::runner {

namespace {

std::string expand(std::string text, const net::target_url& url, std::string_view key,
                   std::string_view allowed_origin = {}) {
    auto replace = [&](std::string_view from, const std::string& to) {
        for (auto at = text.find(from); at != std::string::npos;
             at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    };
    replace("{host_header}", url.host_header);
    replace("{host}", url.host);
    replace("{port}", std::to_string(url.port));
    replace("{key}", std::string(key));
    if (auto o = net::parse_origin(allowed_origin)) {
        std::string upper(allowed_origin);
        for (auto& ch : upper)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        replace("{origin_upper}", upper);
        replace("{origin_scheme}", o->scheme);
        replace("{origin_other_scheme}", o->scheme == "https" ? "http" : "https");
        replace("{origin_host}", o->host);
        replace("{origin_port_suffix}", o->port_suffix);
        replace("{origin_other_port}", std::to_string(o->port == 8443 ? 9443 : 8443));
        replace("{origin}", std::string(allowed_origin));
    }
    return text;
}

} // namespace

bool is_credential(std::string_view header) {
    return codec::iequals(header, "Cookie") || codec::iequals(header, "Authorization");
}

codec::upgrade_request build_request(const request_plan& plan, const net::target_url& url,
                                     std::string_view key,
                                     std::span<const codec::header_field> extra,
                                     std::string_view allowed_origin) {
    auto request = codec::make_upgrade_request(url.host_header, url.target, key);
    for (const auto& h : extra)
        if (!(plan.without_credentials && is_credential(h.name)))
            request.set(h.name, h.value);
    request.method = plan.method;
    request.version = plan.version;
    if (plan.target)
        request.target = expand(*plan.target, url, key);
    for (const auto& e : plan.edits) {
        switch (e.what) {
        case header_edit::action::set:
            request.set(e.name, expand(e.value, url, key, allowed_origin));
            break;
        case header_edit::action::add:
            request.add(e.name, expand(e.value, url, key, allowed_origin));
            break;
        case header_edit::action::remove:
            request.remove(e.name);
            break;
        }
    }
    return request;
}

codec::upgrade_offer offer_of(const codec::upgrade_request& request) {
    codec::upgrade_offer offer;
    // The field value excludes surrounding whitespace (RFC 9110 §5.5): the accept is computed
    // from the trimmed key.
    auto keys = request.list("Sec-WebSocket-Key");
    offer.key = keys.empty() ? "" : keys.front();
    offer.protocols = request.list("Sec-WebSocket-Protocol");
    offer.extensions = codec::extension_names(request.headers);
    return offer;
}

} // namespace wsconform::runner
