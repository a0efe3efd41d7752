// [L] Limits, where Autobahn has no case: frame lengths a server must not trust (RFC 6455 §5.2:
// the 64-bit length's most significant bit MUST be 0; §10.4: implementations SHOULD impose
// limits) and the minimal length encoding (§5.2: "the minimal number of bytes MUST be used").
// After each case a fresh connection must still get an echo: the server survived.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"
#include "cases/loads.hpp"
#include "harness/codec/encoder.hpp"

namespace wsconform::cases {

namespace {

/// A masked frame header (and payload) with exactly this length field, as wire bytes.
bytes frame_bytes(opcode op, bytes payload, codec::length_form form,
                  std::optional<std::uint64_t> declared = std::nullopt) {
    frame f = data_frame(op, std::move(payload));
    f.form = form;
    f.declared_length = declared;
    f.masked = true;
    f.key = {0x0f, 0x1e, 0x2d, 0x3c};
    return codec::encode(f);
}

// The requirements these cases enforce. A limit itself is only a SHOULD (§10.4: "Such an
// implementation SHOULD impose a limit on frame sizes and the total message size after
// reassembly from multiple frames."), so having none is NON-STRICT or INFORMATIONAL; what FAILS
// is a server that stops serving, or that neither handles nor rejects valid frames.
const runner::requirement length_msb =
    must("RFC 6455 5.2", "If 127, the following 8 bytes interpreted as a 64-bit unsigned integer "
                         "(the most significant bit MUST be 0) are the payload length.");

} // namespace

void add_limit_cases(std::vector<case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation, std::string rfc) {
        auto c = make_case({std::move(id), "Limits", "", std::move(title), std::move(expectation),
                            std::move(rfc)});
        c.check_alive_after = true;
        return c;
    };

    {
        auto c = make("L.1",
                      "Send a binary frame header declaring 2^63-1 bytes, then trickle payload "
                      "octets (10 over 1 s)",
                      "The server fails the connection (1009 or 1002, or a TCP drop: OK; another "
                      "code: NON-STRICT) or keeps waiting for the payload (NON-STRICT: a limit is "
                      "a SHOULD, RFC 6455 10.4; the tester drops TCP after 3 s); either way it "
                      "serves the next connection.",
                      "RFC 6455 5.2, 10.4");
        c.script = {send_bytes(frame_bytes(opcode::binary, {}, codec::length_form::len64,
                                           (std::uint64_t{1} << 63) - 1))};
        for (int i = 0; i < 10; ++i) {
            c.script.push_back(wait(0.1));
            c.script.push_back(send_bytes(codec::to_bytes("x")));
        }
        // A Close now would be read as payload of the declared frame: the case ends by
        // dropping TCP.
        c.script.push_back(drop_after(3));
        c.expected = {ok({}),
                      outcome(runner::verdict::non_strict, {}, tester_ended(),
                              "the server kept waiting for the payload of a 2^63-1-byte frame: "
                              "it has no frame-size limit (RFC 6455 10.4: it SHOULD impose one)")};
        c.close = peer_closes({1009, 1002});
        c.musts = {validate_input};
        out.push_back(std::move(c));
    }
    {
        auto c =
            make("L.2", "Send a binary frame whose 64-bit length has the most significant bit set",
                 "The server fails the connection (1002 or 1009, or a TCP drop) and serves the "
                 "next connection.",
                 "RFC 6455 5.2");
        c.script = {
            send_bytes(frame_bytes(opcode::binary, codec::to_bytes("12345"),
                                   codec::length_form::len64, (std::uint64_t{1} << 63) | 5)),
            drop_after(3)};
        c.expected = {ok({})};
        c.close = peer_closes({1002, 1009});
        c.musts = {length_msb, validate_input};
        out.push_back(std::move(c));
    }

    // Non-minimal length encodings. The MUST in §5.2 binds the sender; the RFC does not say
    // what the receiver must do. We judge failing the connection OK (the frame is malformed)
    // and accepting it NON-STRICT (liberal, and what many servers do), so a server is never
    // FAILED for leniency, but the report shows it.
    struct non_minimal {
        const char* id;
        const char* title;
        opcode op;
        bytes payload;
        codec::length_form form;
    };
    const non_minimal cases[] = {
        {"L.3", "Send a 5-byte text frame with its length in the 16-bit form", opcode::text,
         codec::to_bytes("Hello"), codec::length_form::len16},
        {"L.4", "Send a 5-byte text frame with its length in the 64-bit form", opcode::text,
         codec::to_bytes("Hello"), codec::length_form::len64},
        {"L.5", "Send a 200-byte binary frame with its length in the 64-bit form", opcode::binary,
         bytes(200, 0xfe), codec::length_form::len64},
        {"L.6", "Send a 4-byte ping with its length in the 16-bit form", opcode::ping,
         codec::to_bytes("ping"), codec::length_form::len16},
    };
    for (const auto& n : cases) {
        auto c = make(n.id, n.title,
                      "The connection is failed with 1002 (OK); accepting the frame is NON-STRICT.",
                      "RFC 6455 5.2");
        c.script = {send_bytes(frame_bytes(n.op, n.payload, n.form)), close_after(0.5)};
        event accepted = n.op == opcode::ping   ? runner::pong(n.payload)
                         : n.op == opcode::text ? runner::text_message(n.payload)
                                                : runner::binary_message(n.payload);
        // Accepting: we close after 0.5 s with an empty Close; any answer code is fine.
        auto lenient = tester_closes({1000});
        c.expected = {ok({}), non_strict({accepted}, lenient)};
        c.close = peer_closes({1002});
        // Handled or rejected, one of the two: ignoring the frame is neither.
        c.musts = {parse_frames, validate_input};
        out.push_back(std::move(c));
    }

