/// Fuzz target: the raw HTTP/2 frame reader and writer (http2/raw_frames.hpp), and the nghttp2
/// glue of the client session (http2/client_session.hpp) fed the same bytes as a server's.
///
/// Input: 3 configuration bytes, then the wire bytes as a server sends them (its preface is
/// its first SETTINGS frame, RFC 9113 §3.4, so the bytes are frames from the start).
///   [0] bits 0-2 read size bound (see chunker), bits 3-5 the reader's max_frame
///       {2^24-1, 16384, 0, 1, 8, 9, 64, 65535}
///   [1] seed for the read sizes
///   [2] the client session: bits 0-1 extended CONNECT streams opened before anything is read
///       (0-3), bits 2-3 bytes queued on each {0, 5, 1000, 70000} (70000: more than the default
///       65,535-byte window), bit 4 end() each stream after its bytes, bit 5 consume() every
///       DATA chunk reported, bit 6 reset() the first stream halfway through the reads, bit 7
///       go_away() at the end
///
/// Contract:
///  - read whole, the frames tile the wire from its first byte: each frame re-encodes to
///    exactly its bytes, the reserved bit of the stream id cleared (RFC 9113 §4.1), and what is
///    left is a frame not yet complete, held in buffered();
///  - read in the pieces the input chooses with its max_frame, the same frames come out, up to
///    the first whose declared length is over max_frame; once its header is in, error() says so
///    for good, and nothing more is read or kept;
///  - error_code, goaway_last_stream and settings_entries answer exactly when the payload holds
///    what they read (RFC 9113 §6.4, §6.8, §6.5.1) and give its bytes;
///  - every frame a builder can write is written by it byte for byte: SETTINGS and its ACK,
///    RST_STREAM, WINDOW_UPDATE, GOAWAY without debug data, DATA without padding, and HEADERS
///    whose block is all RFC 7541 §6.2.2 new-name literals without Huffman (non-minimal HPACK
///    integers excepted: those re-encode to the same fields);
///  - the client session takes the bytes in the same pieces without crashing or erroring
///    except through receive(), and reports no more of each event than the wire has frames of
///    that kind (nghttp2 reads the same frames as the raw reader, or a prefix of them), and no
///    more DATA bytes than DATA payloads hold.

#include "fuzz/fuzz_support.hpp"
#include "harness/http2/client_session.hpp"
#include "harness/http2/raw_frames.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace wsconform;
using codec::byte;
using codec::byte_view;
using codec::bytes;
namespace fz = wsconform::fuzz;
namespace raw = http2::raw;

constexpr std::size_t header_size = 9;

std::uint32_t be(byte_view p, std::size_t at, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = v << 8U | p[at + i];
    return v;
}

constexpr std::uint8_t type_of(raw::frame_type t) {
    return static_cast<std::uint8_t>(t);
}

/// The frame's bytes as they must re-encode: the wire's, with the reserved bit cleared.
bool reencodes_to(const raw::frame& f, byte_view wire) {
    const bytes out = raw::encode(f);
    if (out.size() != wire.size())
        return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const byte expected = i == 5 ? static_cast<byte>(wire[i] & 0x7F) : wire[i];
        if (out[i] != expected)
            return false;
    }
    return true;
}

// --- A reference reader of the one HPACK form the writer uses --------------------------------

/// RFC 7541 §5.1, 7-bit prefix (the caller checked the bits above it). False when the input
/// ends, or when the value would need more than 4 continuation octets (over 2^28: no length in
/// a 2^24-byte payload). `minimal` turns false for a longer form than §5.1's algorithm writes:
/// a last continuation octet of 0 after another one.
bool hpack_integer(byte_view& in, std::size_t& value, bool& minimal) {
    if (in.empty())
        return false;
    value = in[0] & 0x7FU;
    in = in.subspan(1);
    if (value < 0x7F)
        return true;
    for (unsigned shift = 0, count = 1;; shift += 7, ++count) {
        if (in.empty() || count > 4)
            return false;
        const byte b = in[0];
        in = in.subspan(1);
        value += std::size_t{b & 0x7FU} << shift;
        if ((b & 0x80) == 0) {
            if (count > 1 && b == 0)
                minimal = false;
            return true;
        }
    }
}

/// §5.2 with H = 0 (the octets as they are).
bool hpack_string(byte_view& in, std::string& out, bool& minimal) {
    std::size_t n = 0;
    if (in.empty() || (in[0] & 0x80) != 0 || !hpack_integer(in, n, minimal) || n > in.size())
        return false;
    out.assign(reinterpret_cast<const char*>(in.data()), n);
    in = in.subspan(n);
    return true;
}

