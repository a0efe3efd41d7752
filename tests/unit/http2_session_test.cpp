// The HTTP/2 client session (nghttp2) over byte strings: what it sends is read back frame by
// frame, what the server sends is built by hand (RFC 9113 §4.1 frame layout, RFC 7541 HPACK
// literals without Huffman coding).
#include "harness/http2/client_session.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace wsconform;
using http2::client_session;
using http2::event;

constexpr std::uint8_t DATA = 0x0, HEADERS = 0x1, RST_STREAM = 0x3, SETTINGS = 0x4, GOAWAY = 0x7,
                       WINDOW_UPDATE = 0x8;
constexpr std::uint8_t END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct frame {
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::int32_t stream = 0;
    codec::bytes payload;
};

codec::bytes be(std::uint64_t v, int n) {
    codec::bytes out;
    for (int i = n - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return out;
}

codec::bytes make_frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream,
                        const codec::bytes& payload) {
    codec::bytes out = be(payload.size(), 3);
    out.push_back(type);
    out.push_back(flags);
    auto id = be(static_cast<std::uint32_t>(stream), 4);
    out.insert(out.end(), id.begin(), id.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

codec::bytes settings(std::vector<std::pair<std::uint16_t, std::uint32_t>> values) {
    codec::bytes p;
    for (auto [id, v] : values) {
        auto a = be(id, 2), b = be(v, 4);
        p.insert(p.end(), a.begin(), a.end());
        p.insert(p.end(), b.begin(), b.end());
    }
    return make_frame(SETTINGS, 0, 0, p);
}

/// A header block of literals without indexing (RFC 7541 §6.2.2), names given in full.
codec::bytes header_block(std::vector<std::pair<std::string, std::string>> fields) {
    codec::bytes p;
    for (const auto& [name, value] : fields) {
        p.push_back(0x00);
        p.push_back(static_cast<std::uint8_t>(name.size()));
        p.insert(p.end(), name.begin(), name.end());
        p.push_back(static_cast<std::uint8_t>(value.size()));
        p.insert(p.end(), value.begin(), value.end());
    }
    return p;
}

/// Splits what the client sent into frames (after the preface, if it is there).
std::vector<frame> frames_of(codec::byte_view out) {
    std::string_view text(reinterpret_cast<const char*>(out.data()), out.size());
    if (text.starts_with(preface))
        out = out.subspan(preface.size());
    std::vector<frame> frames;
    while (out.size() >= 9) {
        frame f;
        f.length = (out[0] << 16U) | (out[1] << 8U) | out[2];
        f.type = out[3];
        f.flags = out[4];
        f.stream = static_cast<std::int32_t>(((out[5] & 0x7fU) << 24U) | (out[6] << 16U) |
                                             (out[7] << 8U) | out[8]);
        EXPECT_GE(out.size(), 9 + f.length);
        f.payload.assign(out.begin() + 9, out.begin() + 9 + f.length);
        out = out.subspan(9 + f.length);
        frames.push_back(std::move(f));
    }
    EXPECT_TRUE(out.empty());
    return frames;
}

std::vector<frame> of_type(const std::vector<frame>& frames, std::uint8_t type) {
    std::vector<frame> out;
    for (const auto& f : frames)
        if (f.type == type)
            out.push_back(f);
    return out;
}

const std::vector<codec::header_field> connect_request = {
    {":method", "CONNECT"}, {":protocol", "websocket"},     {":scheme", "http"},
    {":path", "/chat"},     {":authority", "example.test"}, {"sec-websocket-version", "13"}};

/// A client that has read the server's SETTINGS (with `server_settings`) and opened one
/// extended CONNECT stream.
struct opened {
    client_session session;
    std::int32_t stream = 0;

    explicit opened(http2::local_settings ours = {},
                    std::vector<std::pair<std::uint16_t, std::uint32_t>> server_settings = {{8, 1}})
        : session(ours) {
        session.pending_output();
        EXPECT_FALSE(session.receive(settings(server_settings)));
        stream = session.open(connect_request, false).first;
        session.pending_output();
        session.take_events();
    }
};

TEST(Http2Session, StartsWithThePrefaceAndOurSettings) {
    client_session s({.initial_window_size = 4096, .max_concurrent_streams = 7});
    auto out = s.pending_output();
    ASSERT_GE(out.size(), preface.size());
    EXPECT_EQ(std::string(out.begin(), out.begin() + preface.size()), preface);
    auto frames = frames_of(out);
    ASSERT_FALSE(frames.empty());
    ASSERT_EQ(frames[0].type, SETTINGS);
    // ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 4096, MAX_CONCURRENT_STREAMS 7 (RFC 9113 §6.5.2).
    const auto p = frames[0].payload;
    ASSERT_EQ(p.size(), 18U);
    EXPECT_EQ(codec::bytes(p.begin(), p.begin() + 6), (codec::bytes{0, 2, 0, 0, 0, 0}));
    EXPECT_EQ(codec::bytes(p.begin() + 6, p.begin() + 12), (codec::bytes{0, 4, 0, 0, 0x10, 0}));
    EXPECT_EQ(codec::bytes(p.begin() + 12, p.end()), (codec::bytes{0, 3, 0, 0, 0, 7}));
}

TEST(Http2Session, RaisesTheConnectionWindowToTheStreamWindow) {
    client_session s({.initial_window_size = 1U << 20U});
    // SETTINGS does not change the connection's window (RFC 9113 §6.9.2): a WINDOW_UPDATE does.
    auto updates = of_type(frames_of(s.pending_output()), WINDOW_UPDATE);
    ASSERT_EQ(updates.size(), 1U);
    EXPECT_EQ(updates[0].stream, 0);
    EXPECT_EQ(updates[0].payload, be((1U << 20U) - 65535, 4));
}

TEST(Http2Session, ReportsTheServersEnableConnectProtocolSetting) {
    client_session s;
    s.pending_output();
    EXPECT_FALSE(s.remote_setting(http2::settings_enable_connect_protocol));
    ASSERT_FALSE(s.receive(settings({{8, 1}, {3, 50}})));
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].what, event::kind::settings);
    EXPECT_EQ(s.remote_setting(http2::settings_enable_connect_protocol), 1U);
    // Our ACK goes out (RFC 9113 §6.5.3).
    auto acks = of_type(frames_of(s.pending_output()), SETTINGS);
    ASSERT_EQ(acks.size(), 1U);
    EXPECT_EQ(acks[0].flags, ACK);

    client_session without;
    without.pending_output();
    ASSERT_FALSE(without.receive(settings({})));
    EXPECT_EQ(without.remote_setting(http2::settings_enable_connect_protocol), 0U);
}