    // Floods: the server keeps up (every reply, in order) or refuses cleanly, and survives.
    {
        auto c = make("L.7", "Send 10,000 pings back to back in one write",
                      "Pongs in order ending with the last ping's (a server may answer only the "
                      "most recent ping, RFC 6455 5.5.3), or a clean refusal "
                      "(1008/1009/1011/1013); the last ping never answered FAILS; answering "
                      "after more than 5 s is INFORMATIONAL (a stall); the server serves the "
                      "next connection.",
                      "RFC 6455 5.5.2, 5.5.3, 10.4");
        add_ping_flood(c);
        c.tags = {"slow"};
        out.push_back(std::move(c));
    }
    {
        auto c = make("L.8", "Send one text message as 100,000 one-byte fragments in one write",
                      "The 100,000-byte message is echoed, or a clean refusal "
                      "(1008/1009/1011/1013); the server serves the next connection.",
                      "RFC 6455 5.4, 10.4");
        add_fragment_flood(c, 5);
        c.tags = {"slow"};
        out.push_back(std::move(c));
    }
    {
        auto c = make("L.9",
                      "Find the largest binary message the server echoes (doubling from 1 MiB, "
                      "then bisecting to the byte; bounded at 64 MiB)",
                      "A limit exists and a message beyond it is refused with close 1009 (OK; "
                      "the record gives the limit); another code or a drop is NON-STRICT; no "
                      "limit up to 64 MiB is INFORMATIONAL.",
                      "RFC 6455 7.4.1, 10.4");
        c.run_as = runner::size_limit_search{};
        c.tags = {"slow"};
        c.musts = {parse_frames, validate_input};
        out.push_back(std::move(c));
    }
    {
        auto c = make("L.10",
                      "Open 1,000 connections at once; once all are open, each sends a text "
                      "message",
                      "INFORMATIONAL, with the counts (no MUST covers capacity): how many "
                      "connections got their echo, were refused cleanly (an HTTP error, a "
                      "refused TCP connect, or close 1008/1011/1013) or neither; whether the "
                      "server serves the next connection within 1 s.",
                      "RFC 6455 10.4");
        c.run_as = runner::connection_crowd{1000};
        c.script = {runner::wait_for_crowd{}, send(data_frame(opcode::text, "crowd member")),
                    kill_after(10)};
        c.expected = {ok({runner::text_message("crowd member")})};
        c.close = tester_closes();
        c.handshake.what = runner::handshake_expectation::rule::may_refuse;
        c.refusal_codes = {1008, 1011, 1013};
        c.tags = {"slow"};
        out.push_back(std::move(c));
    }

    // Decompression bombs (RFC 7692 with RFC 6455 §10.4): DEFLATE's best ratio is about
    // 1032:1, so 1 GiB of zeros takes about 1 MiB on the wire. A server must bound what it
    // inflates, not what it receives.
    const bytes& bomb = deflate_bomb();
    auto bomb_case = [&](std::string id, std::string title, std::vector<frame> frames) {
        auto c = make(std::move(id), std::move(title),
                      "The server stops inflating at its message limit and closes with 1009 (OK; "
                      "another code NON-STRICT), then serves the next connection. Echoing the "
                      "message, or neither echoing nor closing within 10 s, is NON-STRICT (a "
                      "limit is a SHOULD, RFC 6455 10.4); dying FAILS. UNIMPLEMENTED when it does "
                      "not negotiate permessage-deflate.",
                      "RFC 7692 7.2.2; RFC 6455 7.4.1, 10.4");
        add_decompression_bomb(c, "server", std::move(frames));
        return c;
    };
    {
        auto f = data_frame(opcode::binary, bomb, true, 4); // RSV1: compressed
        out.push_back(bomb_case("L.11",
                                "Send one compressed binary frame of " +
                                    std::to_string(bomb.size()) +
                                    " bytes that inflates to 1 GiB of zeros",
                                {std::move(f)}));
    }
    {
        // The same bomb in 16 KiB fragments: only the first carries RSV1 (RFC 7692 §6.1). A
        // server that checks each frame, not the whole message, lets it through.
        auto frames = fragmented(opcode::binary, bomb, 16 * 1024);
        frames.front().rsv = 4;
        // Named before the call: the frames are moved into it.
        auto title = "Send the same 1 GiB decompression bomb as " + std::to_string(frames.size()) +
                     " fragments of 16 KiB";
        out.push_back(bomb_case("L.12", std::move(title), std::move(frames)));
    }
}

} // namespace wsconform::cases
