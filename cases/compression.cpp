// [12], [13] WebSocket Compression: permessage-deflate (RFC 7692). Each case sends 1000
// compressed messages, one after the other's echo, and checks every echo byte for byte after
// inflating it (Autobahn compares SHA-1 digests). 12.x: five data sets under Autobahn's default
// offer; 13.x: the JSON data set under Autobahn's seven parameter sets. Ids, sizes,
// fragmentation (of the compressed payload), offers and timers are Autobahn's; the data sets
// are generated (compression_data.hpp), with Autobahn's sizes. A server that does not agree to
// permessage-deflate is UNIMPLEMENTED for these cases, as in Autobahn.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"
#include "cases/compression_data.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/runner/echo_stream.hpp"

#include <array>
#include <memory>

namespace wsconform::cases {

namespace {

// Autobahn's MSG_SIZES: (payload length, case timeout in s, auto-fragment size; 0 = none).
struct variant {
    std::uint64_t size;
    double timeout;
    std::uint64_t fragment;
};
constexpr std::array<variant, 18> variants = {{{16, 60, 0},
                                               {64, 60, 0},
                                               {256, 120, 0},
                                               {1024, 240, 0},
                                               {4096, 480, 0},
                                               {8192, 480, 0},
                                               {16384, 480, 0},
                                               {32768, 480, 0},
                                               {65536, 480, 0},
                                               {131072, 480, 0},
                                               {8192, 480, 256},
                                               {16384, 480, 256},
                                               {32768, 480, 256},
                                               {65536, 480, 256},
                                               {131072, 480, 256},
                                               {131072, 480, 1024},
                                               {131072, 480, 4096},
                                               {131072, 480, 32768}}};
constexpr unsigned messages = 1000;

struct data_set {
    const char* title; ///< Autobahn's description, naming our content where its names a work
    bool binary;
    std::shared_ptr<const runner::pattern_payload> payload;
};

data_set make_set(const char* title, bool binary, bytes data) {
    return {title, binary, std::make_shared<const runner::pattern_payload>(std::move(data))};
}

std::string subgroup_title(const data_set& d) {
    return std::string(d.title) + " (" + (d.binary ? "binary" : "utf8") + ", " +
           std::to_string(d.payload->period()) + " bytes)";
}

// Autobahn's PerMessageDeflateOffer, parameters in its order: accept_no_context_takeover and
// accept_max_window_bits (both on by default), then what it requests of the server.
struct offer {
    bool server_no_context_takeover;
    int server_max_window_bits; ///< 0 = not requested
    std::string text() const {
        std::string s = "permessage-deflate; client_no_context_takeover; client_max_window_bits";
        if (server_no_context_takeover)
            s += "; server_no_context_takeover";
        if (server_max_window_bits)
            s += "; server_max_window_bits=" + std::to_string(server_max_window_bits);
        return s;
    }
    std::string tuple() const {
        return std::string("(") + (server_no_context_takeover ? "True" : "False") + ", " +
               std::to_string(server_max_window_bits) + ")";
    }
};

/// Autobahn's 13.x parameter sets (window bits 9 since Autobahn 0.8.2: zlib refuses 8).
const std::array<std::vector<offer>, 7> parameter_sets = {{{{false, 0}},
                                                           {{true, 0}},
                                                           {{false, 9}},
                                                           {{false, 15}},
                                                           {{true, 9}},
                                                           {{true, 15}},
                                                           {{true, 9}, {true, 0}, {false, 0}}}};

std::string tuples(const std::vector<offer>& offers) {
    std::string s = "[";
    for (std::size_t i = 0; i < offers.size(); ++i)
        s += (i ? ", " : "") + offers[i].tuple();
    return s + "]";
}

case_def make(const std::string& id, const std::string& subgroup, const data_set& d,
              const variant& v, const std::vector<offer>& offers, const std::string& offer_words) {
    auto title = "Send " + std::to_string(messages) + " compressed messages each of payload size " +
                 std::to_string(v.size) + ", auto-fragment to " + std::to_string(v.fragment) +
                 " octets. Use " + offer_words;
    auto expectation =
        std::string("Every ") + (d.binary ? "binary" : "text") +
        " message comes back as sent, each before the next is sent (type, length and every byte "
        "checked after inflating; the echo may be compressed or not) within " +
        std::to_string(static_cast<int>(v.timeout)) +
        " s; clean close with code 1000. UNIMPLEMENTED if permessage-deflate is not agreed.";
    auto c = make_case({id, "WebSocket Compression", subgroup, std::move(title),
                        std::move(expectation), "RFC 7692 5, 6, 7; RFC 6455 5.4"});
    c.close = tester_closes();
    c.record = bulk_record;
    std::string header;
    for (const auto& o : offers)
        header += (header.empty() ? "" : ", ") + o.text();
    c.request.edits.push_back(
        {runner::header_edit::action::set, "Sec-WebSocket-Extensions", std::move(header)});
    c.handshake.requires_extension = "permessage-deflate";
    // Autobahn closeAfter: the tester closes once the case's time is up.
    c.script = {runner::close_after{runner::seconds(v.timeout)},
                runner::echo_stream{.op = d.binary ? opcode::binary : opcode::text,
                                    .size = v.size,
                                    .fragment = v.fragment,
                                    .count = messages,
                                    .source = d.payload,
                                    .consecutive = true,
                                    .compress = true}};
    return c;
}

// --- Beyond Autobahn (C.*): what its 12.x/13.x never send ---------------------------------------

/// A message compressed on its own (a fresh compressor: valid whatever context the server
/// keeps) with the sync flush's 0x00 0x00 0xff 0xff removed (RFC 7692 §7.2.1), or kept.
bytes compressed(std::string_view text, bool keep_tail = false) {
    codec::deflater d({.context_takeover = false});
    auto out = d.compress_message(codec::to_bytes(text));
    if (keep_tail)
        out.insert(out.end(), {0x00, 0x00, 0xff, 0xff});
    return out;
}

using codec::rsv1_bit;

// The requirements the C.* cases enforce beside parse_frames (a compressed message is data like
// any other): RSV1 is allowed only where RFC 7692 gives it a meaning.
const runner::requirement unknown_rsv =
    must("RFC 6455 5.2", "If a nonzero value is received and none of the negotiated extensions "
                         "defines the meaning of such a nonzero value, the receiving endpoint MUST "
                         "_Fail the WebSocket Connection_.");
const runner::requirement rsv1_first_only =
    must("RFC 7692 6.1", "An endpoint MUST NOT set the \"Per-Message Compressed\" bit of control "
                         "frames and non-first fragments of a data message. An endpoint receiving "
                         "such a frame MUST _Fail the WebSocket Connection_.");

void add_beyond_autobahn(std::vector<case_def>& out, const data_set& json) {
    const std::string group = "WebSocket Compression (beyond Autobahn)";
    auto make = [&](std::string id, std::string subgroup, std::string title,
                    std::string expectation) {
        auto c = make_case({std::move(id), group, std::move(subgroup), std::move(title),
                            std::move(expectation), "RFC 7692 6, 7.2"});
        c.request.edits.push_back(
            {runner::header_edit::action::set, "Sec-WebSocket-Extensions", "permessage-deflate"});
        c.handshake.requires_extension = "permessage-deflate";
        c.close = tester_closes();
        return c;
    };
    const std::string echoed = "Echoed as sent (after inflating, if the echo is compressed); "
                               "clean close. UNIMPLEMENTED if permessage-deflate is not agreed.";

    // C.1 empty compressed messages: 0x00 is an empty stored block whose LEN/NLEN the
    // receiver's 0x00 0x00 0xff 0xff supplies (§7.2.3.6).
    const std::string sub1 = "Empty compressed messages";
    auto c11 = make("C.1.1", sub1, "Send a compressed empty text message (payload 0x00)", echoed);
    c11.script = {send(data_frame(opcode::text, bytes{0x00}, true, rsv1_bit)), close_after(2)};
    c11.expected = {ok({runner::text_message("")})};
    auto c12 = make("C.1.2", sub1, "Send a compressed empty binary message (payload 0x00)", echoed);
    c12.script = {send(data_frame(opcode::binary, bytes{0x00}, true, rsv1_bit)), close_after(2)};
    c12.expected = {ok({runner::binary_message({})})};
    auto c13 = make("C.1.3", sub1,
                    "Send a compressed empty text message, then a compressed 'Hello, world!'",
                    "Both echoed in order; clean close.");
    c13.script = {send({data_frame(opcode::text, bytes{0x00}, true, rsv1_bit),
                        data_frame(opcode::text, compressed(hello_world), true, rsv1_bit)}),
                  close_after(2)};
    c13.expected = {ok({runner::text_message(""), runner::text_message(hello_world)})};

    // C.2 an empty final fragment ends a compressed message (§7.2.3.6).
    const std::string sub2 = "Compressed message ended by an empty fragment";
    auto c21 = make("C.2.1", sub2,
                    "Send 'Hello, world!' compressed with its sync flush kept, then a final "
                    "continuation frame holding only an empty stored block (0x00)",
                    echoed);
    c21.script = {send({data_frame(opcode::text, compressed(hello_world, true), false, rsv1_bit),
                        data_frame(opcode::continuation, bytes{0x00}, true)}),
                  close_after(2)};
    c21.expected = {ok({runner::text_message(hello_world)})};
    auto c22 = make("C.2.2", sub2,
                    "Send 'Hello, world!' compressed in a first frame, then a final "
                    "continuation frame with no payload at all",
                    echoed);
    c22.script = {send({data_frame(opcode::text, compressed(hello_world), false, rsv1_bit),
                        data_frame(opcode::continuation, bytes{}, true)}),
                  close_after(2)};
    c22.expected = {ok({runner::text_message(hello_world)})};

    // C.3 context takeover: each message refers back into the ones before it.
    const std::string sub3 = "Context takeover across messages";
    auto c31 = make("C.3.1", sub3,
                    "Send 24 compressed text messages of mixed sizes (0 to 70,000 bytes, slices "
                    "of the JSON data set), compressed with context takeover",
                    "All 24 echoed in order; clean close. UNIMPLEMENTED if permessage-deflate "
                    "is not agreed or the server forbids our context takeover.");
    c31.handshake.requires_client_context_takeover = true;
    {
        constexpr std::array<std::size_t, 8> sizes = {0, 1, 7, 100, 1000, 5000, 20000, 70000};
        codec::deflater d({.level = 6}); // more back references than level 1
        std::vector<frame> frames;
        std::vector<event> echoes;
        std::uint64_t offset = 0;
        for (int round = 0; round < 3; ++round) {
            for (auto size : sizes) {
                bytes message(size);
                json.payload->fill(offset, message);
                offset = (offset + size) % json.payload->period();
                frames.push_back(
                    data_frame(opcode::text, d.compress_message(message), true, rsv1_bit));
                echoes.push_back(runner::text_message(std::move(message)));
            }
        }
        c31.script = {send(std::move(frames), frame_wise), close_after(10)};
        c31.expected = {ok(std::move(echoes))};
    }

    // C.4 RSV1 where it must not be.
    const std::string sub4 = "RSV1 where RFC 7692 does not allow it";
    const std::string fail_now = "The connection is failed (1002 or TCP drop).";
    auto c41 = make_case({"C.4.1", group, sub4,
                          "Send a compressed 'Hello, world!' with RSV1 on a connection that did "
                          "not negotiate permessage-deflate",
                          fail_now, "RFC 6455 5.2; RFC 7692 6"});
    c41.script = {send(data_frame(opcode::text, compressed(hello_world), true, rsv1_bit)),
                  kill_after(1)};
    c41.expected = {ok({})};
    c41.close = peer_fails();
    auto c42 = make("C.4.2", sub4,
                    "Send a compressed 'Hello, world!' in two frames, both with RSV1 (only the "
                    "first may have it)",
                    fail_now + " UNIMPLEMENTED if permessage-deflate is not agreed.");
    {
        auto body = compressed(hello_world);
        auto half = static_cast<std::ptrdiff_t>(body.size() / 2);
        c42.script = {send({data_frame(opcode::text, bytes(body.begin(), body.begin() + half),
                                       false, rsv1_bit),
                            data_frame(opcode::continuation, bytes(body.begin() + half, body.end()),
                                       true, rsv1_bit)}),
                      kill_after(1)};
    }
    c42.expected = {ok({})};
    c42.close = peer_fails();
    for (auto* c : {&c11, &c12, &c13, &c21, &c22, &c31})
        c->musts = {parse_frames};
    c41.musts = {unknown_rsv};
    c42.musts = {rsv1_first_only};
    for (auto* c : {&c11, &c12, &c13, &c21, &c22, &c31, &c41, &c42})
        out.push_back(std::move(*c));
}

} // namespace

void add_compression_cases(std::vector<case_def>& out) {
    namespace data = compression_data;
    // 12.x in Autobahn's order since 2018: JSON, picture, prose, HTML, PDF.
    const std::array<data_set, 5> sets = {
        make_set("Large JSON data file", false, data::json_document()),
        make_set("Picture, Bitmap 512x512 grayscale", true, data::bitmap_image()),
        make_set("Human readable text, German verse drama", true, data::prose_text()),
        make_set("Large HTML file", false, data::html_document()),
        make_set("A larger PDF", true, data::pdf_document())};
    const std::vector<offer> default_offer = {{false, 0}};
    for (std::size_t j = 0; j < sets.size(); ++j) {
        auto sub = "12." + std::to_string(j + 1);
        for (std::size_t i = 0; i < variants.size(); ++i)
            out.push_back(make(sub + "." + std::to_string(i + 1), subgroup_title(sets[j]), sets[j],
                               variants[i], default_offer, "default permessage-deflate offer."));
    }
    const auto& json = sets[0];
    for (std::size_t j = 0; j < parameter_sets.size(); ++j) {
        const auto& offers = parameter_sets[j];
        // Autobahn's fuzzing server answers in kind, so both halves of its title name the same
        // (no_context_takeover, max_window_bits) pairs.
        auto pairs = tuples(offers);
        auto subgroup =
            subgroup_title(json) +
            " - client offers (requestNoContextTakeover, requestMaxWindowBits): " + pairs +
            " / server accept (requestNoContextTakeover, requestMaxWindowBits): " + pairs;
        auto sub = "13." + std::to_string(j + 1);
        for (std::size_t i = 0; i < variants.size(); ++i)
            out.push_back(make(sub + "." + std::to_string(i + 1), subgroup, json, variants[i],
                               offers,
                               "permessage-deflate client offers (requestNoContextTakeover, "
                               "requestMaxWindowBits): " +
                                   pairs));
    }
    add_beyond_autobahn(out, json);
}

} // namespace wsconform::cases