TEST(Http2Session, AnExtendedConnectIsOneHeadersFrameWithoutEndStream) {
    opened o;
    EXPECT_EQ(o.stream, 1);
    client_session s;
    s.pending_output();
    auto [id, error] = s.open(connect_request, false);
    EXPECT_EQ(id, 1);
    auto headers = of_type(frames_of(s.pending_output()), HEADERS);
    ASSERT_EQ(headers.size(), 1U);
    EXPECT_EQ(headers[0].stream, 1);
    EXPECT_EQ(headers[0].flags & END_STREAM, 0) << "RFC 8441 §4: the stream stays open";
    EXPECT_NE(headers[0].flags & END_HEADERS, 0);

    auto [plain, e2] = s.open(
        {{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "example.test"}}},
        true);
    EXPECT_EQ(plain, 3);
    auto get = of_type(frames_of(s.pending_output()), HEADERS);
    ASSERT_EQ(get.size(), 1U);
    EXPECT_NE(get[0].flags & END_STREAM, 0);
}

TEST(Http2Session, ResponseDataAndEndStreamBecomeEventsInOrder) {
    opened o;
    codec::bytes in = make_frame(HEADERS, END_HEADERS, 1, header_block({{":status", "200"}}));
    auto data = make_frame(DATA, 0, 1, codec::to_bytes("\x81\x02hi"));
    auto end = make_frame(DATA, END_STREAM, 1, {});
    in.insert(in.end(), data.begin(), data.end());
    in.insert(in.end(), end.begin(), end.end());
    ASSERT_FALSE(o.session.receive(in));
    auto events = o.session.take_events();
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].what, event::kind::headers);
    ASSERT_EQ(events[0].headers.size(), 1U);
    EXPECT_EQ(events[0].headers[0].name, ":status");
    EXPECT_EQ(events[0].headers[0].value, "200");
    EXPECT_FALSE(events[0].end_stream);
    EXPECT_EQ(events[1].what, event::kind::data);
    EXPECT_EQ(events[1].data, codec::to_bytes("\x81\x02hi"));
    EXPECT_EQ(events[2].what, event::kind::end_stream);
    EXPECT_EQ(events[2].stream, 1);

    // Our END_STREAM closes the stream both ways: an orderly close (RFC 8441 §5).
    o.session.send(1, codec::to_bytes("\x88\x80\0\0\0\0"));
    o.session.end(1);
    auto sent = of_type(frames_of(o.session.pending_output()), DATA);
    ASSERT_FALSE(sent.empty());
    EXPECT_NE(sent.back().flags & END_STREAM, 0);
    events = o.session.take_events();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].what, event::kind::closed);
    EXPECT_EQ(events[0].code, 0U);
}

TEST(Http2Session, HeadersWithEndStreamSayItOnTheEvent) {
    opened o;
    ASSERT_FALSE(o.session.receive(
        make_frame(HEADERS, END_HEADERS | END_STREAM, 1, header_block({{":status", "200"}}))));
    auto events = o.session.take_events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].what, event::kind::headers);
    EXPECT_TRUE(events[0].end_stream);
}

