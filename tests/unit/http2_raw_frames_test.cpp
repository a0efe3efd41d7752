// The raw HTTP/2 frame writer and reader: every builder byte for byte against RFC 9113 §6 and
// RFC 7541 (examples of Appendix C, integers of §5.1 built by hand), the reader over every cut
// of a stream, and round trips through libnghttp2's own server session, which must decode
// exactly what we wrote and refuse what RFC 8441 forbids.
#include "harness/http2/raw_frames.hpp"

#include <nghttp2/nghttp2.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace wsconform;
namespace raw = http2::raw;
using codec::bytes;
using codec::header_field;
using codec::hex;
using setting = std::pair<std::uint16_t, std::uint32_t>;

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

bytes text(std::string_view s) {
    return codec::to_bytes(s);
}

std::uint8_t type_of(raw::frame_type t) {
    return static_cast<std::uint8_t>(t);
}

bool same(const raw::frame& a, const raw::frame& b) {
    return a.type == b.type && a.flags == b.flags && a.stream == b.stream && a.payload == b.payload;
}

/// Every frame the reader has complete now.
std::vector<raw::frame> drain(raw::reader& r) {
    std::vector<raw::frame> out;
    while (auto f = r.next())
        out.push_back(std::move(*f));
    return out;
}

std::vector<raw::frame> read_all(const bytes& wire) {
    raw::reader r;
    r.feed(wire);
    auto frames = drain(r);
    EXPECT_TRUE(r.error().empty()) << r.error();
    EXPECT_EQ(r.buffered(), 0U);
    return frames;
}

// --- The writer --------------------------------------------------------------------------------

TEST(Http2RawFrames, FrameHeaderLayout) {
    // RFC 9113 §4.1: Length (24), Type (8), Flags (8), Reserved (1), Stream Identifier (31).
    EXPECT_EQ(
        raw::encode({.type = 0xfa, .flags = 0xa5, .stream = 0x12345678, .payload = {1, 2, 3}}),
        hex("000003 fa a5 12345678 010203"));
    EXPECT_EQ(raw::encode({}), hex("000000 00 00 00000000"));
}

TEST(Http2RawFrames, ReservedBitIsClearedOnWrite) {
    // §4.1: the reserved bit "MUST remain unset (0x0) when sending".
    EXPECT_EQ(raw::encode({.type = 0x6, .stream = -1}), hex("000000 06 00 7fffffff"));
    EXPECT_EQ(raw::encode({.type = 0x6, .stream = static_cast<std::int32_t>(0x80000005U)}),
              hex("000000 06 00 00000005"));
}

TEST(Http2RawFrames, PayloadUpToTheLengthFieldOnly) {
    const bytes largest = raw::encode({.payload = bytes((1U << 24U) - 1, 0x61)});
    ASSERT_EQ(largest.size(), 9 + (1U << 24U) - 1);
    EXPECT_EQ(bytes(largest.begin(), largest.begin() + 9), hex("ffffff 00 00 00000000"));
    // One byte more cannot be described by 24 bits: refused, not cut.
    EXPECT_TRUE(raw::encode({.payload = bytes(1U << 24U, 0x61)}).empty());
    EXPECT_TRUE(raw::data(1, bytes(1U << 24U, 0x61), false).empty());
}

TEST(Http2RawFrames, SettingsByteForByte) {
    // SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8) = 2: RFC 8441 §3 allows only 0 and 1, which is why
    // nghttp2 cannot send it.
    const setting connect2[] = {{0x8, 2}};
    EXPECT_EQ(raw::settings(connect2), hex("000006 04 00 00000000 0008 00000002"));
    // Entries in the order given, any identifier and value.
    const setting several[] = {{0x3, 100}, {0xffff, 0xffffffff}, {0x3, 0}};
    EXPECT_EQ(raw::settings(several), hex("000012 04 00 00000000"
                                          "0003 00000064 ffff ffffffff 0003 00000000"));
    EXPECT_EQ(raw::settings({}), hex("000000 04 00 00000000"));
    EXPECT_EQ(raw::settings_ack(), hex("000000 04 01 00000000"));
}

