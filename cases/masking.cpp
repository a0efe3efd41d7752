// [M] Masking, where Autobahn has no case: a server MUST close the connection when a client
// frame is not masked (RFC 6455 §5.1), and any 32-bit key is valid, a new one per frame, even
// one that reaches the server across several TCP segments (§5.3).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"
#include "harness/codec/encoder.hpp"

namespace wsconform::cases {

void add_masking_cases(std::vector<case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation, std::string rfc) {
        return make_case({std::move(id), "Masking", "", std::move(title), std::move(expectation),
                          std::move(rfc)});
    };
    const std::string fail_now =
        "The server closes the connection without acting on the frame: with 1002, no code or a "
        "TCP drop (OK), with another code (NON-STRICT: the 1002 is a MAY). Echoing, answering "
        "or otherwise acting on the frame, or keeping the connection open, FAILS.";
    const auto close_unmasked = must(
        "RFC 6455 5.1", "The server MUST close the connection upon receiving a frame that is not "
                        "masked. In this case, a server MAY send a Close frame with a status code "
                        "of 1002 (protocol error) as defined in Section 7.4.1.");
    const auto unmask = must("RFC 6455 6.2", "A server MUST remove masking for data frames "
                                             "received from a client as described in Section "
                                             "5.3.");

    int n = 0;
    for (const auto& u : one_frame_of_each_kind()) {
        auto c = make("M." + std::to_string(++n), std::string("Send an unmasked ") + u.what,
                      fail_now, "RFC 6455 5.1");
        c.script = {runner::send_frames{{u.f}, one_write, true}, kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_closes({1002}); // §5.1: the MUST is to close, the 1002 a MAY
        c.musts = {close_unmasked};
        out.push_back(std::move(c));
    }
    {
        auto c = make("M.5", "Send a masked first fragment, then an unmasked final fragment",
                      fail_now, "RFC 6455 5.1");
        c.script = {send(data_frame(opcode::text, "fragment1", false)),
                    runner::send_frames{
                        {data_frame(opcode::continuation, "fragment2", true)}, one_write, true},
                    kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_closes({1002}); // §5.1: the MUST is to close, the 1002 a MAY
        c.musts = {close_unmasked};
        out.push_back(std::move(c));
    }
    {
        auto c =
            make("M.6", "Send a text message masked with the all-zero key",
                 "The message is echoed (a zero key is a valid key); clean close.", "RFC 6455 5.3");
        frame f = data_frame(opcode::text, hello_world);
        f.masked = true;
        f.key = {0, 0, 0, 0};
        c.script = {send(f), kill_after(1)};
        c.expected = {ok({runner::text_message(hello_world)})};
        c.close = tester_closes();
        c.musts = {unmask};
        out.push_back(std::move(c));
    }
    {
        auto c = make("M.7", "Send a message in 4 fragments, each masked with a different key",
                      "The reassembled message is echoed; clean close.", "RFC 6455 5.3");
        const codec::mask_key keys[] = {
            {1, 2, 3, 4}, {0xff, 0xee, 0xdd, 0xcc}, {0x80, 0, 0x7f, 1}, {0x55, 0xaa, 0x55, 0xaa}};
        std::vector<frame> parts;
        const char* payloads[] = {"one ", "two ", "three ", "four"};
        for (int i = 0; i < 4; ++i) {
            frame f = data_frame(i == 0 ? opcode::text : opcode::continuation, payloads[i], i == 3);
            f.masked = true;
            f.key = keys[i];
            parts.push_back(f);
        }
        c.script = {send(parts), kill_after(1)};
        c.expected = {ok({runner::text_message("one two three four")})};
        c.close = tester_closes();
        c.musts = {unmask};
        out.push_back(std::move(c));
    }
    {
        auto c = make("M.8", "Send a text frame whose masking key is split across two writes",
                      "The message is echoed; clean close.", "RFC 6455 5.3");
        frame f = data_frame(opcode::text, hello_world);
        f.masked = true;
        f.key = {0x12, 0x34, 0x56, 0x78};
        auto wire = codec::encode(f);
        // Header byte 0-1, then two bytes of the key | the other two and the payload.
        c.script = {send_bytes(bytes(wire.begin(), wire.begin() + 4), one_write, f), wait(0.05),
                    send_bytes(bytes(wire.begin() + 4, wire.end())), kill_after(1)};
        c.expected = {ok({runner::text_message(hello_world)})};
        c.close = tester_closes();
        c.musts = {unmask};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
