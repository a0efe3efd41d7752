// B.1: limits towards a client (RFC 6455 §5.2, §10.4, RFC 7692 with §10.4). For clients only:
// the hostile inputs a server can send a client that trusts it. A limit itself is a SHOULD
// (§10.4: "Such an implementation SHOULD impose a limit on frame sizes and the total message
// size after reassembly from multiple frames"), so having none is NON-STRICT or INFORMATIONAL;
// what FAILS is a client that breaks a MUST, and, in exec mode, one that crashes or has to be
// killed (judged with how its process ended).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"
#include "cases/loads.hpp"

namespace wsconform::cases {

namespace {

const runner::requirement length_msb =
    must("RFC 6455 5.2", "If 127, the following 8 bytes interpreted as a 64-bit unsigned integer "
                         "(the most significant bit MUST be 0) are the payload length.");

/// One piece of an unmasked binary frame declaring `declared` payload octets (a server's frame,
/// RFC 6455 §5.1: "A server MUST NOT mask any frames"): the header alone, or payload octets.
step piece_of(const frame& whole, bool header, std::size_t from, std::size_t to) {
    return runner::send_raw{
        {}, one_write, std::nullopt, runner::frame_piece{whole, header, from, to}};
}

} // namespace

void add_client_limit_cases(std::vector<case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation, std::string rfc) {
        auto c = make_case({std::move(id), "Client: limits", "", std::move(title),
                            std::move(expectation), std::move(rfc)});
        c.clients_only = true;
        return c;
    };

    {
        auto c = make("B.1.1",
                      "Send a binary frame header declaring 2^63-1 bytes, then trickle payload "
                      "octets (10 over 1 s)",
                      "The client fails the connection (1009 or 1002, or a TCP drop: OK; another "
                      "code: NON-STRICT) or keeps waiting for the payload (NON-STRICT: a limit is "
                      "a SHOULD, RFC 6455 10.4; the tester drops TCP after 3 s). Crashing FAILS.",
                      "RFC 6455 5.2, 10.4");
        frame f = data_frame(opcode::binary, bytes(10, 'x'));
        f.form = codec::length_form::len64;
        f.declared_length = (std::uint64_t{1} << 63) - 1;
        c.script = {piece_of(f, true, 0, 0)};
        for (std::size_t i = 0; i < 10; ++i) {
            c.script.push_back(wait(0.1));
            c.script.push_back(piece_of(f, false, i, i + 1));
        }
        // A Close now would be read as payload of the declared frame.
        c.script.push_back(drop_after(3));
        c.expected = {ok({}),
                      outcome(runner::verdict::non_strict, {}, tester_ended(),
                              "the client kept waiting for the payload of a 2^63-1-byte frame: "
                              "it has no frame-size limit (RFC 6455 10.4: it SHOULD impose one)")};
        c.close = peer_closes({1009, 1002});
        c.musts = {validate_input};
        out.push_back(std::move(c));
    }
    {
        auto c = make(
            "B.1.2", "Send a binary frame whose 64-bit length has the most significant bit set",
            "The client fails the connection (1002 or 1009, or a TCP drop).", "RFC 6455 5.2");
        frame f = data_frame(opcode::binary, codec::to_bytes("12345"));
        f.form = codec::length_form::len64;
        f.declared_length = (std::uint64_t{1} << 63) | 5;
        c.script = {piece_of(f, true, 0, 5), drop_after(3)};
        c.expected = {ok({})};
        c.close = peer_closes({1002, 1009});
        c.musts = {length_msb, validate_input};
        out.push_back(std::move(c));
    }

    // Decompression bombs (the class of CVE-2018-1000518): 1 GiB of zeros in about 1 MiB. A
    // client must bound what it inflates, not what it receives.
    const bytes& bomb = deflate_bomb();
    auto bomb_case = [&](std::string id, std::string title, std::vector<frame> frames) {
        auto c = make(std::move(id), std::move(title),
                      "The client stops inflating at its message limit and closes with 1009 (OK; "
                      "another code NON-STRICT). Echoing the message, or neither echoing nor "
                      "closing within 10 s, is NON-STRICT (a limit is a SHOULD, RFC 6455 10.4); "
                      "crashing FAILS. UNIMPLEMENTED when it offers no permessage-deflate.",
                      "RFC 7692 7.2.2; RFC 6455 7.4.1, 10.4");
        add_decompression_bomb(c, "client", std::move(frames));
        return c;
    };
    out.push_back(bomb_case("B.1.3",
                            "Send one compressed binary frame of " + std::to_string(bomb.size()) +
                                " bytes that inflates to 1 GiB of zeros",
                            {data_frame(opcode::binary, bomb, true, 4)}));
    {
        // Only the first fragment carries RSV1 (RFC 7692 §6.1): a client that checks each frame,
        // not the whole message, lets it through.
        auto frames = fragmented(opcode::binary, bomb, 16 * 1024);
        frames.front().rsv = 4;
        auto title = "Send the same 1 GiB decompression bomb as " + std::to_string(frames.size()) +
                     " fragments of 16 KiB";
        out.push_back(bomb_case("B.1.4", std::move(title), std::move(frames)));
    }
    {
        constexpr std::uint64_t size = 32ull << 20;
        auto c = make("B.1.5",
                      "Send a binary message of 32 MiB in one frame, above the limit of most "
                      "clients",
                      "The client refuses it cleanly (close 1009, or 1008/1011/1013: OK) or "
                      "echoes it unchanged within 60 s (OK: its limit is higher); crashing or "
                      "neither FAILS.",
                      "RFC 6455 7.4.1, 10.4");
        c.script = {runner::close_after{runner::seconds(60)},
                    runner::echo_stream{.op = opcode::binary, .size = size, .pattern = {0xfe}}};
        c.refusal_codes = load_refusals();
        c.musts = {validate_input};
        c.loads_target = true;
        out.push_back(std::move(c));
    }
    {
        auto c = make("B.1.6", "Send 10,000 pings back to back in one write",
                      "Pongs in order ending with the last ping's (a client may answer only the "
                      "most recent ping, RFC 6455 5.5.3), or a clean refusal "
                      "(1008/1009/1011/1013); the last ping never answered FAILS; answering "
                      "after more than 5 s is INFORMATIONAL (a stall).",
                      "RFC 6455 5.5.2, 5.5.3, 10.4");
        add_ping_flood(c);
        out.push_back(std::move(c));
    }
    {
        auto c = make("B.1.7", "Send one text message as 100,000 one-byte fragments in one write",
                      "The 100,000-byte message is echoed, or a clean refusal "
                      "(1008/1009/1011/1013).",
                      "RFC 6455 5.4, 10.4");
        add_fragment_flood(c, 10);
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
