// [7] Close handling, initiated by the tester: after a Close nothing more is processed
// (RFC 6455 §5.5.1), Close bodies (§5.5.1: no 1-byte body, reason UTF-8, at most 125 bytes),
// and status codes (§7.4.1 defined, §7.4.2 ranges, and the IANA registry).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {
case_def base(std::string id, std::string subgroup, std::string title, std::string expectation,
              std::string rfc) {
    auto c = make_case({std::move(id), "Close Handling", std::move(subgroup), std::move(title),
                        std::move(expectation), std::move(rfc)});
    c.wrong_code_fails_behavior = true;
    c.suppress_auto_close = true;
    c.close = tester_closes();
    return c;
}
} // namespace

void add_close_cases(std::vector<case_def>& out) {
    const std::string sub71 = "Basic close behavior (fuzzer initiated)";
    const std::string clean = "Clean close with code 1000.";
    const std::string rfc_close = "RFC 6455 5.5.1";
    const frame close_1000 = codec::close_frame(1000);

    auto c711 = base("7.1.1", sub71, "Send a text message, then close once it is echoed",
                     "The message is echoed, then a clean close with code 1000.", rfc_close);
    c711.script = {send(data_frame(opcode::text, "Hello World!")), kill_after(1)};
    c711.expected = {ok({runner::text_message("Hello World!")})};
    c711.suppress_auto_close = false;
    out.push_back(std::move(c711));

    struct after_close {
        const char* id;
        const char* title;
        const char* expectation;
        frame next;
    };
    for (auto& a :
         {after_close{"7.1.2", "Send two close frames",
                      "Clean close with code 1000; the second close frame is ignored.",
                      data_frame(opcode::close, bytes{})},
          after_close{"7.1.3", "Send a ping after a close frame",
                      "Clean close with code 1000; no pong.", data_frame(opcode::ping, bytes{})},
          after_close{"7.1.4", "Send a text message after a close frame",
                      "Clean close with code 1000; the message is ignored.",
                      data_frame(opcode::text, "Hello World!")}}) {
        auto c = base(a.id, sub71, a.title, a.expectation, rfc_close);
        c.script = {close_with(1000), send(a.next), kill_after(1)};
        c.expected = {ok({})};
        out.push_back(std::move(c));
    }
    auto c715 =
        base("7.1.5", sub71, "Send a text fragment, then a close frame, then the final fragment",
             clean, rfc_close);
    c715.script = {send(data_frame(opcode::text, "fragment1", false)), close_with(1000),
                   send(data_frame(opcode::continuation, "fragment2", true)), kill_after(1)};
    c715.expected = {ok({})};
    out.push_back(std::move(c715));

    auto c716 =
        base("7.1.6", sub71,
             "Send a 256 KiB text message, a small text message, a close and a ping back to back",
             "Implementation defined: whether the small message is echoed before the close "
             "is processed (INFORMATIONAL).",
             rfc_close);
    c716.script = {send(data_frame(opcode::text, codec::repeat("BAsd7&jh23", 256 * 1024))),
                   send(data_frame(opcode::text, "Hello World!")), close_with(1000),
                   send(data_frame(opcode::ping, bytes{})), kill_after(1)};
    c716.expected = {ok({runner::text_message("Hello World!")}), non_strict({})};
    c716.informational = true;
    c716.wrong_code_fails_behavior = false;
    out.push_back(std::move(c716));

    // 7.3 Close body length
    const std::string sub73 = "Close frame structure: payload length (fuzzer initiated)";
    const std::string protocol_error = "Close with 1002 (protocol error) or a TCP drop.";
    struct length_case {
        const char* id;
        const char* title;
        bytes body;
        bool valid;
    };
    auto body = [](std::uint16_t code, std::string reason) {
        return codec::close_frame(code, reason).payload;
    };
    const length_case lengths[] = {
        {"7.3.1", "Send a close frame with an empty payload (no code, no reason)", {}, true},
        {"7.3.2", "Send a close frame with a 1-byte payload", codec::to_bytes("a"), false},
        {"7.3.3", "Send a close frame with a 2-byte payload (code 1000)", body(1000, ""), true},
        {"7.3.4", "Send a close frame with code 1000 and a reason", body(1000, "Hello World!"),
         true},
        {"7.3.5", "Send a close frame with code 1000 and a reason of 123 bytes (125 in all)",
         body(1000, std::string(123, '*')), true},
        {"7.3.6",
         "Send a close frame with code 1000 and a reason of 124 bytes (126 in all, too long)",
         body(1000, std::string(124, '*')), false},
    };
    for (const auto& l : lengths) {
        auto c = base(l.id, sub73, l.title, l.valid ? clean : protocol_error,
                      l.valid ? rfc_close : "RFC 6455 5.5, 5.5.1");
        c.script = {close_with_body(l.body), kill_after(1)};
        c.expected = {ok({})};
        c.close = l.valid ? tester_closes() : peer_answers_or_drops({1002});
        out.push_back(std::move(c));
    }
    // 7.5 Close reason not UTF-8
    const std::string sub75 = "Close frame structure: payload value (fuzzer initiated)";
    auto c751 = base("7.5.1", sub75,
                     "Send a close frame with code 1000 and a reason that is not valid UTF-8",
                     "Close with 1002 or 1007, or a TCP drop.", "RFC 6455 5.5.1, 8.1");
    auto bad_reason =
        codec::hex("03 e8 ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64");
    c751.script = {close_with_body(bad_reason), kill_after(1)};
    c751.expected = {ok({})};
    c751.close = peer_answers_or_drops({1002, 1007});
    out.push_back(std::move(c751));

    // 7.7 valid codes: answered with 1000 or the same code
    const std::string sub77 = "Close frame structure: valid close codes (fuzzer initiated)";
    int n = 0;
    for (codec::close_code code :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
        auto c = base("7.7." + std::to_string(++n), sub77,
                      "Send a close frame with the valid code " + std::to_string(code),
                      "Clean close with code 1000 or the same code.", "RFC 6455 7.4.1, 7.4.2");
        c.script = {close_with_body(body(code, "")), kill_after(1)};
        c.expected = {ok({})};
        c.close = tester_closes({1000, code});
        c.suppress_auto_close = false;
        out.push_back(std::move(c));
    }

    // 7.9 codes that must not appear on the wire
    const std::string sub79 = "Close frame structure: invalid close codes (fuzzer initiated)";
    n = 0;
    for (codec::close_code code : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999}) {
        auto c = base("7.9." + std::to_string(++n), sub79,
                      "Send a close frame with the invalid code " + std::to_string(code),
                      protocol_error, "RFC 6455 7.4.1, 7.4.2");
        c.script = {close_with_body(body(code, "")), kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_answers_or_drops({1002});
        c.suppress_auto_close = false;
        out.push_back(std::move(c));
    }

    // 7.13 codes the RFC leaves undefined (>= 5000)
    const std::string sub713 = "Informational close information (fuzzer initiated)";
    n = 0;
    for (codec::close_code code : {5000, 65535}) {
        auto c = base("7.13." + std::to_string(++n), sub713,
                      "Send a close frame with the undefined code " + std::to_string(code),
                      "Undefined by the RFC (INFORMATIONAL): 1000, the same code or 1002 are all "
                      "seen.",
                      "RFC 6455 7.4.2");
        c.script = {close_with_body(body(code, "")), kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_answers_or_drops({1000, code, 1002});
        c.informational = true;
        c.wrong_code_fails_behavior = false;
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
