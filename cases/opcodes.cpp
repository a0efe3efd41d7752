// [4] Opcodes: the reserved opcodes 0x3-0x7 and 0xB-0xF MUST make the receiver fail the
// connection (RFC 6455 §5.2).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

void add_opcode_cases(std::vector<case_def>& out) {
    struct family {
        const char* sub;
        const char* title;
        const char* kind;
        int first_opcode;
    };
    for (const auto& f : {family{"4.1", "Non-control Opcodes", "non-control", 3},
                          family{"4.2", "Control Opcodes", "control", 11}}) {
        for (int i = 0; i < 5; ++i) {
            auto op = codec::opcode_from_nibble(static_cast<std::uint8_t>(f.first_opcode + i));
            // Cases 1 and 3 send the reserved frame empty, the others with a payload.
            bytes payload = i == 0 || i == 2 ? bytes{}
                            : i == 1         ? codec::to_bytes("reserved opcode payload")
                                             : codec::to_bytes(hello_world);
            case_def c;
            c.id = std::string(f.sub) + "." + std::to_string(i + 1);
            c.group = "Opcodes";
            c.subgroup = f.title;
            c.rfc = "RFC 6455 5.2";
            auto opname = "opcode " + std::to_string(f.first_opcode + i);
            if (i < 2) {
                c.title = "Send a frame with the reserved " + std::string(f.kind) + " " + opname +
                          (payload.empty() ? "" : " and a payload");
                c.expectation = "The connection is failed immediately (1002 or TCP drop).";
                c.script = {send(data_frame(op, payload))};
                c.expected = {ok({})};
            } else {
                auto plan = i == 4 ? octet_wise : one_write;
                c.title = "Send a small text message, then a frame with the reserved " +
                          std::string(f.kind) + " " + opname +
                          (payload.empty() ? "" : " and a payload") + ", then a ping" +
                          (i == 4 ? ", one octet per write" : "");
                c.expectation = "The text message is echoed (OK) or not (NON-STRICT), then the "
                                "connection is failed; no pong is received.";
                c.script = {send({data_frame(opcode::text, hello_world), data_frame(op, payload),
                                  data_frame(opcode::ping, bytes{})},
                                 plan)};
                c.expected = {ok({runner::text_message(hello_world)}), non_strict({})};
            }
            c.script.push_back(kill_after(1));
            c.close = peer_fails();
            out.push_back(std::move(c));
        }
    }
}

} // namespace wsconform::cases
