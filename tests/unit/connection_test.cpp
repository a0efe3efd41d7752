// The protocol core in both roles, bytes in and bytes out: RFC 6455's own examples (§5.7),
// hand-built frames, every closing path, the masking rule of each role, a violation of each
// kind, and permessage-deflate between a client core and a server core.

#include "harness/codec/encoder.hpp"
#include "harness/protocol/connection.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace wsconform;
using namespace wsconform::protocol;
using codec::bytes;
namespace close_codes = codec::close_codes;
using codec::opcode;
using codec::protocol_error;

bytes hex(std::string_view text) {
    bytes out;
    for (std::size_t i = 0; i + 1 < text.size();) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        out.push_back(
            static_cast<codec::byte>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
        i += 2;
    }
    return out;
}

bytes text_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

std::string as_text(const bytes& b) {
    return std::string(b.begin(), b.end());
}

connection make(role side, connection_options o = {}) {
    o.side = side;
    o.mask_seed = 7;
    return connection(std::move(o));
}

/// A frame as the peer of `side` would send it: a client's masked, a server's not.
bytes from_peer_of(role side, codec::frame f) {
    if (side == role::server) {
        f.masked = true;
        f.key = {0x37, 0xfa, 0x21, 0x3d};
    }
    return codec::encode(f);
}

/// What a core sent, decoded without judging it.
std::vector<codec::frame> frames_sent(connection& c) {
    codec::decoder d({.incoming_mask = codec::masking_rule::any, .check_rules = false});
    d.feed(c.data_to_send());
    std::vector<codec::frame> out;
    for (;;) {
        auto r = d.next();
        if (r.what != codec::decode_result::status::frame)
            return out;
        out.push_back(std::move(r.value));
    }
}

std::vector<event> only(std::vector<event> events, event::kind k) {
    std::erase_if(events, [&](const event& e) { return e.what != k; });
    return events;
}

// --- RFC 6455 §5.7 examples ------------------------------------------------------------------

TEST(Connection, ServerSendsTheRfcUnmaskedHello) {
    auto server = make(role::server);
    server.send_message(false, text_bytes("Hello"));
    EXPECT_EQ(server.data_to_send(), hex("81 05 48 65 6c 6c 6f"));
}

TEST(Connection, ClientMasksWhatItSends) {
    auto client = make(role::client);
    client.send_message(false, text_bytes("Hello"));
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].masked); // §5.1: a client MUST mask
    EXPECT_EQ(as_text(sent[0].payload), "Hello");
}

TEST(Connection, ClientReceivesTheRfcUnmaskedHello) {
    auto client = make(role::client);
    client.receive_data(hex("81 05 48 65 6c 6c 6f"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].what, event::kind::message);
    EXPECT_FALSE(events[0].binary);
    EXPECT_EQ(as_text(events[0].payload), "Hello");
}

TEST(Connection, ServerReceivesTheRfcMaskedHello) {
    auto server = make(role::server);
    server.receive_data(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
    auto events = server.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(as_text(events[0].payload), "Hello");
}

TEST(Connection, TheRfcFragmentedHelloIsOneMessage) {
    auto client = make(role::client);
    client.receive_data(hex("01 03 48 65 6c"));
    EXPECT_TRUE(client.events_received().empty());
    client.receive_data(hex("80 02 6c 6f"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(as_text(events[0].payload), "Hello");
}

TEST(Connection, TheRfcPingIsAnsweredWithAMaskedPongByAClient) {
    auto client = make(role::client);
    client.receive_data(hex("89 05 48 65 6c 6c 6f"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].what, event::kind::ping);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].op, opcode::pong);
    EXPECT_TRUE(sent[0].masked);
    EXPECT_EQ(as_text(sent[0].payload), "Hello"); // §5.5.3: the Ping's application data
}

TEST(Connection, AServerAnswersPingsUnmasked) {
    auto server = make(role::server);
    server.receive_data(hex("89 85 37 fa 21 3d 7f 9f 4d 51 58")); // the RFC's masked Ping
    EXPECT_EQ(server.data_to_send(), hex("8a 05 48 65 6c 6c 6f"));
}

TEST(Connection, ByteAtATimeIsTheSame) {
    auto client = make(role::client);
    for (auto b : hex("01 03 48 65 6c 89 00 80 02 6c 6f"))
        client.receive_data(codec::byte_view(&b, 1));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].what, event::kind::ping); // between the fragments (§5.4)
    EXPECT_EQ(as_text(events[1].payload), "Hello");
}

