// What the peer's protocol events leave in a case's record: kept events within bounds, pings
// noted then counted, the peer's Close, and its violations as facts for the judge.

#include "harness/runner/peer_events.hpp"

#include <gtest/gtest.h>

namespace {

using namespace wsconform;
using namespace wsconform::runner;
using kind = protocol::event::kind;

case_def expects_hello() {
    case_def c;
    c.expected = {{verdict::ok, {text_message("Hello")}, std::nullopt}};
    return c;
}

protocol::event text(std::string_view s) {
    protocol::event e;
    e.what = kind::message;
    e.payload = codec::to_bytes(s);
    return e;
}

struct recording {
    case_def c = expects_hello();
    case_result record;
    session_facts facts;
    peer_events events{c, 1024, record, facts};
};

TEST(PeerEvents, AMessageIsKeptAndCanMeetTheExpectation) {
    recording r;
    EXPECT_FALSE(r.events.expectation_met());
    auto e = text("Hello");
    EXPECT_TRUE(r.events.take(e));
    EXPECT_TRUE(r.events.expectation_met());
    ASSERT_EQ(r.record.received.size(), 1u);
    EXPECT_EQ(r.record.received[0], text_message("Hello"));
}

TEST(PeerEvents, ACaseWithoutExpectationsIsNeverMet) {
    recording r;
    r.c.expected.clear();
    auto e = text("Hello");
    r.events.take(e);
    EXPECT_FALSE(r.events.expectation_met());
}

TEST(PeerEvents, APongIsAnEventAPingIsNot) {
    recording r;
    protocol::event ping{.what = kind::ping, .payload = codec::to_bytes("p")};
    protocol::event pong{.what = kind::pong, .payload = codec::to_bytes("q")};
    EXPECT_FALSE(r.events.take(ping));
    EXPECT_TRUE(r.events.take(pong));
    ASSERT_EQ(r.record.received.size(), 1u);
    EXPECT_EQ(r.record.received[0], runner::pong("q"));
    EXPECT_EQ(r.record.notes, std::vector<std::string>{"peer sent a ping (1 bytes)"});
}

TEST(PeerEvents, PingsPastTheNotedOnesAreCounted) {
    recording r;
    for (int i = 0; i < 25; ++i) {
        protocol::event ping{.what = kind::ping};
        r.events.take(ping);
    }
    EXPECT_EQ(r.record.notes.size(), peer_events::pings_noted + 1);
    EXPECT_EQ(r.record.notes.back(), "more pings: counted in the metric pings_received, not noted");
    r.events.count_into_metrics();
    EXPECT_EQ(r.record.metrics.at("pings_received"), 25.0);
}

TEST(PeerEvents, TheCloseIsRecorded) {
    recording r;
    protocol::event close{
        .what = kind::close, .code = codec::close_codes::going_away, .reason = "bye"};
    EXPECT_FALSE(r.events.take(close));
    EXPECT_EQ(r.record.remote_close_code, codec::close_codes::going_away);
    EXPECT_EQ(r.record.remote_close_reason, "bye");
}

TEST(PeerEvents, TheFirstViolationIsTheFactAndEachIsNoted) {
    recording r;
    protocol::event first{.what = kind::violation};
    first.problem = {.error = codec::protocol_error::reserved_opcode,
                     .section = "RFC 6455 5.2",
                     .detail = "reserved opcode 3",
                     .offset = 7};
    protocol::event second{.what = kind::violation};
    second.problem = {.error = codec::protocol_error::data_after_close,
                      .section = "RFC 6455 5.5.1",
                      .detail = "a text frame after the Close",
                      .offset = 12};
    r.events.take(first);
    r.events.take(second);
    EXPECT_EQ(r.facts.violation, "peer violated RFC 6455 5.2: reserved opcode 3");
    EXPECT_TRUE(r.facts.data_after_close);
    ASSERT_EQ(r.record.notes.size(), 2u);
    EXPECT_EQ(r.record.notes[0],
              "peer violated RFC 6455 5.2: reserved opcode 3 (at stream offset 7)");
}

TEST(PeerEvents, EventsPastTheLongestListKeepTheirLengthOnly) {
    recording r;
    const std::string big(2000, 'x');
    for (int i = 0; i < 3; ++i) {
        auto e = text(big);
        r.events.take(e);
    }
    ASSERT_EQ(r.record.received.size(), 3u);
    EXPECT_EQ(r.record.received[0].payload.size(), 2000u); // within the expected list
    EXPECT_TRUE(r.record.received[1].payload.empty());
    EXPECT_EQ(r.record.received[1].streamed_length, 2000u);
    auto small = text("small ones are quoted");
    r.events.take(small);
    EXPECT_FALSE(r.record.received[3].payload.empty());
}

TEST(PeerEvents, AFloodIsCountedNotKept) {
    recording r;
    const auto bound = 1 + peer_events::extra_events_kept;
    for (std::size_t i = 0; i < bound + 5; ++i)
        r.events.keep(runner::pong(""));
    EXPECT_EQ(r.record.received.size(), bound);
    EXPECT_EQ(r.record.notes,
              std::vector<std::string>{"more than " + std::to_string(bound) +
                                       " events: the later ones are counted, not kept"});
    r.events.count_into_metrics();
    EXPECT_EQ(r.record.metrics.at("events_not_kept"), 5.0);
}

TEST(PeerEvents, ACompressedMessageKeptAsItCameIsNoted) {
    recording r;
    auto e = text("zz");
    e.kept_compressed = true;
    r.events.take(e);
    EXPECT_EQ(r.record.notes,
              std::vector<std::string>{"a compressed message inflates to more than 1024 bytes: "
                                       "kept compressed (2 bytes)"});
}

} // namespace