/// The fields of a block made only of §6.2.2 new-name literals without Huffman (0x00, name,
/// value), or nullopt for any other block.
std::optional<std::vector<codec::header_field>> literal_block(byte_view in, bool& minimal) {
    std::vector<codec::header_field> fields;
    while (!in.empty()) {
        if (in[0] != 0x00)
            return std::nullopt;
        in = in.subspan(1);
        codec::header_field f;
        if (!hpack_string(in, f.name, minimal) || !hpack_string(in, f.value, minimal))
            return std::nullopt;
        fields.push_back(std::move(f));
    }
    return fields;
}

// --- Checks of one frame -------------------------------------------------------------------

void check_accessors(const raw::frame& f) {
    const byte_view p(f.payload);
    const bool rst = f.type == type_of(raw::frame_type::rst_stream);
    const bool away = f.type == type_of(raw::frame_type::goaway);
    const bool settings = f.type == type_of(raw::frame_type::settings);

    const auto code = raw::error_code(f);
    FUZZ_CHECK(code.has_value() == ((rst && p.size() >= 4) || (away && p.size() >= 8)),
               "error_code() answers for the wrong frames (RFC 9113 §6.4, §6.8)");
    if (code)
        FUZZ_CHECK(*code == be(p, rst ? 0 : 4, 4), "error_code() read the wrong bytes");

    const auto last = raw::goaway_last_stream(f);
    FUZZ_CHECK(last.has_value() == (away && p.size() >= 8),
               "goaway_last_stream() answers for the wrong frames");
    if (last)
        FUZZ_CHECK(*last >= 0 && static_cast<std::uint32_t>(*last) == (be(p, 0, 4) & 0x7FFFFFFFU),
                   "goaway_last_stream() read the wrong bytes or kept the reserved bit");

    const auto entries = raw::settings_entries(f);
    FUZZ_CHECK(entries.has_value() == (settings && p.size() % 6 == 0),
               "settings_entries() answers for the wrong frames (RFC 9113 §6.5)");
    if (entries) {
        FUZZ_CHECK(entries->size() * 6 == p.size(), "settings_entries() lost or made entries");
        for (std::size_t i = 0; i < entries->size(); ++i)
            FUZZ_CHECK((*entries)[i].first == be(p, i * 6, 2) &&
                           (*entries)[i].second == be(p, i * 6 + 2, 4),
                       "settings_entries() read the wrong bytes");
    }
}

/// Every frame a builder can express is written by it byte for byte.
void check_builders(const raw::frame& f) {
    const bytes wire = raw::encode(f);
    const byte_view p(f.payload);
    switch (static_cast<raw::frame_type>(f.type)) {
    case raw::frame_type::settings:
        if (f.stream == 0 && f.flags == 0) {
            if (const auto entries = raw::settings_entries(f))
                FUZZ_CHECK(raw::settings(*entries) == wire, "settings() writes another frame");
        } else if (f.stream == 0 && f.flags == raw::flag_ack && p.empty()) {
            FUZZ_CHECK(raw::settings_ack() == wire, "settings_ack() writes another frame");
        }
        break;
    case raw::frame_type::rst_stream:
        if (f.flags == 0 && p.size() == 4)
            FUZZ_CHECK(raw::rst_stream(f.stream, *raw::error_code(f)) == wire,
                       "rst_stream() writes another frame");
        break;
    case raw::frame_type::window_update:
        if (f.flags == 0 && p.size() == 4)
            FUZZ_CHECK(raw::window_update(f.stream, be(p, 0, 4)) == wire,
                       "window_update() writes another frame (or drops the reserved bit)");
        break;
    case raw::frame_type::goaway:
        // goaway() clears the reserved bit of the last stream id, as RFC 9113 §6.8 asks.
        if (f.flags == 0 && f.stream == 0 && p.size() == 8 && (p[0] & 0x80) == 0)
            FUZZ_CHECK(raw::goaway(*raw::goaway_last_stream(f), *raw::error_code(f)) == wire,
                       "goaway() writes another frame");
        break;
    case raw::frame_type::data:
        if ((f.flags & ~raw::flag_end_stream) == 0)
            FUZZ_CHECK(raw::data(f.stream, p, f.flags != 0) == wire, "data() writes another frame");
        break;
    case raw::frame_type::headers:
        if ((f.flags & ~(raw::flag_end_headers | raw::flag_end_stream)) == 0 &&
            (f.flags & raw::flag_end_headers) != 0) {
            bool minimal = true;
            const auto fields = literal_block(p, minimal);
            if (!fields)
                break;
            const bytes again =
                raw::headers(f.stream, *fields, (f.flags & raw::flag_end_stream) != 0);
            if (minimal) {
                FUZZ_CHECK(again == wire, "headers() writes another frame");
            } else {
                bool ignored = true;
                const auto decoded = literal_block(
                    byte_view(again).subspan(std::min(again.size(), header_size)), ignored);
                FUZZ_CHECK(decoded && *decoded == *fields && ignored,
                           "headers() does not write the fields back (RFC 7541 §5.1, §6.2.2)");
                FUZZ_CHECK(again.size() < wire.size(), "a minimal HPACK form is not shorter");
            }
        }
        break;
    default:
        break;
    }
}

