// The catalogue as a whole: every FAILED verdict of our own cases rests on a MUST (or MUST NOT,
// SHALL, REQUIRED) that the case quotes; a SHOULD or a MAY can give NON-STRICT or INFORMATIONAL
// at most.

#include "cases/catalogue.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <set>
#include <string>

namespace wsconform::runner {
namespace {

TEST(Requirements, EveryFailedOfOurOwnCasesCitesAMust) {
    // Autobahn's cases (numeric ids) follow Autobahn's verdicts; ours (letters) may give FAILED
    // only for a MUST they quote. A case that can only be OK, NON-STRICT or INFORMATIONAL needs
    // none.
    std::size_t ours = 0, can_fail_count = 0;
    for (const auto& c : cases::all_cases()) {
        if (std::isdigit(static_cast<unsigned char>(c.id.front())))
            continue;
        ++ours;
        if (!can_fail(c))
            continue;
        ++can_fail_count;
        ASSERT_FALSE(c.musts.empty()) << c.id << " can be FAILED but quotes no MUST";
        bool absolute = false;
        for (const auto& m : c.musts) {
            EXPECT_TRUE(m.section.starts_with("RFC ")) << c.id << ": " << m.section;
            EXPECT_GT(m.text.size(), 20u) << c.id;
            absolute = absolute || is_absolute_requirement(m.text);
        }
        EXPECT_TRUE(absolute) << c.id << " quotes no MUST, SHALL or REQUIRED: " << cite_musts(c);
        EXPECT_NE(cite_musts(c).find(c.musts.front().text), std::string::npos);
    }
    // 99 for servers, 42 for clients (R.1, K.1, Q.1, B.1, E.1, T.1), 20 over HTTP/2 (H2).
    EXPECT_EQ(ours, 161u);
    EXPECT_GT(can_fail_count, 60u);
}

TEST(Requirements, Http2ChecksFailOnlyWhereTheyQuoteAMust) {
    // The HTTP/2 checks that enforce a MUST: the setting's values, malformed requests, the
    // orderly close, our flow-control window, the stream limit. The others are NON-STRICT at
    // worst (interop findings: multiplexing, a reset survived, a leaked stream).
    const std::set<std::string> with_musts = {"H2.1.1", "H2.2.1", "H2.2.2", "H2.2.3",
                                              "H2.2.4", "H2.2.5", "H2.2.6", "H2.2.7",
                                              "H2.3.1", "H2.5.2", "H2.6.2"};
    std::size_t h2 = 0;
    for (const auto& c : cases::all_cases()) {
        if (!c.id.starts_with("H2."))
            continue;
        ++h2;
        EXPECT_TRUE(std::holds_alternative<runner::http2_check>(c.run_as)) << c.id;
        EXPECT_EQ(can_fail(c), with_musts.contains(c.id)) << c.id;
    }
    EXPECT_EQ(h2, 20u);
}

TEST(Requirements, CapacityAndInformationalCasesCannotFail) {
    for (const auto& c : cases::all_cases()) {
        if (c.id == "L.10" || c.id == "H.1.19" || c.id == "S.2.1") {
            EXPECT_FALSE(can_fail(c)) << c.id;
        }
        if (c.id == "M.1" || c.id == "H.3.3" || c.id == "L.2") {
            EXPECT_TRUE(can_fail(c)) << c.id;
        }
    }
}

TEST(ClientTls, TheTlsCasesAreForStartedClientsOnlyAndTheRefusalsQuoteTheirMust) {
    std::map<std::string, const case_def*> t;
    for (const auto& c : cases::all_cases())
        if (c.id.starts_with("T."))
            t[c.id] = &c;
    ASSERT_EQ(t.size(), 5u);
    EXPECT_EQ(t.at("T.1.1")->tls, tls_server::valid);
    EXPECT_TRUE(t.at("T.1.1")->tls_must_refuse.empty()); // it must connect and echo
    EXPECT_EQ(t.at("T.1.2")->tls, tls_server::untrusted);
    EXPECT_EQ(t.at("T.1.3")->tls, tls_server::expired);
    EXPECT_EQ(t.at("T.1.4")->tls, tls_server::wrong_host);
    EXPECT_EQ(t.at("T.1.5")->tls, tls_server::legacy_only);
    for (const auto& [id, c] : t) {
        EXPECT_TRUE(c->clients_only) << id;
        EXPECT_TRUE(runs_against_clients(*c)) << id;
        EXPECT_TRUE(needs_started_client(*c)) << id; // not for --serve-autobahn
        if (id != "T.1.1") {
            EXPECT_FALSE(c->tls_must_refuse.empty()) << id;
        }
    }
    EXPECT_NE(cite_musts(*t.at("T.1.5")).find("TLS 1.1 MUST NOT be used."), std::string::npos);
    for (const auto& c : cases::all_cases())
        if (!c.id.starts_with("T.")) {
            EXPECT_FALSE(needs_started_client(c)) << c.id;
        }
}

TEST(LoadClasses, CasesThatLoadTheTargetRunAloneAndTrickledHandshakesInTheBackground) {
    // Floods, bombs, the crowd and the size search would stretch the 1 s timers of cases
    // beside them; a handshake trickled at one octet per second loads nothing but lasts 15 s.
    std::set<std::string> alone, background, last;
    std::size_t shared = 0;
    for (const auto& c : cases::all_cases()) {
        switch (load_of(c)) {
        case load_class::alone:
            alone.insert(c.id);
            break;
        case load_class::background:
            background.insert(c.id);
            break;
        case load_class::shared:
            ++shared;
            break;
        case load_class::last:
            last.insert(c.id);
            break;
        }
    }
    EXPECT_EQ(alone,
              (std::set<std::string>{"L.7", "L.8", "L.9", "L.10", "L.11", "L.12", "B.1.3", "B.1.4",
                                     "B.1.5", "B.1.6", "B.1.7", "H2.6.1", "H2.6.2"}));
    // The checks across a run start after every other case, and come last in the catalogue.
    EXPECT_EQ(last, (std::set<std::string>{"Q.1.7", "K.1.6"}));
    const auto& all = cases::all_cases();
    EXPECT_EQ(load_of(all.back()), load_class::last);
    EXPECT_EQ(load_of(all[all.size() - 2]), load_class::last);
    EXPECT_EQ(background, std::set<std::string>{"H.5.3"});
    EXPECT_GT(shared, 600u); // every Autobahn case among them, 9.x, 12.x and 13.x included
}

TEST(ReceiveLimits, ACaseAcceptsWhatItCanExpect) {
    constexpr std::uint64_t run = 64ull << 20, mib = 1ull << 20;
    std::map<std::string, std::uint64_t> limit;
    for (const auto& c : cases::all_cases())
        limit[c.id] = receive_limit(c, run);
    EXPECT_EQ(limit.at("1.1.1"), mib);            // an empty echo
    EXPECT_EQ(limit.at("1.1.8"), 65536 + mib);    // the largest echo of 1.1.x
    EXPECT_EQ(limit.at("9.1.6"), 16 * mib + mib); // an echo stream of 16 MiB messages
    EXPECT_EQ(limit.at("12.1.1"), 16 + mib);      // a compressed stream of 16-byte messages
    EXPECT_EQ(limit.at("L.10"), 12 + mib);        // the crowd's 1,000 small echoes
    EXPECT_EQ(limit.at("L.11"), run);             // a bomb's echo may be anything
    EXPECT_EQ(receive_limit(cases::all_cases().front(), 1000), 1000u); // never above the run's
}

} // namespace
} // namespace wsconform::runner
