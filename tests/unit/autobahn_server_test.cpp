// The fuzzingserver's control protocol, parsed: Autobahn's paths and queries
// (../shared/reference/autobahn-testsuite.md §1.3), with a 400 or 404 that says why for a
// request it cannot serve (Autobahn answers 500), and its agent patterns.

#include "harness/clients/autobahn_server.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using clients::autobahn_server;
using kind = autobahn_server::request::kind;

std::vector<runner::case_def> defs() {
    std::vector<runner::case_def> d(3);
    d[0].id = "1.1.1";
    d[1].id = "1.1.2";
    d[2].id = "7.1.6";
    return d;
}

struct fixture {
    std::vector<runner::case_def> storage = defs();
    std::vector<const runner::case_def*> cases{&storage[0], &storage[1], &storage[2]};
    autobahn_server::request parse(std::string_view target) const {
        return autobahn_server::parse(target, cases);
    }
};

TEST(AutobahnRequest, RunCaseByNumberOrTuple) {
    fixture f;
    auto r = f.parse("/runCase?case=3&agent=my%20client");
    EXPECT_EQ(r.what, kind::run_case);
    EXPECT_EQ(r.index, 2u);
    EXPECT_EQ(r.agent, "my client");
    EXPECT_EQ(r.problem, "");
    auto t = f.parse("/runCase?casetuple=1.1.2&agent=a");
    EXPECT_EQ(t.index, 1u);
}

TEST(AutobahnRequest, BadRequestsSayWhyWithA4xx) {
    fixture f;
    auto out_of_range = f.parse("/runCase?case=4&agent=a");
    EXPECT_EQ(out_of_range.status, 404u);
    EXPECT_EQ(out_of_range.problem,
              "no case 4: the cases are numbered 1 to 3 (/getCaseCount says how many)");
    auto zero = f.parse("/runCase?case=0&agent=a");
    EXPECT_EQ(zero.status, 404u);
    auto no_agent = f.parse("/runCase?case=1");
    EXPECT_EQ(no_agent.status, 400u);
    EXPECT_EQ(no_agent.problem, "give the agent: agent=NAME (the client's name in the report)");
    auto not_a_number = f.parse("/runCase?case=x&agent=a");
    EXPECT_EQ(not_a_number.status, 400u);
    auto unknown_tuple = f.parse("/getCaseInfo?casetuple=9.9.9");
    EXPECT_EQ(unknown_tuple.status, 404u);
    EXPECT_EQ(unknown_tuple.problem, "no case 9.9.9 among the 3 selected cases");
    auto unknown = f.parse("/favicon.ico");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_TRUE(unknown.problem.starts_with("unknown path /favicon.ico: this is a fuzzingserver"));
}

TEST(AutobahnRequest, TheOtherPaths) {
    fixture f;
    EXPECT_EQ(f.parse("/getCaseCount").what, kind::case_count);
    EXPECT_EQ(f.parse("/getCaseInfo?case=1").what, kind::case_info);
    EXPECT_EQ(f.parse("/getCaseStatus?case=1&agent=a").what, kind::case_status);
    EXPECT_EQ(f.parse("/getCaseStatus?case=1").status, 400u); // whose status?
    auto update = f.parse("/updateReports?agent=a&shutdownOnComplete=true");
    EXPECT_EQ(update.what, kind::update_reports);
    EXPECT_TRUE(update.shutdown);
    EXPECT_FALSE(f.parse("/updateReports?agent=a").shutdown);
    EXPECT_EQ(f.parse("/stopServer").what, kind::stop_server);
}

TEST(PercentDecode, QueryValues) {
    EXPECT_EQ(clients::percent_decode("a%20b+c"), "a b c");
    EXPECT_EQ(clients::percent_decode("100%"), "100%");
    EXPECT_EQ(clients::percent_decode("%zz"), "%zz");
    EXPECT_EQ(clients::percent_decode("%2F%2f"), "//");
}

} // namespace
