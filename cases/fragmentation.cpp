// [5] Fragmentation: control frames MUST NOT be fragmented (RFC 6455 §5.5), continuation
// frames need an open message and a new message needs the previous one finished (§5.4), and
// control frames may be injected between fragments (§5.4).

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {
const char* mode_words(const write_plan& p) {
    if (p.chop == 1)
        return "one octet per write";
    if (p.write_per_frame)
        return "each frame in its own write";
    return "in one write";
}
} // namespace

void add_fragmentation_cases(std::vector<case_def>& out) {
    auto base = [](std::string id, std::string title, std::string expectation) {
        return make_case({std::move(id), "Fragmentation", "", std::move(title),
                          std::move(expectation), "RFC 6455 5.4"});
    };
    const std::string fail_now = "The connection is failed immediately (1002 or TCP drop).";
    auto frag = [](opcode op, const char* payload, bool fin) {
        return data_frame(op, payload, fin);
    };

    for (auto [id, op, name] :
         {std::tuple{"5.1", opcode::ping, "ping"}, std::tuple{"5.2", opcode::pong, "pong"}}) {
        auto c = base(id, std::string("Send a ") + name + " fragmented into 2 fragments", fail_now);
        c.rfc = "RFC 6455 5.5";
        c.script = {
            send({frag(op, "fragment1", false), frag(opcode::continuation, "fragment2", true)}),
            kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_fails();
        out.push_back(std::move(c));
    }

    const write_plan modes[] = {one_write, frame_wise, octet_wise};
    int n = 3;
    for (const auto& m : modes) {
        auto c =
            base("5." + std::to_string(n++),
                 std::string("Send a text message fragmented into 2 fragments, ") + mode_words(m),
                 "The reassembled message is echoed; clean close.");
        c.script = {send({frag(opcode::text, "fragment1", false),
                          frag(opcode::continuation, "fragment2", true)},
                         m),
                    close_after(1)};
        c.expected = {ok({runner::text_message("fragment1fragment2")})};
        c.close = tester_closes();
        out.push_back(std::move(c));
    }
    for (const auto& m : modes) {
        auto c =
            base("5." + std::to_string(n++),
                 std::string("Send a text message in 2 fragments with a ping in between, ") +
                     mode_words(m),
                 "The pong arrives first, then the reassembled message is echoed; clean close.");
        c.script = {
            send({frag(opcode::text, "fragment1", false), frag(opcode::ping, "ping payload", true),
                  frag(opcode::continuation, "fragment2", true)},
                 m),
            close_after(1)};
        c.expected = {
            ok({runner::pong("ping payload"), runner::text_message("fragment1fragment2")})};
        c.close = tester_closes();
        out.push_back(std::move(c));
    }
    for (bool orphan_fin : {true, false}) {
        for (const auto& m : modes) {
            auto c = base("5." + std::to_string(n++),
                          std::string("Send a continuation frame with FIN = ") +
                              (orphan_fin ? "true" : "false") +
                              " with nothing to continue, then a text message, " + mode_words(m),
                          fail_now);
            c.script = {send({frag(opcode::continuation, "non-continuation payload", orphan_fin),
                              data_frame(opcode::text, hello_world)},
                             m),
                        kill_after(1)};
            c.expected = {ok({})};
            c.close = peer_fails();
            out.push_back(std::move(c));
        }
    }

    auto c15 =
        base("5.15",
             "Send a text message in 2 fragments, then a continuation frame with FIN = false "
             "with nothing to continue, then a text message",
             "The first message is echoed (OK) or not (NON-STRICT), then the connection is "
             "failed.");
    c15.script = {
        send({frag(opcode::text, "fragment1", false), frag(opcode::continuation, "fragment2", true),
              frag(opcode::continuation, "fragment3", false),
              frag(opcode::text, "fragment4", true)}),
        kill_after(1)};
    c15.expected = {ok({runner::text_message("fragment1fragment2")}), non_strict({})};
    c15.close = peer_fails();
    out.push_back(std::move(c15));

    for (auto [id, orphan_fin] : {std::tuple{"5.16", false}, std::tuple{"5.17", true}}) {
        auto c = base(id,
                      std::string("Twice: a continuation frame with FIN = ") +
                          (orphan_fin ? "true" : "false") +
                          " with nothing to continue, then a text message in 2 fragments",
                      fail_now);
        std::vector<frame> frames;
        for (int i = 0; i < 2; ++i) {
            frames.push_back(frag(opcode::continuation, "fragment1", orphan_fin));
            frames.push_back(frag(opcode::text, "fragment2", false));
            frames.push_back(frag(opcode::continuation, "fragment3", true));
        }
        c.script = {send(std::move(frames)), kill_after(1)};
        c.expected = {ok({})};
        c.close = peer_fails();
        out.push_back(std::move(c));
    }

    auto c18 = base("5.18", "Send a text message in 2 fragments, both with the text opcode",
                    "The connection is failed immediately: fragments after the first must use "
                    "opcode 0.");
    c18.script = {
        send({frag(opcode::text, "fragment1", false), frag(opcode::text, "fragment2", true)}),
        kill_after(1)};
    c18.expected = {ok({})};
    c18.close = peer_fails();
    out.push_back(std::move(c18));

    using variant = std::pair<const char*, write_plan>;
    for (auto [id, plan] : {variant{"5.19", one_write}, variant{"5.20", frame_wise}}) {
        auto c = base(id,
                      std::string("Send a text message in 5 fragments with 2 pings interleaved and "
                                  "a 1 s pause after the first ping") +
                          (plan.write_per_frame ? ", each frame in its own write" : ""),
                      "The first pong arrives during the pause, then the second pong, then the "
                      "reassembled message; clean close.");
        c.script = {send({frag(opcode::text, "fragment1", false),
                          frag(opcode::continuation, "fragment2", false),
                          frag(opcode::ping, "pongme 1!", true)},
                         plan),
                    wait(1),
                    send({frag(opcode::continuation, "fragment3", false),
                          frag(opcode::continuation, "fragment4", false),
                          frag(opcode::ping, "pongme 2!", true),
                          frag(opcode::continuation, "fragment5", true)},
                         plan),
                    close_after(1)};
        c.expected = {ok({runner::pong("pongme 1!"), runner::pong("pongme 2!"),
                          runner::text_message("fragment1fragment2fragment3fragment4fragment5")})};
        c.close = tester_closes();
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
