// [10] Auto-fragmentation: a message split by the sender into many frames (RFC 6455 §5.4)
// must be reassembled by the receiver whatever the frame size.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

void add_auto_fragmentation_cases(std::vector<case_def>& out) {
    case_def c;
    c.id = "10.1.1";
    c.group = "Misc";
    c.subgroup = "Auto-Fragmentation";
    c.rfc = "RFC 6455 5.4";
    c.title = "Send a 65536-byte text message split into frames of 1300 bytes (51 frames)";
    c.expectation = "The reassembled message is echoed; clean close with code 1000.";
    bytes payload(65536, '*');
    // 1 text frame + 49 continuations of 1300 bytes, then a final continuation of 536 bytes.
    c.script = {send(fragmented(opcode::text, payload, 1300)), kill_after(10)};
    c.expected = {ok({runner::text_message(payload)})};
    c.close = tester_closes();
    out.push_back(std::move(c));
}

} // namespace wsconform::cases