TEST(Http2RawFrames, ControlFramesByteForByte) {
    // RST_STREAM (§6.4): Error Code (32).
    EXPECT_EQ(raw::rst_stream(3, 0x8), hex("000004 03 00 00000003 00000008"));
    // GOAWAY (§6.8) on stream 0: Reserved (1), Last-Stream-ID (31), Error Code (32).
    EXPECT_EQ(raw::goaway(5, 0x1), hex("000008 07 00 00000000 00000005 00000001"));
    EXPECT_EQ(raw::goaway(-1, 0xdeadbeef), hex("000008 07 00 00000000 7fffffff deadbeef"));
    // WINDOW_UPDATE (§6.9): the increment as given, its reserved bit too.
    EXPECT_EQ(raw::window_update(0, 0x7fffffff), hex("000004 08 00 00000000 7fffffff"));
    EXPECT_EQ(raw::window_update(1, 0x80000001), hex("000004 08 00 00000001 80000001"));
    EXPECT_EQ(raw::window_update(7, 0), hex("000004 08 00 00000007 00000000"));
}

TEST(Http2RawFrames, DataByteForByte) {
    EXPECT_EQ(raw::data(1, text("hello"), true), hex("000005 00 01 00000001 68656c6c6f"));
    EXPECT_EQ(raw::data(3, {}, false), hex("000000 00 00 00000003"));
}

TEST(Http2RawFrames, HeadersAreLiteralsWithoutIndexingNewName) {
    // RFC 7541 C.2.2 writes ":path: /sample/path" without indexing but with the name indexed
    // (04 = 0000 + index 4, then 0c "/sample/path"). Ours is the new-name form of §6.2.2: 00,
    // then the name as a string literal (05 ":path"), then the value (0c "/sample/path").
    const header_field path[] = {{":path", "/sample/path"}};
    EXPECT_EQ(raw::headers(1, path, false), cat({hex("000014 01 04 00000001"), hex("00 05"),
                                                 text(":path"), hex("0c"), text("/sample/path")}));
    // RFC 7541 C.2.1 is the new-name literal *with* incremental indexing, 40 0a "custom-key"
    // 0d "custom-header"; without indexing the first octet is 00 (§6.2.2) and the rest stays.
    const header_field custom[] = {{"custom-key", "custom-header"}};
    const bytes c21 = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
    bytes expected_block = c21;
    expected_block[0] = 0x00;
    EXPECT_EQ(raw::headers(0x7fffffff, custom, true),
              cat({hex("00001a 01 05 7fffffff"), expected_block}));
}

TEST(Http2RawFrames, HeaderLengthsAreHpackIntegersWithSevenBitPrefix) {
    // RFC 7541 §5.1 with N = 7: below 127 in the prefix; from 127 on the prefix is all ones
    // (7f) and the rest, value - 127, follows in 7-bit groups, least significant first, the top
    // bit saying another group follows. Expected octets computed by hand:
    //   126   -> 7e
    //   127   -> 7f 00                  (127 - 127 = 0)
    //   128   -> 7f 01
    //   300   -> 7f ad 01               (173 = 1 * 128 + 45: 45 | 0x80 = ad, then 01)
    //   1337  -> 7f ba 09               (1210 = 9 * 128 + 58: 58 | 0x80 = ba, then 09; the
    //                                    value of RFC 7541 C.1.2, there with a 5-bit prefix)
    //   16511 -> 7f 80 80 01            (16384 = 1 * 128^2)
    const std::pair<std::size_t, bytes> cases[] = {
        {126, hex("7e")},     {127, hex("7f00")},    {128, hex("7f01")},
        {300, hex("7fad01")}, {1337, hex("7fba09")}, {16511, hex("7f808001")},
    };
    for (const auto& [n, prefix] : cases) {
        SCOPED_TRACE(n);
        const std::string name(n, 'n');
        const std::string value(300 + n, 'v');
        const header_field field[] = {{name, value}};
        const bytes out = raw::headers(1, field, false);
        // The value's length, 300 + n, is checked against the same arithmetic.
        std::size_t v = 300 + n - 127;
        bytes value_prefix = {0x7f};
        for (; v >= 128; v /= 128)
            value_prefix.push_back(static_cast<std::uint8_t>(v % 128 + 128));
        value_prefix.push_back(static_cast<std::uint8_t>(v));
        const bytes block = cat({hex("00"), prefix, text(name), value_prefix, text(value)});
        ASSERT_EQ(out.size(), 9 + block.size());
        EXPECT_EQ(bytes(out.begin() + 9, out.end()), block);
        EXPECT_EQ(out[0] << 16 | out[1] << 8 | out[2], static_cast<int>(block.size()));
    }
    // The two lengths of the task by hand: a name of 127 bytes and a value of 300.
    const header_field field[] = {{std::string(127, 'a'), std::string(300, 'b')}};
    EXPECT_EQ(raw::headers(1, field, false),
              cat({hex("0001b1 01 04 00000001 00 7f00"), bytes(127, 'a'), hex("7fad01"),
                   bytes(300, 'b')}));
}

