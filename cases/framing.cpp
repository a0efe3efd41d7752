// [1] Framing: text and binary messages across the three payload-length encodings
// (RFC 6455 §5.2 "Payload length", §5.6 data frames).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

void add_framing_cases(std::vector<case_def>& out) {
    struct size_case {
        std::size_t length;
        std::size_t chop; // 0: one write
    };
    // 0 and 125 use the 7-bit form, 126-65535 the 16-bit form, 65536 the 64-bit form.
    const size_case sizes[] = {{0, 0},   {125, 0},   {126, 0},   {127, 0},
                               {128, 0}, {65535, 0}, {65536, 0}, {65536, 997}};
    struct kind {
        const char* sub;
        const char* title;
        opcode op;
        const char* word;
        codec::byte fill;
    };
    const kind kinds[] = {{"1.1", "Text Messages", opcode::text, "text", '*'},
                          {"1.2", "Binary Messages", opcode::binary, "binary", 0xfe}};
    for (const auto& k : kinds) {
        int n = 0;
        for (const auto& s : sizes) {
            case_def c;
            c.id = std::string(k.sub) + "." + std::to_string(++n);
            c.group = "Framing";
            c.subgroup = k.title;
            c.rfc = "RFC 6455 5.2, 5.6";
            bytes payload(s.length, k.fill);
            c.title = std::string("Send a ") + k.word + " message with a payload of " +
                      std::to_string(s.length) + " bytes" +
                      (s.chop ? ", written in chops of " + std::to_string(s.chop) + " octets" : "");
            c.expectation = std::string("The ") + k.word +
                            " message is echoed back unchanged; clean close with code 1000.";
            c.script = {send(data_frame(k.op, payload), s.chop ? chopped(s.chop) : one_write),
                        kill_after(s.length > 128 ? 10 : 1)};
            c.expected = {ok({k.op == opcode::text ? runner::text_message(payload)
                                                   : runner::binary_message(payload)})};
            c.close = tester_closes();
            out.push_back(std::move(c));
        }
    }
}

} // namespace wsconform::cases