// --- masking per role (§5.1) -----------------------------------------------------------------

void expect_failed_with(connection& c, protocol_error e, codec::close_code code) {
    auto violations = only(c.events_received(), event::kind::violation);
    ASSERT_FALSE(violations.empty());
    EXPECT_EQ(violations[0].problem.error, codec::make_error_code(e));
    EXPECT_EQ(violations[0].problem.section, "RFC 6455 " + std::string(codec::rfc_section(e)));
    auto sent = frames_sent(c);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.back().op, opcode::close);
    codec::close_payload body;
    codec::parse_close_payload(sent.back().payload, body);
    EXPECT_EQ(body.code, code);
    EXPECT_TRUE(c.failed_by_us());
    EXPECT_TRUE(c.closed_by_us());
    // A bad Close body is answered by ours: the closing handshake is then through.
    EXPECT_EQ(c.state(), c.close_received() ? state::closed_handshake : state::close_sent);
}

TEST(Connection, AServerFailsAnUnmaskedFrame) {
    auto server = make(role::server);
    server.receive_data(hex("81 05 48 65 6c 6c 6f"));
    expect_failed_with(server, protocol_error::mask_missing, close_codes::protocol_error);
}

TEST(Connection, AClientFailsAMaskedFrame) {
    auto client = make(role::client);
    client.receive_data(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
    expect_failed_with(client, protocol_error::mask_unexpected, close_codes::protocol_error);
    // Nothing past an undecodable frame is read, not even a Close.
    client.receive_data(codec::encode(codec::close_frame(close_codes::normal)));
    EXPECT_TRUE(client.events_received().empty());
}

TEST(Connection, AClientMaySendUnmaskedOnPurpose) {
    auto client = make(role::client);
    client.send_frame(codec::text_frame("raw"), /*as_given=*/true);
    EXPECT_EQ(client.data_to_send(), hex("81 03 72 61 77"));
}

// --- a violation of each kind ----------------------------------------------------------------

struct bad_input {
    const char* name;
    const char* bytes_from_server;
    protocol_error error;
    codec::close_code code;
};

class Violations : public testing::TestWithParam<bad_input> {};

TEST_P(Violations, FailTheConnectionWithTheirCode) {
    auto client = make(role::client, {.max_frame = 1000});
    client.receive_data(hex(GetParam().bytes_from_server));
    expect_failed_with(client, GetParam().error, GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    EachRule, Violations,
    testing::Values(
        bad_input{"ReservedBits", "c1 00", protocol_error::reserved_bits_set, 1002},
        bad_input{"ReservedOpcode", "83 00", protocol_error::reserved_opcode, 1002},
        bad_input{"LongControl", "89 7e 00 7e", protocol_error::control_frame_too_long, 1002},
        bad_input{"FragmentedControl", "09 00", protocol_error::control_frame_fragmented, 1002},
        bad_input{"LoneContinuation", "80 00", protocol_error::unexpected_continuation, 1002},
        bad_input{"NoContinuation", "01 01 41 81 01 42", protocol_error::missing_continuation,
                  1002},
        bad_input{"InvalidUtf8", "81 02 c3 28", protocol_error::invalid_utf8, 1007},
        bad_input{"TooBig", "82 7e 03 e9", protocol_error::payload_too_big, 1009},
        bad_input{"CloseOneByte", "88 01 03", protocol_error::close_length_one, 1002},
        bad_input{"CloseCode1005", "88 02 03 ed", protocol_error::close_code_invalid, 1002},
        bad_input{"CloseReasonUtf8", "88 04 03 e8 c3 28", protocol_error::close_reason_invalid,
                  1007}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Connection, InvalidUtf8IsLocatedInTheMessage) {
    auto client = make(role::client);
    client.receive_data(hex("01 02 41 42 80 03 43 ed a0")); // "ABC" then a surrogate
    auto v = only(client.events_received(), event::kind::violation);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].problem.offset, 4u); // the a0 after ed: no surrogates in UTF-8
}

TEST(Connection, DataAfterThePeersCloseIsAViolation) {
    // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any more data frames."
    auto client = make(role::client);
    client.receive_data(hex("88 02 03 e8 81 02 68 69"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].what, event::kind::close);
    EXPECT_EQ(events[1].what, event::kind::violation);
    EXPECT_EQ(events[1].problem.error, codec::make_error_code(protocol_error::data_after_close));
    EXPECT_EQ(events[1].problem.section, "RFC 6455 5.5.1");
}

// --- closing paths (§7) ----------------------------------------------------------------------

TEST(Connection, WeCloseThePeerAnswersTheServerDropsTcp) {
    auto client = make(role::client);
    client.send_close(close_codes::normal);
    EXPECT_EQ(client.state(), state::close_sent);
    ASSERT_TRUE(client.pending_deadline());
    EXPECT_EQ(client.pending_deadline()->what, deadline_kind::close_reply);
    EXPECT_EQ(client.pending_deadline()->after, std::chrono::milliseconds(1000));
    client.receive_data(hex("88 02 03 e8"));
    EXPECT_EQ(client.state(), state::closed_handshake);
    ASSERT_TRUE(client.pending_deadline()); // §7.1.1: the server closes TCP first
    EXPECT_EQ(client.pending_deadline()->what, deadline_kind::tcp_close);
    EXPECT_FALSE(client.close_requested());
    client.receive_eof();
    auto closed = only(client.events_received(), event::kind::closed);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_TRUE(closed[0].clean);
    EXPECT_TRUE(client.closed_by_us());
    EXPECT_FALSE(client.dropped_by_us());
    EXPECT_EQ(client.local_close_code(), close_codes::normal);
}

TEST(Connection, ThePeerClosesAndWeEchoItsCode) {
    auto client = make(role::client);
    client.receive_data(hex("88 02 03 e9")); // 1001
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].what, event::kind::close);
    EXPECT_EQ(events[0].code, close_codes::going_away);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].op, opcode::close);
    EXPECT_EQ(sent[0].payload, hex("03 e9"));
    EXPECT_FALSE(client.closed_by_us());
    EXPECT_EQ(client.state(), state::closed_handshake);
}

