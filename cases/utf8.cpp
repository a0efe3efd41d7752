// [6] UTF-8 handling: text messages MUST be valid UTF-8 and an endpoint that receives invalid
// UTF-8 MUST fail the connection with 1007 (RFC 6455 §8.1, §5.6, §7.4.1). 6.5-6.23 follow
// Markus Kuhn's UTF-8 decoder stress test, in Autobahn's order and numbering.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"
#include "harness/codec/encoder.hpp"

namespace wsconform::cases {

namespace {

// "κόσμε": code points end after bytes 2, 5, 7, 9 and 11.
const bytes kosme = codec::hex("ce ba e1 bd b9 cf 83 ce bc ce b5");
const bytes hello_utf8 =
    codec::to_bytes("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!");

struct vector_entry {
    bool valid;
    bytes payload;
};

struct vector_group {
    std::string title;
    std::vector<vector_entry> entries;
};

bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

vector_entry valid(std::string_view hex) {
    return {true, codec::hex(hex)};
}
vector_entry invalid(std::string_view hex) {
    return {false, codec::hex(hex)};
}

/// The 19 groups of 6.5-6.23, in order; validity is stated, not computed, so a validator bug
/// cannot hide in the expectations (the unit tests check our validator agrees).
std::vector<vector_group> kuhn_groups() {
    std::vector<vector_group> g;
    g.push_back({"Some valid UTF-8 sequences",
                 {{true, codec::to_bytes("hello$world")},
                  {true, codec::to_bytes("hello\xc2\xa2world")},
                  {true, codec::to_bytes("hello\xe2\x82\xacworld")},
                  {true, codec::to_bytes("hello\xf0\xa4\xad\xa2world")},
                  {true, kosme}}});
    vector_group prefixes{
        "All prefixes of a valid UTF-8 string that contains multi-byte code points", {}};
    for (std::size_t n = 1; n <= kosme.size(); ++n) {
        bool boundary = n == 2 || n == 5 || n == 7 || n == 9 || n == 11;
        prefixes.entries.push_back(
            {boundary, bytes(kosme.begin(), kosme.begin() + static_cast<std::ptrdiff_t>(n))});
    }
    g.push_back(std::move(prefixes));
    g.push_back({"First possible sequence of a certain length",
                 {valid("00"), valid("c2 80"), valid("e0 a0 80"), valid("f0 90 80 80")}});
    g.push_back({"First possible sequence length 5/6 (invalid codepoints)",
                 {invalid("f8 88 80 80 80"), invalid("fc 84 80 80 80 80")}});
    g.push_back({"Last possible sequence of a certain length",
                 {valid("7f"), valid("df bf"), valid("ef bf bf"), valid("f4 8f bf bf")}});
    g.push_back(
        {"Last possible sequence length 4/5/6 (invalid codepoints)",
         {invalid("f7 bf bf bf"), invalid("fb bf bf bf bf"), invalid("fd bf bf bf bf bf")}});
    g.push_back({"Other boundary conditions",
                 {valid("ed 9f bf"), valid("ee 80 80"), valid("ef bf bd"), valid("f4 8f bf bf"),
                  invalid("f4 90 80 80")}});
    vector_group continuation{"Unexpected continuation bytes",
                              {invalid("80"), invalid("bf"), invalid("80 bf"), invalid("80 bf 80"),
                               invalid("80 bf 80 bf"), invalid("80 bf 80 bf 80"),
                               invalid("80 bf 80 bf 80 bf")}};
    bytes all_continuations;
    for (int b = 0x80; b < 0xbf; ++b) // 0x80-0xBE, as Autobahn generates it
        all_continuations.push_back(static_cast<codec::byte>(b));
    continuation.entries.push_back({false, all_continuations});
    g.push_back(std::move(continuation));
    vector_group lonely{"Lonely start characters", {}};
    for (auto [lo, hi] :
         {std::pair{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}}) {
        bytes s;
        for (int b = lo; b < hi; ++b) { // each lead byte followed by a space
            s.push_back(static_cast<codec::byte>(b));
            s.push_back(0x20);
        }
        lonely.entries.push_back({false, s});
    }
    g.push_back(std::move(lonely));
    const std::vector<std::string_view> truncated = {
        "c0", "e0 80", "f0 80 80", "f8 80 80 80", "fc 80 80 80 80",
        "df", "ef bf", "f7 bf bf", "fb bf bf bf", "fd bf bf bf bf"};
    vector_group missing{"Sequences with last continuation byte missing", {}};
    bytes all_truncated;
    for (auto t : truncated) {
        missing.entries.push_back(invalid(t));
        auto b = codec::hex(t);
        all_truncated.insert(all_truncated.end(), b.begin(), b.end());
    }
    g.push_back(std::move(missing));
    g.push_back({"Concatenation of incomplete sequences", {{false, all_truncated}}});
    g.push_back({"Impossible bytes", {invalid("fe"), invalid("ff"), invalid("fe fe ff ff")}});
    g.push_back({"Examples of an overlong ASCII character",
                 {invalid("c0 af"), invalid("e0 80 af"), invalid("f0 80 80 af"),
                  invalid("f8 80 80 80 af"), invalid("fc 80 80 80 80 af")}});
    g.push_back({"Maximum overlong sequences",
                 {invalid("c1 bf"), invalid("e0 9f bf"), invalid("f0 8f bf bf"),
                  invalid("f8 87 bf bf bf"), invalid("fc 83 bf bf bf bf")}});
    g.push_back({"Overlong representation of the NUL character",
                 {invalid("c0 80"), invalid("e0 80 80"), invalid("f0 80 80 80"),
                  invalid("f8 80 80 80 80"), invalid("fc 80 80 80 80 80")}});
    g.push_back(
        {"Single UTF-16 surrogates",
         {invalid("ed a0 80"), invalid("ed ad bf"), invalid("ed ae 80"), invalid("ed af bf"),
          invalid("ed b0 80"), invalid("ed be 80"), invalid("ed bf bf")}});
    g.push_back(
        {"Paired UTF-16 surrogates",
         {invalid("ed a0 80 ed b0 80"), invalid("ed a0 80 ed bf bf"), invalid("ed ad bf ed b0 80"),
          invalid("ed ad bf ed bf bf"), invalid("ed ae 80 ed b0 80"), invalid("ed ae 80 ed bf bf"),
          invalid("ed af bf ed b0 80"), invalid("ed af bf ed bf bf")}});
    vector_group nonchars{"Non-character code points (valid UTF-8)",
                          {valid("ef bf be"), valid("ef bf bf")}};
    for (codec::byte z1 : {0xf0, 0xf1, 0xf2, 0xf3, 0xf4}) {
        for (codec::byte z2 : {0x8f, 0x9f, 0xaf, 0xbf}) {
            if (z1 == 0xf4 && z2 != 0x8f)
                continue; // beyond U+10FFFF
            if (z1 == 0xf0 && z2 == 0x8f)
                continue; // overlong
            for (codec::byte z3 : {0xbe, 0xbf})
                nonchars.entries.push_back({true, {z1, z2, 0xbf, z3}});
        }
    }
    g.push_back(std::move(nonchars));
    g.push_back({"Unicode specials (i.e. replacement char)",
                 {valid("ef bf b9"), valid("ef bf ba"), valid("ef bf bb"), valid("ef bf bc"),
                  valid("ef bf bd"), valid("ef bf be"), valid("ef bf bf")}});
    return g;
}

case_def base(std::string id, std::string subgroup, std::string title, std::string expectation) {
    return make_case({std::move(id), "UTF-8 Handling", std::move(subgroup), std::move(title),
                      std::move(expectation), "RFC 6455 8.1"});
}

/// The peer must notice the bad UTF-8 itself and fail with 1007 (if we have to close, the
/// case fails).
runner::close_expectation peer_fails_1007() {
    auto e = peer_fails({1007});
    e.wrong_endpoint_is_fatal = true;
    return e;
}

} // namespace

void add_utf8_cases(std::vector<case_def>& out) {
    const std::string echoed = "The message is echoed back unchanged; clean close.";
    const std::string fail_1007 =
        "The connection is failed immediately with 1007 (or a TCP drop): the payload is not "
        "valid UTF-8.";

    // 6.1 empty payloads and fragments
    const std::string sub61 = "Valid UTF-8 with zero payload fragments";
    auto c611 = base("6.1.1", sub61, "Send a text message of length 0", echoed);
    c611.script = {send(data_frame(opcode::text, bytes{})), close_after(1)};
    c611.expected = {ok({runner::text_message("")})};
    auto c612 =
        base("6.1.2", sub61, "Send a text message in 3 fragments, each of length 0", echoed);
    c612.script = {send({data_frame(opcode::text, bytes{}, false),
                         data_frame(opcode::continuation, bytes{}, false),
                         data_frame(opcode::continuation, bytes{}, true)}),
                   close_after(1)};
    c612.expected = {ok({runner::text_message("")})};
    auto c613 = base("6.1.3", sub61,
                     "Send a text message in 3 fragments, the first and last empty, the middle not",
                     "The middle fragment's payload is echoed as one message; clean close.");
    c613.script = {send({data_frame(opcode::text, bytes{}, false),
                         data_frame(opcode::continuation, "middle frame payload", false),
                         data_frame(opcode::continuation, bytes{}, true)}),
                   close_after(1)};
    c613.expected = {ok({runner::text_message("middle frame payload")})};
    for (auto* c : {&c611, &c612, &c613}) {
        c->close = tester_closes();
        out.push_back(std::move(*c));
    }

    // 6.2 valid UTF-8, fragmented on and within code points
    const std::string sub62 =
        "Valid UTF-8 unfragmented, fragmented on code-points and within code-points";
    struct valid_case {
        const char* id;
        const char* title;
        std::vector<frame> frames;
        bytes message;
    };
    std::vector<valid_case> valids;
    valids.push_back({"6.2.1",
                      "Send a valid UTF-8 text message in one frame",
                      {data_frame(opcode::text, hello_utf8)},
                      hello_utf8});
    valids.push_back(
        {"6.2.2",
         "Send a valid UTF-8 text message in 2 fragments split on a code-point boundary",
         {data_frame(opcode::text, bytes(hello_utf8.begin(), hello_utf8.begin() + 15), false),
          data_frame(opcode::continuation, bytes(hello_utf8.begin() + 15, hello_utf8.end()), true)},
         hello_utf8});
    valids.push_back(
        {"6.2.3", "Send a valid UTF-8 text message in 1-octet fragments (splitting code points)",
         fragmented(opcode::text, hello_utf8, 1), hello_utf8});
    valids.push_back({"6.2.4",
                      "Send the text message 'κόσμε' in 1-octet fragments (splitting code points)",
                      fragmented(opcode::text, kosme, 1), kosme});
    for (auto& v : valids) {
        auto c = base(v.id, sub62, v.title, echoed);
        c.script = {send(std::move(v.frames)), close_after(1)};
        c.expected = {ok({runner::text_message(v.message)})};
        c.close = tester_closes();
        out.push_back(std::move(c));
    }

    // 6.3 invalid UTF-8 (a surrogate) whole and in 1-octet fragments
    const bytes surrogate_msg = concat({kosme, codec::hex("ed a0 80"), codec::to_bytes("edited")});
    const std::string sub63 = "Invalid UTF-8 differently fragmented";
    for (auto [id, size] :
         {std::pair{"6.3.1", std::size_t{0}}, std::pair{"6.3.2", std::size_t{1}}}) {
        auto c = base(id, sub63,
                      size ? "Send an invalid UTF-8 text message (a surrogate) in 1-octet fragments"
                           : "Send an invalid UTF-8 text message (a surrogate) in one frame",
                      fail_1007);
        c.script = {send(size ? fragmented(opcode::text, surrogate_msg, size)
                              : std::vector<frame>{data_frame(opcode::text, surrogate_msg)}),
                    kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_fails_1007();
        out.push_back(std::move(c));
    }

    // 6.4 fail fast: valid part, 1 s, the invalidating part, 1 s, the rest. OK when the peer
    // fails right after the bad bytes; NON-STRICT when it waits for the end of the message.
    const std::string sub64 = "Fail-fast on invalid UTF-8";
    const bytes bad = concat({kosme, codec::hex("f4 90 80 80"), codec::to_bytes("edited")});
    struct split {
        std::size_t first, second; // the three parts are [0,first) [first,second) [second,end)
    };
    const split at_codepoint{11, 15}; // parts: κόσμε | F4 90 80 80 | edited
    const split at_bad_byte{12, 13};  // parts: κόσμε F4 | 90 | 80 80 edited
    const std::string fast =
        "The connection is failed with 1007 right after the invalidating part (OK), or at the "
        "latest when the message ends (NON-STRICT).";
    auto part = [&](split s, int i) {
        auto b = bad.begin();
        std::size_t from = i == 0 ? 0 : i == 1 ? s.first : s.second;
        std::size_t to = i == 0 ? s.first : i == 1 ? s.second : bad.size();
        return bytes(b + static_cast<std::ptrdiff_t>(from), b + static_cast<std::ptrdiff_t>(to));
    };
    int n = 1;
    for (split s : {at_codepoint, at_bad_byte}) {
        auto c =
            base("6.4." + std::to_string(n++), sub64,
                 "Send an invalid text message in 3 frames with 1 s pauses; the 2nd frame makes "
                 "it invalid" +
                     std::string(s.first == 12 ? " with its single octet" : ""),
                 fast);
        c.script = {
            send(data_frame(opcode::text, part(s, 0), false)),         wait_then_mark(1, "A"),
            send(data_frame(opcode::continuation, part(s, 1), false)), wait_then_mark(1, "B"),
            send(data_frame(opcode::continuation, part(s, 2), true)),  kill_after(1)};
        c.expected = {ok({runner::timeout_marker("A")}),
                      non_strict({runner::timeout_marker("A"), runner::timeout_marker("B")})};
        c.close = peer_fails_1007();
        out.push_back(std::move(c));
    }
    for (split s : {at_codepoint, at_bad_byte}) {
        // One frame (FIN = 0, all 21 payload bytes declared) whose octets go out in 3 chops,
        // then an empty final continuation frame, as Autobahn sends it. The mask key is fixed
        // so the chops can be cut from one encoded frame (unmasked when we are the server).
        frame whole = data_frame(opcode::text, bad, false);
        whole.masked = true;
        whole.key = {0x5a, 0x3c, 0x96, 0xe1};
        auto cut = [&](std::size_t from, std::size_t to) {
            return runner::send_raw{{},
                                    one_write,
                                    from == 0 ? std::optional(whole) : std::nullopt,
                                    runner::frame_piece{whole, from == 0, from, to}};
        };
        auto c = base("6.4." + std::to_string(n++), sub64,
                      "Send an invalid text message as one frame whose octets go out in 3 chops "
                      "with 1 s pauses; the 2nd chop makes it invalid" +
                          std::string(s.first == 12 ? " with its single octet" : ""),
                      fast);
        c.script = {cut(0, s.first),
                    wait_then_mark(1, "A"),
                    cut(s.first, s.second),
                    wait_then_mark(1, "B"),
                    cut(s.second, bad.size()),
                    send(data_frame(opcode::continuation, bytes{}, true)),
                    kill_after(1)};
        c.expected = {ok({runner::timeout_marker("A")}),
                      non_strict({runner::timeout_marker("A"), runner::timeout_marker("B")})};
        c.close = peer_fails_1007();
        out.push_back(std::move(c));
    }

    // 6.5-6.23: one text frame per vector; valid ones are echoed, invalid ones fail with 1007.
    int sub = 5;
    for (const auto& group : kuhn_groups()) {
        int j = 0;
        for (const auto& v : group.entries) {
            auto c = base("6." + std::to_string(sub) + "." + std::to_string(++j), group.title,
                          std::string("Send a text message whose payload is ") +
                              (v.valid ? "valid" : "not valid") + " UTF-8, in one frame: 0x" +
                              codec::to_hex(v.payload),
                          v.valid ? echoed : fail_1007);
            c.script = {send(data_frame(opcode::text, v.payload)), kill_after(0.5)};
            if (v.valid) {
                c.expected = {ok({runner::text_message(v.payload)})};
                c.close = tester_closes();
            } else {
                c.expected = {ok({})};
                c.close = peer_fails_1007();
            }
            out.push_back(std::move(c));
        }
        ++sub;
    }
}

void add_utf8_beyond_autobahn_cases(std::vector<case_def>& out) {
    const std::string echoed = "The message is echoed back unchanged; clean close.";
    // U.1 beyond Autobahn: a text message that only ends with its empty final fragment.
    // Beast 1.81 skips its end-of-message check then (found by wsconform fuzz-live).
    const std::string subu1 = "Text message completed by an empty final fragment";
    auto u11 = base("U.1.1", subu1,
                    "Send a text message in 2 fragments: 'Hello ' and the first octet of a "
                    "2-octet code point (0xce), then an empty final fragment",
                    "The connection is failed with 1007 (or a TCP drop) when the empty final "
                    "fragment ends the message inside a code point.");
    u11.script = {send({data_frame(opcode::text, codec::hex("48 65 6c 6c 6f 20 ce"), false),
                        data_frame(opcode::continuation, bytes{}, true)}),
                  kill_after(1)};
    u11.expected = {ok({})};
    u11.close = peer_fails_1007();
    u11.musts = {must("RFC 6455 8.1", "When an endpoint is to interpret a byte stream as UTF-8 "
                                      "but finds that the byte stream is not, in fact, a valid "
                                      "UTF-8 stream, that endpoint MUST _Fail the WebSocket "
                                      "Connection_.")};
    auto u12 = base("U.1.2", subu1,
                    "Send a valid text message in 2 fragments: 'Hello κόσμε', then an empty "
                    "final fragment",
                    echoed);
    const bytes kosme = codec::hex("48 65 6c 6c 6f 20 ce ba e1 bd b9 cf 83 ce bc ce b5");
    u12.script = {send({data_frame(opcode::text, kosme, false),
                        data_frame(opcode::continuation, bytes{}, true)}),
                  close_after(1)};
    u12.expected = {ok({runner::text_message(kosme)})};
    u12.close = tester_closes();
    u12.musts = {parse_frames};
    out.push_back(std::move(u11));
    out.push_back(std::move(u12));
}

} // namespace wsconform::cases
