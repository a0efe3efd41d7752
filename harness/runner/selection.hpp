#pragma once
/// Case selection with Autobahn's patterns: "*" is a wildcard, "." is literal, and a pattern
/// matches from the start of the id; without "*" the id must match exactly. "1.*" does not
/// select "10.1.1". "@tag" selects the cases carrying that tag ("@slow").

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsconform::runner {

class case_pattern {
  public:
    /// Parses one pattern; nullopt (with a reason) for an empty or malformed pattern.
    static std::optional<case_pattern> parse(std::string_view text, std::string* error = nullptr);
    bool matches(std::string_view id, std::span<const std::string> tags = {}) const;
    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

/// Parses a comma-separated list ("1.*,6.4.*").
std::optional<std::vector<case_pattern>> parse_patterns(std::string_view list,
                                                        std::string* error = nullptr);

bool matches_any(const std::vector<case_pattern>& patterns, std::string_view id,
                 std::span<const std::string> tags = {});

/// Whether `agent` matches an agent pattern of Autobahn's exclude-agent-cases as a whole:
/// '*' is any run of characters, anchored at both ends ("tung*" selects "tungstenite-rs").
bool agent_matches(std::string_view pattern, std::string_view agent);

} // namespace wsconform::runner