TEST(Connection, TheCloseReplyCodeCanBeFixed) {
    auto client = make(role::client, {.close_reply_code = close_codes::normal});
    client.receive_data(hex("88 02 03 e9"));
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].payload, hex("03 e8"));
}

TEST(Connection, AnEmptyCloseIsAnsweredWithAnEmptyClose) {
    auto client = make(role::client);
    client.receive_data(hex("88 00"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(events[0].code);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].payload.empty());
}

TEST(Connection, AServerClosesTcpRightAfterTheClosingHandshake) {
    auto server = make(role::server);
    server.receive_data(from_peer_of(role::server, codec::close_frame(close_codes::normal)));
    EXPECT_EQ(server.state(), state::closed_handshake);
    EXPECT_TRUE(server.close_requested()); // §7.1.1: "the server MUST close ... immediately"
    EXPECT_FALSE(server.pending_deadline());
    EXPECT_EQ(frames_sent(server).size(), 1u);
}

TEST(Connection, ATestServerCanLeaveTcpForTheClientToClose) {
    // Breaking §5.5.1 on purpose, to see what a client does: the client's EOF ends it cleanly.
    auto server = make(role::server, {.server_keeps_tcp_open = std::chrono::milliseconds(40000)});
    server.receive_data(from_peer_of(role::server, codec::close_frame(close_codes::normal)));
    EXPECT_EQ(server.state(), state::closed_handshake);
    EXPECT_FALSE(server.close_requested());
    auto d = server.pending_deadline();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->what, deadline_kind::tcp_close);
    EXPECT_EQ(d->after, std::chrono::milliseconds(40000));
    server.receive_eof();
    EXPECT_TRUE(only(server.events_received(), event::kind::closed)[0].clean);
    EXPECT_FALSE(server.dropped_by_us());
}

