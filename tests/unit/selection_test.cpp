// Case and agent patterns: the shared vectors of tests/vectors/case_patterns.json (which the
// report generator's Python matcher passes too), and Autobahn's agent patterns.
#include "harness/runner/selection.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace runner = wsconform::runner;

namespace {

boost::json::object vectors() {
    std::ifstream in(std::string(WSCONFORM_SOURCE_DIR) + "/tests/vectors/case_patterns.json");
    std::stringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str()).as_object();
}

std::vector<std::string> strings(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array())
        out.emplace_back(s.as_string());
    return out;
}

} // namespace

TEST(CasePattern, SharedVectorsSelect) {
    const auto v = vectors();
    const auto& cases = v.at("cases").as_array();
    ASSERT_GE(cases.size(), 10U);
    for (const auto& entry : v.at("patterns").as_array()) {
        const auto& e = entry.as_object();
        const std::string text(e.at("pattern").as_string());
        std::string error;
        auto pattern = runner::case_pattern::parse(text, &error);
        ASSERT_TRUE(pattern) << text << ": " << error;
        std::vector<std::string> selected;
        for (const auto& c : cases) {
            const std::string id(c.at("id").as_string());
            const auto tags = strings(c.at("tags"));
            if (pattern->matches(id, tags))
                selected.push_back(id);
        }
        EXPECT_EQ(selected, strings(e.at("selects"))) << "pattern '" << text << "'";
    }
}

TEST(CasePattern, SharedVectorsRefuse) {
    const auto v = vectors();
    for (const auto& text : strings(v.at("invalid"))) {
        std::string error;
        EXPECT_FALSE(runner::case_pattern::parse(text, &error)) << "'" << text << "'";
        EXPECT_FALSE(error.empty()) << "'" << text << "'";
    }
}

TEST(CasePattern, ListsSplitOnCommas) {
    auto list = runner::parse_patterns("1.*,6.4.1");
    ASSERT_TRUE(list);
    EXPECT_TRUE(runner::matches_any(*list, "6.4.1"));
    EXPECT_TRUE(runner::matches_any(*list, "1.2.3"));
    EXPECT_FALSE(runner::matches_any(*list, "10.1.1"));
    std::string error;
    EXPECT_FALSE(runner::parse_patterns("1.*,,2.*", &error));
    EXPECT_EQ(error, "empty case pattern");
}

TEST(AgentPattern, WholeNameWithStars) {
    EXPECT_TRUE(runner::agent_matches("tungstenite", "tungstenite"));
    EXPECT_FALSE(runner::agent_matches("tungstenite", "tungstenite-rs"));
    EXPECT_TRUE(runner::agent_matches("tung*", "tungstenite-rs"));
    EXPECT_TRUE(runner::agent_matches("*rs", "tungstenite-rs"));
    EXPECT_FALSE(runner::agent_matches("*rs", "tungstenite-go"));
    EXPECT_TRUE(runner::agent_matches("t*-*s", "tungstenite-rs"));
    EXPECT_TRUE(runner::agent_matches("*", ""));
}