TEST(Http2Session, AResetFromThePeerCarriesItsCode) {
    opened o;
    ASSERT_FALSE(o.session.receive(make_frame(RST_STREAM, 0, 1, be(0x8, 4))));
    auto events = o.session.take_events();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[0].what, event::kind::reset);
    EXPECT_EQ(events[0].code, 0x8U);
    EXPECT_EQ(http2::error_name(events[0].code), "CANCEL");
    EXPECT_EQ(events[1].what, event::kind::closed);
    EXPECT_EQ(http2::error_name(0x1f), "0x1f");
}

TEST(Http2Session, SendingWaitsForThePeersWindow) {
    // The server allows 100 bytes per stream (RFC 9113 §6.9.2).
    opened o({}, {{8, 1}, {4, 100}});
    o.session.send(1, codec::bytes(1000, 'x'));
    auto data = of_type(frames_of(o.session.pending_output()), DATA);
    std::size_t sent = 0;
    for (const auto& f : data)
        sent += f.payload.size();
    EXPECT_EQ(sent, 100U);
    EXPECT_EQ(o.session.unsent(1), 900U);
    EXPECT_EQ(o.session.send_window(1), 0);

    ASSERT_FALSE(o.session.receive(make_frame(WINDOW_UPDATE, 0, 1, be(500, 4))));
    sent = 0;
    for (const auto& f : of_type(frames_of(o.session.pending_output()), DATA))
        sent += f.payload.size();
    EXPECT_EQ(sent, 500U);
    EXPECT_EQ(o.session.unsent(1), 400U);
}

TEST(Http2Session, OurWindowOpensOnlyAsTheReaderConsumes) {
    opened o({.initial_window_size = 65535});
    ASSERT_FALSE(
        o.session.receive(make_frame(HEADERS, END_HEADERS, 1, header_block({{":status", "200"}}))));
    for (int i = 0; i < 3; ++i) // 48,000 bytes of a 65,535-byte window
        ASSERT_FALSE(o.session.receive(make_frame(DATA, 0, 1, codec::bytes(16000, 'y'))));
    o.session.take_events();
    for (const auto& f : of_type(frames_of(o.session.pending_output()), WINDOW_UPDATE))
        ADD_FAILURE() << "WINDOW_UPDATE on stream " << f.stream << " by "
                      << codec::to_hex(f.payload);
    o.session.consume(1, 48000);
    // nghttp2 sends WINDOW_UPDATE once half the window is consumed: for the stream and the
    // connection.
    auto updates = of_type(frames_of(o.session.pending_output()), WINDOW_UPDATE);
    ASSERT_EQ(updates.size(), 2U);
    EXPECT_EQ(updates[0].payload, be(48000, 4));
}

TEST(Http2Session, AWindowOverrunIsAConnectionErrorWeReport) {
    opened o({.initial_window_size = 65535});
    ASSERT_FALSE(
        o.session.receive(make_frame(HEADERS, END_HEADERS, 1, header_block({{":status", "200"}}))));
    // 70,000 bytes against a window of 65,535 (RFC 9113 §6.9.1: FLOW_CONTROL_ERROR).
    for (int i = 0; i < 5; ++i)
        (void)o.session.receive(make_frame(DATA, 0, 1, codec::bytes(14000, 'z')));
    o.session.pending_output();
    bool goaway = false;
    for (const auto& e : o.session.take_events())
        if (e.what == event::kind::sent_goaway || e.what == event::kind::sent_reset)
            goaway =
                goaway || e.code == static_cast<std::uint32_t>(http2::h2_error::flow_control_error);
    EXPECT_TRUE(goaway);
}

TEST(Http2Session, ResetDropsWhatIsQueuedAndSendsRstStream) {
    opened o({}, {{8, 1}, {4, 10}});
    o.session.send(1, codec::bytes(100, 'x'));
    o.session.pending_output();
    o.session.reset(1, http2::h2_error::cancel);
    auto resets = of_type(frames_of(o.session.pending_output()), RST_STREAM);
    ASSERT_EQ(resets.size(), 1U);
    EXPECT_EQ(resets[0].payload, be(0x8, 4));
    EXPECT_EQ(o.session.unsent(1), 0U);
}

TEST(Http2Session, GoawayFromThePeerNamesTheLastStream) {
    opened o;
    codec::bytes p = be(1, 4);
    auto code = be(0, 4);
    p.insert(p.end(), code.begin(), code.end());
    ASSERT_FALSE(o.session.receive(make_frame(GOAWAY, 0, 0, p)));
    auto events = o.session.take_events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].what, event::kind::goaway);
    EXPECT_EQ(events[0].stream, 1);
    EXPECT_EQ(events[0].code, 0U);
}

TEST(Http2Session, GarbageInsteadOfFramesEndsTheSession) {
    client_session s;
    s.pending_output();
    // Not a SETTINGS frame first (RFC 9113 §3.4: the server preface is a SETTINGS frame).
    (void)s.receive(make_frame(DATA, 0, 1, codec::to_bytes("hello")));
    s.pending_output();
    bool goaway = false;
    for (const auto& e : s.take_events())
        goaway = goaway || e.what == event::kind::sent_goaway;
    EXPECT_TRUE(goaway);
    EXPECT_FALSE(s.alive());
}

} // namespace