TEST(Connection, AClientThatNeverClosesTcpTimesOutOnATestServer) {
    auto server = make(role::server, {.server_keeps_tcp_open = std::chrono::milliseconds(250)});
    server.send_close(close_codes::normal);
    server.receive_data(from_peer_of(role::server, codec::close_frame(close_codes::normal)));
    auto d = server.pending_deadline();
    ASSERT_TRUE(d);
    server.deadline_passed(d->serial);
    EXPECT_TRUE(server.close_requested());
    EXPECT_TRUE(server.tcp_close_timed_out());
    EXPECT_TRUE(server.dropped_by_us());
}

TEST(Connection, AServerThatNeverClosesTcpTimesOut) {
    auto client = make(role::client, {.tcp_close_timeout = std::chrono::milliseconds(250)});
    client.send_close(close_codes::normal);
    client.receive_data(hex("88 02 03 e8"));
    auto d = client.pending_deadline();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->after, std::chrono::milliseconds(250));
    client.deadline_passed(d->serial);
    EXPECT_TRUE(client.close_requested());
    EXPECT_TRUE(client.tcp_close_timed_out());
    EXPECT_TRUE(client.dropped_by_us());
    client.receive_eof();
    EXPECT_FALSE(only(client.events_received(), event::kind::closed)[0].clean);
}

TEST(Connection, AnUnansweredCloseTimesOut) {
    auto client = make(role::client);
    client.send_close(close_codes::normal);
    auto first = *client.pending_deadline();
    client.deadline_passed(first.serial + 1); // stale: ignored
    EXPECT_FALSE(client.close_requested());
    client.deadline_passed(first.serial);
    EXPECT_TRUE(client.close_requested());
    EXPECT_TRUE(client.dropped_by_us());
    EXPECT_FALSE(client.clean());
}

TEST(Connection, FailingAfterOurCloseDropsTcp) {
    auto client = make(role::client);
    client.send_close(close_codes::normal);
    client.data_to_send();
    client.receive_data(hex("81 02 c3 28")); // invalid UTF-8 while closing
    EXPECT_TRUE(client.failed_by_us());
    EXPECT_TRUE(client.close_requested());
    EXPECT_TRUE(frames_sent(client).empty()); // only one Close ever goes out
}

TEST(Connection, TcpEndingMidFrameIsReported) {
    auto client = make(role::client);
    client.receive_data(hex("81 05 48 65"));
    client.receive_eof();
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].what, event::kind::closed);
    EXPECT_TRUE(events[0].mid_frame);
    EXPECT_FALSE(events[0].clean);
    EXPECT_EQ(client.state(), state::closed);
    client.receive_data(hex("6c 6c 6f")); // after TCP closed: ignored
    EXPECT_TRUE(client.events_received().empty());
}

TEST(Connection, NothingFollowsOurClose) {
    auto client = make(role::client);
    client.send_close(close_codes::normal);
    client.receive_data(hex("89 00")); // a ping while closing: no pong after our Close
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].op, opcode::close);
}

// --- bounded by design -----------------------------------------------------------------------