TEST(Http2RawFrames, HeadersAreWrittenAsGiven) {
    // Upper case, a pseudo-header after a regular field, an empty name: all go out untouched.
    const header_field fields[] = {{"Sec-WebSocket-Version", "13"}, {":path", "/"}, {"", ""}};
    EXPECT_EQ(
        raw::headers(3, fields, true),
        cat({hex("000026 01 05 00000003"), hex("00 15"), text("Sec-WebSocket-Version"), hex("02"),
             text("13"), hex("00 05"), text(":path"), hex("01"), text("/"), hex("00 00 00")}));
    EXPECT_EQ(raw::headers(1, {}, false), hex("000000 01 04 00000001"));
}

// --- The reader --------------------------------------------------------------------------------

/// A stream of frames of every kind, and the frames it holds.
struct sample_stream {
    bytes wire;
    std::vector<raw::frame> frames;

    sample_stream() {
        const setting entries[] = {{0x8, 1}, {0x3, 100}};
        const header_field fields[] = {{":status", "200"}, {"sec-websocket-protocol", "chat"}};
        add(raw::settings(entries),
            {type_of(raw::frame_type::settings), 0, 0, hex("0008 00000001 0003 00000064")});
        add(raw::settings_ack(), {type_of(raw::frame_type::settings), raw::flag_ack, 0, {}});
        const bytes h = raw::headers(1, fields, false);
        add(h, {type_of(raw::frame_type::headers), raw::flag_end_headers, 1,
                bytes(h.begin() + 9, h.end())});
        add(raw::data(1, text("hello"), true),
            {type_of(raw::frame_type::data), raw::flag_end_stream, 1, text("hello")});
        add(raw::rst_stream(3, 8), {type_of(raw::frame_type::rst_stream), 0, 3, hex("00000008")});
        add(raw::window_update(0, 65535),
            {type_of(raw::frame_type::window_update), 0, 0, hex("0000ffff")});
        // An unknown type with every flag set, and the reserved bit set on the wire.
        add(hex("000002 fa ff 80000009 abcd"), {0xfa, 0xff, 9, hex("abcd")});
        add(raw::goaway(3, 0), {type_of(raw::frame_type::goaway), 0, 0, hex("00000003 00000000")});
    }
    void add(const bytes& w, raw::frame f) {
        wire.insert(wire.end(), w.begin(), w.end());
        frames.push_back(std::move(f));
    }
};

void expect_frames(const std::vector<raw::frame>& got, const std::vector<raw::frame>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(same(got[i], want[i])) << "frame " << i;
}

TEST(Http2RawFrames, ReaderReadsAStreamWholeOrCutAnywhere) {
    const sample_stream s;
    expect_frames(read_all(s.wire), s.frames);
    // Cut once at every byte boundary.
    for (std::size_t cut = 0; cut <= s.wire.size(); ++cut) {
        SCOPED_TRACE(cut);
        raw::reader r;
        r.feed(codec::byte_view(s.wire).first(cut));
        auto got = drain(r);
        r.feed(codec::byte_view(s.wire).subspan(cut));
        auto rest = drain(r);
        got.insert(got.end(), rest.begin(), rest.end());
        expect_frames(got, s.frames);
        EXPECT_EQ(r.buffered(), 0U);
        EXPECT_TRUE(r.error().empty());
    }
    // One byte at a time: a frame comes out exactly when its last byte arrives.
    raw::reader r;
    std::vector<raw::frame> got;
    std::size_t frame_end = 0, next = 0;
    for (std::size_t i = 0; i < s.wire.size(); ++i) {
        r.feed(codec::byte_view(s.wire).subspan(i, 1));
        if (next < s.frames.size() && i + 1 == frame_end + 9 + s.frames[next].payload.size()) {
            auto f = r.next();
            ASSERT_TRUE(f) << "byte " << i;
            got.push_back(std::move(*f));
            frame_end = i + 1;
            ++next;
        }
        EXPECT_FALSE(r.next()) << "byte " << i;
        EXPECT_EQ(r.buffered(), i + 1 - frame_end);
    }
    expect_frames(got, s.frames);
}

