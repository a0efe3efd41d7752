// [2] Pings/Pongs: Ping must be answered with a Pong carrying the same payload (RFC 6455
// §5.5.2), unsolicited Pongs are ignored (§5.5.3), control payloads are at most 125 bytes (§5.5).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {
case_def make(std::string id, std::string title, std::string expectation, std::string rfc) {
    auto c = make_case({std::move(id), "Pings/Pongs", "", std::move(title), std::move(expectation),
                        std::move(rfc)});
    c.close = tester_closes();
    return c;
}
} // namespace

void add_ping_pong_cases(std::vector<case_def>& out) {
    const bytes binary8 = codec::hex("00 ff fe fd fc fb 00 ff");
    const bytes fe125(125, 0xfe);
    const bytes fe126(126, 0xfe);

    struct echo_case {
        const char* id;
        const char* title;
        bytes payload;
        write_plan plan;
        double close_after_s;
    };
    const echo_case pings[] = {
        {"2.1", "Send a ping without payload", {}, one_write, 1},
        {"2.2", "Send a ping with a small text payload", codec::to_bytes(hello_world), one_write,
         1},
        {"2.3", "Send a ping with a small binary (non UTF-8) payload", binary8, one_write, 1},
        {"2.4", "Send a ping with a binary payload of 125 bytes", fe125, one_write, 1},
    };
    for (const auto& p : pings) {
        auto c = make(p.id, p.title, "A pong with the same payload is received; clean close.",
                      "RFC 6455 5.5.2");
        c.script = {send(data_frame(opcode::ping, p.payload), p.plan),
                    close_after(p.close_after_s)};
        c.expected = {ok({runner::pong(p.payload)})};
        out.push_back(std::move(c));
    }

    auto c25 =
        make("2.5", "Send a ping with a binary payload of 126 bytes (too long for a control frame)",
             "The connection is failed immediately (1002): control frames carry at most 125 "
             "bytes.",
             "RFC 6455 5.5");
    c25.script = {send(data_frame(opcode::ping, fe126)), kill_after(1)};
    c25.expected = {ok({})};
    c25.close = peer_fails();
    out.push_back(std::move(c25));

    auto c26 = make("2.6", "Send a ping with a binary payload of 125 bytes, one octet per write",
                    "A pong with the same payload is received; clean close.", "RFC 6455 5.5.2");
    c26.script = {send(data_frame(opcode::ping, fe125), octet_wise), close_after(2)};
    c26.expected = {ok({runner::pong(fe125)})};
    out.push_back(std::move(c26));

    const std::string unsolicited = "unsolicited pong payload";
    auto c27 = make("2.7", "Send an unsolicited pong without payload, then close",
                    "Nothing is received in reply to the pong; clean close.", "RFC 6455 5.5.3");
    c27.script = {send(data_frame(opcode::pong, bytes{})), close_with(1000), close_after(1)};
    c27.expected = {ok({})};
    c27.suppress_auto_close = true;
    out.push_back(std::move(c27));

    auto c28 = make("2.8", "Send an unsolicited pong with a payload, then close",
                    "Nothing is received in reply to the pong; clean close.", "RFC 6455 5.5.3");
    c28.script = {send(data_frame(opcode::pong, unsolicited)), close_with(1000), close_after(1)};
    c28.expected = {ok({})};
    c28.suppress_auto_close = true;
    out.push_back(std::move(c28));

    auto c29 = make("2.9", "Send an unsolicited pong, then a ping with a payload",
                    "Only the pong answering the ping is received; clean close.", "RFC 6455 5.5.3");
    c29.script = {
        send({data_frame(opcode::pong, unsolicited), data_frame(opcode::ping, "ping payload")}),
        close_after(1)};
    c29.expected = {ok({runner::pong("ping payload")})};
    out.push_back(std::move(c29));

    using variant = std::tuple<const char*, write_plan, const char*>;
    for (auto [id, plan, how] : {variant{"2.10", one_write, "back to back"},
                                 variant{"2.11", octet_wise, "one octet per write"}}) {
        auto c = make(id, std::string("Send 10 pings with payloads payload-0 to payload-9, ") + how,
                      "Ten pongs with the pings' payloads arrive in order; clean close (the RFC "
                      "allows answering only the most recent ping, so this is stricter).",
                      "RFC 6455 5.5.2");
        std::vector<frame> frames;
        std::vector<event> pongs;
        for (int i = 0; i < 10; ++i) {
            auto payload = "payload-" + std::to_string(i);
            frames.push_back(data_frame(opcode::ping, payload));
            pongs.push_back(runner::pong(payload));
        }
        c.script = {send(std::move(frames), plan), close_after(3)};
        c.expected = {ok(std::move(pongs))};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
