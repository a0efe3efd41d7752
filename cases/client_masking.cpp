// K.1: masking as a client does it (RFC 6455 §5.1, §5.3, §10.3). For clients only: every frame
// a client sends is masked with a fresh, unpredictable key (a predictable one lets an attacker
// choose the bytes a proxy sees: the class of curl's CVE-2025-10148), and a client fails the
// connection on a masked frame from the server.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

void add_client_masking_cases(std::vector<runner::case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation) {
        auto c = make_case({std::move(id), "Client: masking", "", std::move(title),
                            std::move(expectation), "RFC 6455 5.1, 5.3"});
        c.clients_only = true;
        return c;
    };
    const auto fresh_keys = must(
        "RFC 6455 5.3",
        "When preparing a masked frame, the client MUST pick a fresh masking key from the set of "
        "allowed 32-bit values. The masking key needs to be unpredictable; thus, the masking key "
        "MUST be derived from a strong source of entropy, and the masking key for a given frame "
        "MUST NOT make it simple for a server/proxy to predict the masking key for a subsequent "
        "frame.");
    const auto close_masked =
        must("RFC 6455 5.1", "A client MUST close a connection if it detects a masked frame.");

    // K.1.1: 32 messages to echo; the keys of the 32 echoes are looked at together.
    {
        auto c = make("K.1.1",
                      "Send 32 text messages of 16 bytes, one after the other; check the mask "
                      "keys of the 32 echoes",
                      "Every echo comes back, each frame masked with its own key: none all-zero, "
                      "none used twice, not a counter (a constant step from key to key). "
                      "Clean close with 1000.");
        std::vector<frame> frames;
        std::vector<event> echoes;
        for (int i = 0; i < 32; ++i) {
            auto text = "message " + std::to_string(100 + i) + " keys";
            frames.push_back(data_frame(opcode::text, text));
            echoes.push_back(runner::text_message(text));
        }
        c.script = {send(std::move(frames)), kill_after(10)};
        c.expected = {ok(std::move(echoes))};
        c.close = tester_closes();
        c.check_client_keys = true;
        c.musts = {fresh_keys};
        out.push_back(std::move(c));
    }

    // K.1.2-K.1.5: a masked frame from the server.
    int n = 1;
    for (auto m : one_frame_of_each_kind()) {
        m.f.masked = true;
        m.f.key = {0x37, 0xfa, 0x21, 0x3d};
        auto c = make("K.1." + std::to_string(++n),
                      std::string("Send a masked ") + m.what + " (a server MUST NOT mask)",
                      "The client fails the connection without acting on the frame: a Close "
                      "with 1002, no code or a TCP drop (OK); echoing or answering it, or "
                      "keeping the connection open, FAILS.");
        c.script = {send(m.f), kill_after(2)};
        c.expected = {ok({})};
        c.close = peer_fails({codec::close_codes::protocol_error});
        c.musts = {close_masked};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