TEST(Http2RawFrames, ReaderWaitsForAWholeFrame) {
    raw::reader r;
    r.feed(hex("000004 03 00 000000")); // 8 bytes of a header
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.buffered(), 8U);
    r.feed(hex("01 000000")); // header complete, 3 of 4 payload bytes
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.buffered(), 12U);
    r.feed(hex("08"));
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(raw::error_code(*f), 8U);
    EXPECT_EQ(r.buffered(), 0U);
    EXPECT_TRUE(r.error().empty());
    // The default limit is the largest length there is: such a frame waits for its payload.
    r.feed(hex("ffffff 00 00 00000001"));
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.error().empty());
}

TEST(Http2RawFrames, ReaderIgnoresTheReservedBit) {
    // RFC 9113 §4.1: the reserved bit "MUST be ignored when receiving".
    const auto frames = read_all(hex("000000 06 00 80000001 000000 06 00 ffffffff"));
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_EQ(frames[0].stream, 1);
    EXPECT_EQ(frames[1].stream, 0x7fffffff);
}

TEST(Http2RawFrames, FrameOverTheLimitStopsTheReader) {
    raw::reader r(16);
    r.feed(raw::data(1, bytes(16, 'x'), false)); // exactly the limit: fine
    // 17 bytes declared: an error as soon as the header is there, before the payload.
    r.feed(hex("000011 00 00 00000001"));
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload.size(), 16U);
    EXPECT_FALSE(r.next());
    EXPECT_NE(r.error(), "");
    EXPECT_NE(r.error().find("17"), std::string::npos) << r.error();
    EXPECT_EQ(r.buffered(), 0U);
    // Nothing more is read or kept.
    r.feed(raw::settings_ack());
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.buffered(), 0U);

    raw::reader none(0); // a limit of 0 still reads empty frames
    none.feed(cat({raw::settings_ack(), raw::window_update(0, 1)}));
    EXPECT_TRUE(none.next());
    EXPECT_FALSE(none.next());
    EXPECT_FALSE(none.error().empty());
}

TEST(Http2RawFrames, PayloadAccessors) {
    const auto rst = read_all(raw::rst_stream(1, 0xa)).at(0);
    EXPECT_EQ(raw::error_code(rst), 0xaU);
    EXPECT_FALSE(raw::goaway_last_stream(rst));
    EXPECT_FALSE(raw::error_code({.type = 0x3, .payload = hex("000000")}));

    // GOAWAY with debug data, and the reserved bit set in front of the last stream id.
    const raw::frame away{.type = 0x7, .payload = hex("80000007 0000000b 6f6f7073")};
    EXPECT_EQ(raw::error_code(away), 0xbU);
    EXPECT_EQ(raw::goaway_last_stream(away), 7);
    const raw::frame short_away{.type = 0x7, .payload = hex("00000007 000000")};
    EXPECT_FALSE(raw::error_code(short_away));
    EXPECT_FALSE(raw::goaway_last_stream(short_away));
    // Other types carry no error code even where the bytes would fit.
    EXPECT_FALSE(raw::error_code({.type = 0x0, .payload = hex("0000000000000001")}));

    const setting entries[] = {{0x8, 2}, {0x4, 65535}};
    const auto parsed = raw::settings_entries(read_all(raw::settings(entries)).at(0));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, (std::vector<setting>{{0x8, 2}, {0x4, 65535}}));
    EXPECT_EQ(raw::settings_entries(read_all(raw::settings_ack()).at(0)), std::vector<setting>{});
    EXPECT_FALSE(raw::settings_entries({.type = 0x4, .payload = hex("00080000000100")}));
    EXPECT_FALSE(raw::settings_entries({.type = 0x6, .payload = hex("000800000001")}));
}