TEST(Connection, APingFloodOwesOnlyTheLatestPong) {
    auto client = make(role::client);
    bytes flood;
    for (int i = 0; i < 10000; ++i) {
        auto p = codec::encode(codec::make_frame(opcode::ping, text_bytes(std::to_string(i))));
        flood.insert(flood.end(), p.begin(), p.end());
    }
    client.receive_data(flood);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u); // §5.5.3: only the most recent ping needs an answer
    EXPECT_EQ(as_text(sent[0].payload), "9999");
}

TEST(Connection, APongOwedBeforeOurCloseGoesFirst) {
    auto client = make(role::client);
    client.receive_data(hex("89 01 41"));
    client.send_close(close_codes::normal);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].op, opcode::pong);
    EXPECT_EQ(sent[1].op, opcode::close);
}

// --- chunks --------------------------------------------------------------------------------

TEST(Connection, ChunksComeAsTheyArriveAndFailFast) {
    auto client = make(role::client, {.deliver = connection_options::delivery::chunks});
    client.receive_data(hex("01 02 48 65"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].what, event::kind::message_chunk);
    EXPECT_TRUE(events[0].first);
    EXPECT_FALSE(events[0].last);
    client.receive_data(hex("00 02 6c c3 80 01 28")); // "l" + half a code point, then '('
    auto more = client.events_received();
    ASSERT_EQ(more.size(), 2u);
    EXPECT_EQ(more[0].what, event::kind::message_chunk);
    EXPECT_EQ(more[1].what, event::kind::violation);
    EXPECT_EQ(more[1].problem.error, codec::make_error_code(protocol_error::invalid_utf8));
}

// --- two cores talking -----------------------------------------------------------------------

/// Moves what each side sent to the other until neither has anything more.
void pump(connection& client, connection& server) {
    for (;;) {
        auto a = client.data_to_send();
        auto b = server.data_to_send();
        if (a.empty() && b.empty())
            return;
        server.receive_data(a);
        client.receive_data(b);
    }
}

TEST(Connection, ClientAndServerCoresCloseCleanly) {
    auto client = make(role::client);
    auto server = make(role::server);
    client.send_message(true, hex("00 01 02"));
    pump(client, server);
    auto got = server.events_received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].binary);
    server.send_message(true, got[0].payload);
    client.send_close(close_codes::normal);
    pump(client, server);
    EXPECT_TRUE(server.close_requested());
    server.receive_eof();
    client.receive_eof();
    EXPECT_TRUE(client.clean());
    EXPECT_TRUE(server.clean());
    EXPECT_TRUE(client.closed_by_us());
    EXPECT_FALSE(server.closed_by_us());
    EXPECT_FALSE(client.first_violation());
    EXPECT_FALSE(server.first_violation());
    auto echoed = only(client.events_received(), event::kind::message);
    ASSERT_EQ(echoed.size(), 1u);
    EXPECT_EQ(echoed[0].payload, hex("00 01 02"));
}

TEST(Connection, PermessageDeflateBothWays) {
    codec::deflate_params agreed; // defaults: context takeover, 15-bit windows
    auto client = make(role::client, {.deflate = agreed});
    auto server = make(role::server, {.deflate = agreed});
    const std::string text(3000, 'a');
    for (int round = 0; round < 2; ++round) { // the second message uses the kept window
        client.send_message(false, text_bytes(text));
        auto wire = client.data_to_send();
        EXPECT_LT(wire.size(), 100u);
        server.receive_data(wire);
        auto got = server.events_received();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(got[0].compressed);
        EXPECT_EQ(as_text(got[0].payload), text);
        server.send_message(false, got[0].payload);
        client.receive_data(server.data_to_send());
        auto echoed = client.events_received();
        ASSERT_EQ(echoed.size(), 1u);
        EXPECT_EQ(as_text(echoed[0].payload), text);
    }
}