struct frame_counts {
    std::size_t settings = 0, headers = 0, rst_stream = 0, goaway = 0, data_end_stream = 0;
    std::size_t data_bytes = 0; ///< DATA payloads, padding included
};

// --- The client session over the same bytes --------------------------------------------------

void run_session(byte config, byte_view wire, fz::chunker cuts, const frame_counts& counts,
                 std::size_t incomplete_tail) {
    static constexpr std::array<std::size_t, 4> queue_sizes = {0, 5, 1000, 70000};
    const int streams = config & 3;
    const std::size_t queued = queue_sizes[(config >> 2) & 3];
    const bool end = (config & 0x10) != 0, consume = (config & 0x20) != 0,
               reset = (config & 0x40) != 0, go_away = (config & 0x80) != 0;

    http2::client_session session;
    (void)session.pending_output(); // the preface and our SETTINGS go first, as on a socket
    std::vector<std::int32_t> opened;
    static const std::vector<codec::header_field> connect = {
        {":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "http"},
        {":path", "/"},         {":authority", "fuzz"},     {"sec-websocket-version", "13"}};
    for (int i = 0; i < streams; ++i) {
        const auto [id, error] = session.open(connect, false);
        FUZZ_CHECK(id > 0 && error.empty(), "open() failed on a new session");
        opened.push_back(id);
        if (queued > 0)
            session.send(id, bytes(queued, static_cast<byte>('a' + i)));
        if (end)
            session.end(id);
    }
    // The requests go out before the server's bytes come in: an answer on a stream nghttp2 has
    // not sent yet is a protocol error, and would keep the fuzzer from every stream path.
    (void)session.pending_output();

    frame_counts seen;
    const auto drain = [&] {
        (void)session.pending_output();
        for (const auto& e : session.take_events()) {
            FUZZ_CHECK(e.stream >= 0, "an event on a negative stream id");
            switch (e.what) {
            case http2::event::kind::settings:
                ++seen.settings;
                break;
            case http2::event::kind::headers:
                ++seen.headers;
                FUZZ_CHECK(e.stream > 0, "HEADERS reported on stream 0");
                break;
            case http2::event::kind::reset:
                ++seen.rst_stream;
                FUZZ_CHECK(e.stream > 0, "RST_STREAM reported on stream 0");
                break;
            case http2::event::kind::goaway:
                ++seen.goaway;
                break;
            case http2::event::kind::end_stream:
                ++seen.data_end_stream;
                break;
            case http2::event::kind::data:
                seen.data_bytes += e.data.size();
                FUZZ_CHECK(e.stream > 0, "DATA reported on stream 0");
                if (consume)
                    session.consume(e.stream, e.data.size());
                break;
            default:
                break;
            }
        }
        for (const auto id : opened) {
            FUZZ_CHECK(session.unsent(id) <= queued, "more unsent than was queued");
            FUZZ_CHECK(session.send_window(id) >= 0, "a negative send window");
        }
    };

    std::size_t fed = 0;
    bool failed = false;
    cuts.run(wire, [&](byte_view piece) {
        if (failed)
            return;
        if (reset && !opened.empty() && fed < wire.size() / 2 &&
            fed + piece.size() >= wire.size() / 2)
            session.reset(opened.front(), http2::h2_error::cancel);
        fed += piece.size();
        failed = session.receive(piece).has_value();
        drain();
    });
    if (go_away)
        session.go_away(http2::h2_error::no_error);
    drain();
    (void)session.alive();
    (void)session.remote_setting(http2::settings_enable_connect_protocol);

    // nghttp2 reads the same frames, or stops earlier: it never reports more of a kind.
    FUZZ_CHECK(seen.settings <= counts.settings, "more SETTINGS events than SETTINGS frames");
    FUZZ_CHECK(seen.headers <= counts.headers, "more HEADERS events than HEADERS frames");
    FUZZ_CHECK(seen.rst_stream <= counts.rst_stream, "more resets than RST_STREAM frames");
    FUZZ_CHECK(seen.goaway <= counts.goaway, "more GOAWAY events than GOAWAY frames");
    FUZZ_CHECK(seen.data_end_stream <= counts.data_end_stream,
               "more END_STREAM events than DATA frames with END_STREAM");
    // DATA is reported as it arrives, so a DATA frame not complete yet counts too.
    FUZZ_CHECK(seen.data_bytes <= counts.data_bytes + incomplete_tail,
               "more DATA bytes reported than DATA payloads hold");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte c0 = in.u8(), seed = in.u8(), session_config = in.u8();
    const byte_view wire = in.rest();

    static constexpr std::array<std::size_t, 8> limits = {
        (1U << 24U) - 1, 16384, 0, 1, 8, 9, 64, 65535};
    const std::size_t max_frame = limits[(c0 >> 3) & 7];

    // Read whole, with the largest limit: the frames tile the wire.
    static std::vector<raw::frame> whole;
    whole.clear();
    frame_counts counts;
    std::size_t at = 0;
    {
        raw::reader r;
        r.feed(wire);
        while (auto f = r.next()) {
            const std::size_t n = header_size + f->payload.size();
            FUZZ_CHECK(at + n <= wire.size(), "a frame from bytes that were not fed");
            FUZZ_CHECK(be(wire, at, 3) == f->payload.size() && wire[at + 3] == f->type &&
                           wire[at + 4] == f->flags,
                       "a frame's length, type or flags are not the wire's");
            FUZZ_CHECK(reencodes_to(*f, wire.subspan(at, n)),
                       "a frame does not re-encode to its bytes (RFC 9113 §4.1)");
            FUZZ_CHECK(f->stream >= 0, "a stream id with the reserved bit kept");
            check_accessors(*f);
            check_builders(*f);
            switch (static_cast<raw::frame_type>(f->type)) {
            case raw::frame_type::settings:
                counts.settings += (f->flags & raw::flag_ack) == 0 ? 1 : 0;
                break;
            case raw::frame_type::headers:
                ++counts.headers;
                break;
            case raw::frame_type::rst_stream:
                ++counts.rst_stream;
                break;
            case raw::frame_type::goaway:
                ++counts.goaway;
                break;
            case raw::frame_type::data:
                counts.data_end_stream += (f->flags & raw::flag_end_stream) != 0 ? 1 : 0;
                counts.data_bytes += f->payload.size();
                break;
            default:
                break;
            }
            at += n;
            whole.push_back(std::move(*f));
        }
        const std::size_t rest = wire.size() - at;
        FUZZ_CHECK(r.error().empty(), "no 24-bit length is over the largest limit");
        FUZZ_CHECK(r.buffered() == rest, "buffered() is not what is left");
        FUZZ_CHECK(rest < header_size || rest < header_size + be(wire, at, 3),
                   "a complete frame was left unread");
        r.feed(wire.first(0));
        FUZZ_CHECK(!r.next(), "an empty feed made a frame");
    }
    const std::size_t tail = wire.size() - at;

    // The first frame over max_frame, and whether its header is on the wire (then the reader
    // must stop there), as the whole read saw them.
    std::size_t allowed = 0, allowed_end = 0;
    while (allowed < whole.size() && whole[allowed].payload.size() <= max_frame) {
        allowed_end += header_size + whole[allowed].payload.size();
        ++allowed;
    }
    const bool stops =
        allowed < whole.size() || (tail >= header_size && be(wire, at, 3) > max_frame);

    // Read in pieces with the input's limit: the same frames, then the same end.
    {
        raw::reader r(max_frame);
        std::size_t got = 0;
        fz::chunker cuts(c0 & 7, seed);
        cuts.run(wire, [&](byte_view piece) {
            r.feed(piece);
            while (auto f = r.next()) {
                FUZZ_CHECK(got < allowed, "a frame over max_frame, or after it, came out");
                const auto& w = whole[got];
                FUZZ_CHECK(f->type == w.type && f->flags == w.flags && f->stream == w.stream &&
                               f->payload == w.payload,
                           "reading in pieces gave another frame");
                ++got;
            }
            if (!r.error().empty())
                FUZZ_CHECK(r.buffered() == 0, "a stopped reader keeps bytes");
        });
        FUZZ_CHECK(got == allowed, "reading in pieces lost frames");
        FUZZ_CHECK(r.error().empty() != stops, "max_frame was not enforced where it applies");
        if (stops) {
            r.feed(wire);
            FUZZ_CHECK(!r.next() && r.buffered() == 0, "a stopped reader read on");
        } else {
            FUZZ_CHECK(r.buffered() == wire.size() - allowed_end, "buffered() is not what is left");
        }
    }

    run_session(session_config, wire, fz::chunker(c0 & 7, seed), counts, tail);
    return 0;
}