// --- Round trips through libnghttp2 ------------------------------------------------------------

/// A libnghttp2 server session fed our bytes: what it decoded, and what it sent back. HTTP
/// messaging checks are off, so nghttp2 reports the fields as they came instead of judging
/// them.
class nghttp2_server {
  public:
    struct received {
        std::uint8_t type;
        std::uint8_t flags;
        std::int32_t stream;
        std::uint32_t code = 0;          ///< RST_STREAM, GOAWAY
        std::int32_t last_stream = 0;    ///< GOAWAY
        std::int32_t increment = 0;      ///< WINDOW_UPDATE
        std::vector<setting> settings{}; ///< SETTINGS
    };
    std::vector<received> frames;
    std::map<std::int32_t, std::vector<header_field>> fields;
    std::map<std::int32_t, std::string> data;

    explicit nghttp2_server(std::uint32_t max_concurrent_streams = 100)
        : session_(nullptr, nghttp2_session_del) {
        nghttp2_session_callbacks* cbs = nullptr;
        nghttp2_option* opt = nullptr;
        EXPECT_EQ(nghttp2_session_callbacks_new(&cbs), 0);
        EXPECT_EQ(nghttp2_option_new(&opt), 0);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
        nghttp2_option_set_no_http_messaging(opt, 1);
        nghttp2_session* s = nullptr;
        EXPECT_EQ(nghttp2_session_server_new2(&s, cbs, this, opt), 0);
        nghttp2_session_callbacks_del(cbs);
        nghttp2_option_del(opt);
        session_.reset(s);
        const nghttp2_settings_entry ours[] = {
            {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_concurrent_streams},
            {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1}};
        EXPECT_EQ(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, ours, 2), 0);
    }

    /// Feeds the client's bytes; nghttp2's return value (the count, or a fatal error).
    long receive(const bytes& b) {
        return static_cast<long>(nghttp2_session_mem_recv(session_.get(), b.data(), b.size()));
    }
    /// What the server sends now, read back frame by frame.
    std::vector<raw::frame> output() {
        bytes out;
        for (;;) {
            const std::uint8_t* chunk = nullptr;
            const auto n = nghttp2_session_mem_send(session_.get(), &chunk);
            if (n <= 0)
                break;
            out.insert(out.end(), chunk, chunk + n);
        }
        return read_all(out);
    }

  private:
    static nghttp2_server& self(void* p) { return *static_cast<nghttp2_server*>(p); }
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                         std::uint8_t, void* user) {
        self(user).fields[frame->hd.stream_id].push_back(
            {std::string(reinterpret_cast<const char*>(name), namelen),
             std::string(reinterpret_cast<const char*>(value), valuelen)});
        return 0;
    }
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
        received r{.type = frame->hd.type, .flags = frame->hd.flags, .stream = frame->hd.stream_id};
        switch (frame->hd.type) {
        case NGHTTP2_RST_STREAM:
            r.code = frame->rst_stream.error_code;
            break;
        case NGHTTP2_GOAWAY:
            r.code = frame->goaway.error_code;
            r.last_stream = frame->goaway.last_stream_id;
            break;
        case NGHTTP2_WINDOW_UPDATE:
            r.increment = frame->window_update.window_size_increment;
            break;
        case NGHTTP2_SETTINGS:
            for (std::size_t i = 0; i < frame->settings.niv; ++i)
                r.settings.emplace_back(
                    static_cast<std::uint16_t>(frame->settings.iv[i].settings_id),
                    frame->settings.iv[i].value);
            break;
        default:
            break;
        }
        self(user).frames.push_back(std::move(r));
        return 0;
    }
    static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream,
                             const std::uint8_t* d, std::size_t len, void* user) {
        self(user).data[stream].append(reinterpret_cast<const char*>(d), len);
        return 0;
    }

    std::unique_ptr<nghttp2_session, void (*)(nghttp2_session*)> session_;
};

