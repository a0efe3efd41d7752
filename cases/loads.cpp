#include "cases/loads.hpp"

#include "harness/codec/deflate.hpp"

#include <string>

namespace wsconform::cases {

namespace {
const runner::requirement answer_pings =
    must("RFC 6455 5.5.2", "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in "
                           "response, unless it already received a Close frame.");
} // namespace

const std::vector<codec::close_code>& load_refusals() {
    static const std::vector<codec::close_code> codes = {1008, 1009, 1011, 1013};
    return codes;
}

void add_ping_flood(case_def& c) {
    std::vector<frame> pings;
    std::vector<event> pongs;
    for (int i = 0; i < 10000; ++i) {
        auto payload = std::to_string(i);
        pings.push_back(data_frame(opcode::ping, payload));
        pongs.push_back(runner::pong(payload));
    }
    c.script = {send(std::move(pings)), kill_after(20)};
    c.expected = {ok(std::move(pongs))};
    c.expected.front().pongs_may_coalesce = true;
    c.slow_after = runner::seconds(5);
    c.musts = {answer_pings, validate_input};
    c.close = tester_closes();
    c.refusal_codes = load_refusals();
    c.loads_target = true;
}

void add_fragment_flood(case_def& c, double limit) {
    bytes payload(100000, 'a');
    c.script = {send(fragmented(opcode::text, payload, 1)), kill_after(limit)};
    c.expected = {ok({runner::text_message(payload)})};
    c.musts = {parse_frames, validate_input};
    c.close = tester_closes();
    c.refusal_codes = load_refusals();
    c.loads_target = true;
}

const bytes& deflate_bomb() {
    static const bytes bomb = codec::make_deflate_bomb(std::uint64_t{1} << 30);
    return bomb;
}

void add_decompression_bomb(case_def& c, std::string_view peer, std::vector<frame> frames) {
    const std::string who(peer);
    // As the client we offer it; as the server we accept the client's offer (the same edit,
    // turned around by deflate_requests).
    c.request.edits = {
        {runner::header_edit::action::set, "Sec-WebSocket-Extensions", "permessage-deflate"}};
    c.handshake.requires_extension = "permessage-deflate";
    c.script = {send(std::move(frames)), kill_after(10)};
    auto echoed = outcome(runner::verdict::non_strict, {runner::binary_message({})}, tester_ended(),
                          "the " + who +
                              " inflated the whole bomb and echoed it: no limit on the inflated "
                              "size (RFC 6455 10.4: it SHOULD impose one)");
    echoed.any_payload = true;
    c.expected = {ok({}), std::move(echoed),
                  outcome(runner::verdict::non_strict, {}, tester_ended(),
                          "the " + who +
                              " neither refused nor echoed the bomb within 10 s (no limit on the "
                              "inflated size, RFC 6455 10.4: it SHOULD impose one)")};
    c.close = peer_closes({1009});
    c.musts = {validate_input};
    c.loads_target = true; // inflating 1 GiB keeps a core busy for seconds
}

} // namespace wsconform::cases
