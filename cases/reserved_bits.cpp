// [3] Reserved bits: RSV1-3 MUST be 0 unless an extension defines them; the receiver MUST fail
// the connection otherwise (RFC 6455 §5.2).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

void add_reserved_bits_cases(std::vector<case_def>& out) {
    auto make = [&](std::string id, std::string title, std::vector<step> script,
                    std::vector<runner::expected_outcome> expected, std::string expectation) {
        auto c = make_case({std::move(id), "Reserved Bits", "", std::move(title),
                            std::move(expectation), "RFC 6455 5.2"});
        c.script = std::move(script);
        c.script.push_back(kill_after(1));
        c.expected = std::move(expected);
        c.close = peer_fails();
        out.push_back(std::move(c));
    };
    const std::string fail_now = "The connection is failed immediately (1002 or TCP drop).";
    const std::string echo_then_fail =
        "The first message is echoed (OK) or not (NON-STRICT), then the connection is failed; "
        "no pong is received.";

    make("3.1", "Send a small text message with RSV = 1",
         {send(data_frame(opcode::text, hello_world, true, 1))}, {ok({})}, fail_now);

    struct trio {
        const char* id;
        std::uint8_t rsv;
        write_plan plan;
        const char* how;
    };
    for (const auto& t : {trio{"3.2", 2, one_write, "in one write"},
                          trio{"3.3", 3, frame_wise, "each frame in its own write"},
                          trio{"3.4", 4, octet_wise, "one octet per write"}}) {
        make(t.id,
             "Send a small text message, then one with RSV = " + std::to_string(t.rsv) +
                 ", then a ping, " + t.how,
             {send({data_frame(opcode::text, hello_world),
                    data_frame(opcode::text, hello_world, true, t.rsv),
                    data_frame(opcode::ping, bytes{})},
                   t.plan)},
             {ok({runner::text_message(hello_world)}), non_strict({})}, echo_then_fail);
    }
    make("3.5", "Send a small binary message with RSV = 5",
         {send(data_frame(opcode::binary, codec::hex("00 ff fe fd fc fb 00 ff"), true, 5))},
         {ok({})}, fail_now);
    // Autobahn's 3.6 is described as a ping but sends a binary frame; we keep its wire bytes.
    make("3.6", "Send a small binary message with RSV = 6",
         {send(data_frame(opcode::binary, hello_world, true, 6))}, {ok({})}, fail_now);
    make("3.7", "Send a close frame with RSV = 7",
         {send(data_frame(opcode::close, bytes{}, true, 7))}, {ok({})}, fail_now);
}

} // namespace wsconform::cases