const std::vector<header_field>& extended_connect() {
    // RFC 8441 §4/§5, plus what a test may want to get past a server: an upper-case name, a
    // pseudo-header after a regular field, names and values whose lengths need multi-byte
    // HPACK integers.
    static const std::vector<header_field> fields = {
        {":method", "CONNECT"},
        {":protocol", "websocket"},
        {":scheme", "https"},
        {":path", "/chat?room=1"},
        {":authority", "server.example.com"},
        {"sec-websocket-version", "13"},
        {"Sec-WebSocket-Protocol", "chat, superchat"},
        {":late", "pseudo"},
        {std::string(127, 'n'), std::string(300, 'v')},
        {"x-long", std::string(1337, 'z')},
    };
    return fields;
}

bool has_goaway(const std::vector<raw::frame>& frames) {
    for (const auto& f : frames)
        if (f.type == type_of(raw::frame_type::goaway))
            return true;
    return false;
}

TEST(Http2RawFramesNghttp2, DecodesOurPrefaceSettingsHeadersAndData) {
    nghttp2_server server;
    const setting entries[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                               {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1U << 20U}};
    const bytes wire =
        cat({text(raw::client_preface), raw::settings(entries),
             raw::headers(1, extended_connect(), false), raw::data(1, text("hello"), true)});
    EXPECT_EQ(server.receive(wire), static_cast<long>(wire.size()));

    EXPECT_EQ(server.fields[1], extended_connect());
    EXPECT_EQ(server.data[1], "hello");
    ASSERT_EQ(server.frames.size(), 3U);
    EXPECT_EQ(server.frames[0].type, NGHTTP2_SETTINGS);
    EXPECT_EQ(server.frames[0].flags, 0);
    EXPECT_EQ(server.frames[0].settings, (std::vector<setting>{{0x2, 0}, {0x4, 1U << 20U}}));
    EXPECT_EQ(server.frames[1].type, NGHTTP2_HEADERS);
    EXPECT_EQ(server.frames[1].stream, 1);
    EXPECT_EQ(server.frames[1].flags, NGHTTP2_FLAG_END_HEADERS);
    EXPECT_EQ(server.frames[2].type, NGHTTP2_DATA);
    EXPECT_EQ(server.frames[2].flags, NGHTTP2_FLAG_END_STREAM);

    // nghttp2's answer, read back by our reader: its SETTINGS, then the ACK of ours, no error.
    const auto out = server.output();
    ASSERT_GE(out.size(), 2U);
    EXPECT_EQ(out[0].type, type_of(raw::frame_type::settings));
    EXPECT_EQ(out[0].flags, 0);
    EXPECT_EQ(raw::settings_entries(out[0]),
              (std::vector<setting>{{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                                    {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1}}));
    EXPECT_EQ(out[1].type, type_of(raw::frame_type::settings));
    EXPECT_EQ(out[1].flags, raw::flag_ack);
    EXPECT_FALSE(has_goaway(out));
    for (const auto& f : out)
        EXPECT_NE(f.type, type_of(raw::frame_type::rst_stream));
}

TEST(Http2RawFramesNghttp2, DecodesOurControlFrames) {
    nghttp2_server server;
    const bytes wire = cat({text(raw::client_preface), raw::settings({}),
                            raw::headers(1, extended_connect(), false), raw::window_update(0, 1000),
                            raw::window_update(1, 2000), raw::rst_stream(1, 0x8),
                            // A client's GOAWAY names the last *server*-initiated stream (RFC
                            // 9113 §6.8), even ids: nghttp2 refuses 1 ("invalid last_stream_id").
                            raw::goaway(0, 0xb)});
    EXPECT_EQ(server.receive(wire), static_cast<long>(wire.size()));
    ASSERT_EQ(server.frames.size(), 6U);
    EXPECT_EQ(server.frames[2].type, NGHTTP2_WINDOW_UPDATE);
    EXPECT_EQ(server.frames[2].stream, 0);
    EXPECT_EQ(server.frames[2].increment, 1000);
    EXPECT_EQ(server.frames[3].type, NGHTTP2_WINDOW_UPDATE);
    EXPECT_EQ(server.frames[3].stream, 1);
    EXPECT_EQ(server.frames[3].increment, 2000);
    EXPECT_EQ(server.frames[4].type, NGHTTP2_RST_STREAM);
    EXPECT_EQ(server.frames[4].stream, 1);
    EXPECT_EQ(server.frames[4].code, 0x8U);
    EXPECT_EQ(server.frames[5].type, NGHTTP2_GOAWAY);
    EXPECT_EQ(server.frames[5].last_stream, 0);
    EXPECT_EQ(server.frames[5].code, 0xbU);
    EXPECT_FALSE(has_goaway(server.output()));
}

TEST(Http2RawFramesNghttp2, RefusesEnableConnectProtocol2) {
    // RFC 8441 §3: "The value of the parameter MUST be 0 or 1"; RFC 9113 §6.5.2 / nghttp2: a
    // connection error of type PROTOCOL_ERROR.
    nghttp2_server server;
    const setting entries[] = {{0x8, 2}};
    const bytes wire = cat({text(raw::client_preface), raw::settings(entries)});
    server.receive(wire);
    const auto out = server.output();
    std::optional<raw::frame> away;
    for (const auto& f : out)
        if (f.type == type_of(raw::frame_type::goaway))
            away = f;
    ASSERT_TRUE(away);
    EXPECT_EQ(raw::error_code(*away), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
    EXPECT_EQ(raw::goaway_last_stream(*away), 0);

    // The same frame with 1 is fine.
    nghttp2_server fine;
    const setting one[] = {{0x8, 1}};
    const bytes ok = cat({text(raw::client_preface), raw::settings(one)});
    EXPECT_EQ(fine.receive(ok), static_cast<long>(ok.size()));
    EXPECT_FALSE(has_goaway(fine.output()));
}

TEST(Http2RawFramesNghttp2, MoreStreamsThanTheServerAllows) {
    // RFC 9113 §5.1.2: a HEADERS frame over the advertised limit is "a stream error of type
    // PROTOCOL_ERROR or REFUSED_STREAM". nghttp2 (a server allowing 1 stream) refuses the
    // stream while its SETTINGS are unacknowledged, and ends the connection once they are.
    const bytes two_streams = cat(
        {raw::headers(1, extended_connect(), false), raw::headers(3, extended_connect(), false)});
    {
        nghttp2_server server(1);
        const bytes wire = cat({text(raw::client_preface), raw::settings({}), two_streams});
        EXPECT_EQ(server.receive(wire), static_cast<long>(wire.size()));
        std::optional<raw::frame> reset;
        for (const auto& f : server.output()) {
            EXPECT_NE(f.type, type_of(raw::frame_type::goaway));
            if (f.type == type_of(raw::frame_type::rst_stream))
                reset = f;
        }
        ASSERT_TRUE(reset);
        EXPECT_EQ(reset->stream, 3);
        EXPECT_EQ(raw::error_code(*reset), static_cast<std::uint32_t>(NGHTTP2_REFUSED_STREAM));
        EXPECT_EQ(server.fields[1], extended_connect());
    }
    {
        nghttp2_server server(1);
        const bytes start = cat({text(raw::client_preface), raw::settings({})});
        EXPECT_EQ(server.receive(start), static_cast<long>(start.size()));
        const auto settings_out = server.output(); // its SETTINGS, and the ACK of ours
        ASSERT_FALSE(settings_out.empty());
        EXPECT_EQ(settings_out[0].type, type_of(raw::frame_type::settings));

        const bytes wire = cat({raw::settings_ack(), two_streams});
        EXPECT_EQ(server.receive(wire), static_cast<long>(wire.size()));
        std::optional<raw::frame> away;
        for (const auto& f : server.output()) {
            EXPECT_NE(f.type, type_of(raw::frame_type::rst_stream));
            if (f.type == type_of(raw::frame_type::goaway))
                away = f;
        }
        ASSERT_TRUE(away);
        EXPECT_EQ(raw::error_code(*away), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
        EXPECT_EQ(raw::goaway_last_stream(*away), 1);
        const std::string debug(away->payload.begin() + 8, away->payload.end());
        EXPECT_NE(debug.find("max concurrent streams"), std::string::npos) << debug;
        EXPECT_EQ(server.fields[1], extended_connect());
    }
}

} // namespace
