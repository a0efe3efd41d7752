#include "harness/runner/selection.hpp"

#include <algorithm>

namespace wsconform::runner {

namespace {
// Glob match where '*' matches any run of characters, anchored at both ends.
bool glob(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < p.size() && p[pi] == s[si]) {
            ++pi;
            ++si;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*')
        ++pi;
    return pi == p.size();
}
} // namespace

std::optional<case_pattern> case_pattern::parse(std::string_view text, std::string* error) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    if (text.empty()) {
        if (error)
            *error = "empty case pattern";
        return std::nullopt;
    }
    if (text.front() == '@') {
        bool ok = text.size() > 1;
        for (char c : text.substr(1))
            ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        if (!ok) {
            if (error)
                *error = "bad tag pattern '" + std::string(text) +
                         "' (tags are lower-case words, e.g. @slow)";
            return std::nullopt;
        }
        case_pattern p;
        p.text_ = std::string(text);
        return p;
    }
    for (char c : text) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  c == '.' || c == '*' || c == '_' || c == '-';
        if (!ok) {
            if (error)
                *error = "bad character '" + std::string(1, c) + "' in case pattern '" +
                         std::string(text) + "' (use ids like 6.4.1 and '*' wildcards)";
            return std::nullopt;
        }
    }
    case_pattern p;
    p.text_ = std::string(text);
    return p;
}

bool case_pattern::matches(std::string_view id, std::span<const std::string> tags) const {
    if (text_.front() == '@')
        return std::find(tags.begin(), tags.end(), std::string_view(text_).substr(1)) != tags.end();
    // Autobahn: a pattern with '*' is a regex anchored at the start only; without '*' the id
    // is taken verbatim. Anchoring at the start and letting a trailing '*' run to the end gives
    // the same selections for every pattern Autobahn users write.
    if (text_.find('*') == std::string::npos)
        return text_ == id;
    return glob(text_, id) || glob(text_ + "*", id);
}

std::optional<std::vector<case_pattern>> parse_patterns(std::string_view list, std::string* error) {
    std::vector<case_pattern> out;
    while (true) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        auto p = case_pattern::parse(item, error);
        if (!p)
            return std::nullopt;
        out.push_back(std::move(*p));
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return out;
}

bool matches_any(const std::vector<case_pattern>& patterns, std::string_view id,
                 std::span<const std::string> tags) {
    for (const auto& p : patterns)
        if (p.matches(id, tags))
            return true;
    return false;
}

bool agent_matches(std::string_view pattern, std::string_view agent) {
    return glob(pattern, agent);
}

} // namespace wsconform::runner