TEST(Connection, AMessageBeyondTheInflateLimitFailsWith1009OrIsKept) {
    codec::deflate_params agreed;
    auto sender = make(role::server, {.deflate = agreed});
    sender.send_message(true, bytes(5000, 0)); // compresses to a few bytes
    const auto wire = sender.data_to_send();
    auto strict = make(role::client, {.max_message = 1000, .deflate = agreed});
    strict.receive_data(wire);
    auto v = only(strict.events_received(), event::kind::violation);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(frames_sent(strict).back().payload, hex("03 f1")); // 1009
    auto tester =
        make(role::client, {.max_message = 1000, .deflate = agreed, .keep_uninflatable = true});
    tester.receive_data(wire);
    auto got = tester.events_received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, event::kind::message);
    EXPECT_TRUE(got[0].kept_compressed);
    EXPECT_LT(got[0].payload.size(), 100u); // as it came
    EXPECT_FALSE(tester.failed_by_us());
}

TEST(Connection, DeflateInChunks) {
    codec::deflate_params agreed;
    auto client = make(role::client, {.deflate = agreed});
    auto server =
        make(role::server, {.deliver = connection_options::delivery::chunks, .deflate = agreed});
    client.send_message(false, text_bytes("hello hello hello"));
    server.receive_data(client.data_to_send());
    auto got = server.events_received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, event::kind::message_chunk);
    EXPECT_TRUE(got[0].compressed && got[0].first && got[0].last);
    EXPECT_EQ(as_text(got[0].payload), "hello hello hello");
}

/// A client with permessage-deflate agreed, fed `wire`: it must fail the connection for one
/// violation of RFC 7692 6.1 (RSV1 is for the first frame of a data message only).
connection fails_for_rsv1(std::string_view wire) {
    auto client = make(role::client, {.deflate = codec::deflate_params{}});
    client.receive_data(hex(wire));
    auto v = only(client.events_received(), event::kind::violation);
    EXPECT_EQ(v.size(), 1u) << wire;
    EXPECT_TRUE(v.empty() || v[0].problem.section == "RFC 7692 6.1") << wire;
    return client;
}

TEST(Connection, Rsv1OnAContinuationBreaksRfc7692) {
    EXPECT_TRUE(fails_for_rsv1("01 01 41 c0 01 42").failed_by_us());
}

TEST(Connection, Rsv1OnAControlFrameBreaksRfc7692) {
    auto client = fails_for_rsv1("c9 00");
    EXPECT_TRUE(frames_sent(client).back().op == opcode::close); // no pong: it was failed
}

TEST(Connection, TheDeliveryCanSwitchToChunks) {
    auto client = make(role::client);
    client.receive_data(hex("81 01 41"));
    client.set_delivery(connection_options::delivery::chunks);
    client.receive_data(hex("82 02 42 43"));
    auto events = client.events_received();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].what, event::kind::message);
    EXPECT_EQ(events[1].what, event::kind::message_chunk);
    EXPECT_EQ(events[1].wire_payload, 2u);
}

TEST(Connection, CorruptDeflateFailsTheConnection) {
    auto client = make(role::client, {.deflate = codec::deflate_params{}});
    client.receive_data(hex("c1 03 ff ff ff"));
    auto v = only(client.events_received(), event::kind::violation);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_NE(v[0].problem.section.find("RFC 7692"), std::string::npos);
    auto sent = frames_sent(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].payload, hex("03 ea"));
}

TEST(Connection, FramesAreShownToTheWireLog) {
    std::vector<std::pair<bool, opcode>> seen;
    connection_options o;
    o.on_frame_received = [&](const codec::frame_view& f) { seen.emplace_back(false, f.op); };
    o.on_frame_sent = [&](const codec::frame& f) { seen.emplace_back(true, f.op); };
    auto client = make(role::client, std::move(o));
    client.receive_data(hex("89 00"));
    client.data_to_send();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], std::make_pair(false, opcode::ping));
    EXPECT_EQ(seen[1], std::make_pair(true, opcode::pong));
}

} // namespace
