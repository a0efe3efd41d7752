#include "cases/builders.hpp"

namespace wsconform::cases {

frame data_frame(opcode op, bytes payload, bool fin, std::uint8_t rsv) {
    frame f = codec::make_frame(op, std::move(payload), fin);
    f.rsv = rsv;
    return f;
}

std::vector<frame> fragmented(opcode op, const bytes& payload, std::size_t size) {
    std::vector<frame> frames;
    std::size_t at = 0;
    do {
        auto n = std::min(size, payload.size() - at);
        bytes part(payload.begin() + static_cast<std::ptrdiff_t>(at),
                   payload.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
        frames.push_back(data_frame(frames.empty() ? op : opcode::continuation, std::move(part),
                                    at >= payload.size()));
    } while (at < payload.size());
    return frames;
}

runner::close_expectation tester_closes(std::vector<codec::close_code> codes) {
    return {true, std::move(codes), true, false, false};
}

runner::close_expectation peer_fails(std::vector<codec::close_code> codes) {
    return {false, std::move(codes), false, false, false};
}

runner::close_expectation peer_closes(std::vector<codec::close_code> codes) {
    return {false, std::move(codes), false, false, true};
}

runner::close_expectation peer_answers_or_drops(std::vector<codec::close_code> codes) {
    return {true, std::move(codes), false, false, false};
}

runner::close_expectation tester_ended() {
    return {true, {}, false, false, true};
}

case_def make_case(case_identity who) {
    case_def c;
    c.id = std::move(who.id);
    c.group = std::move(who.group);
    c.subgroup = std::move(who.subgroup);
    c.title = std::move(who.title);
    c.expectation = std::move(who.expectation);
    c.rfc = std::move(who.rfc);
    return c;
}

runner::expected_outcome ok(std::vector<event> events) {
    return {runner::verdict::ok, std::move(events), std::nullopt, {}, false, false};
}

runner::expected_outcome non_strict(std::vector<event> events) {
    return {runner::verdict::non_strict, std::move(events), std::nullopt, {}, false, false};
}

runner::expected_outcome non_strict(std::vector<event> events, runner::close_expectation close) {
    return {runner::verdict::non_strict, std::move(events), std::move(close), {}, false, false};
}

runner::expected_outcome outcome(runner::verdict v, std::vector<event> events,
                                 runner::close_expectation close, std::string meaning) {
    return {v, std::move(events), std::move(close), std::move(meaning), false, false};
}

std::vector<named_frame> one_frame_of_each_kind() {
    return {
        {"text message", data_frame(opcode::text, hello_world)},
        {"binary message", data_frame(opcode::binary, codec::hex("00 ff fe fd"))},
        {"ping", data_frame(opcode::ping, "ping payload")},
        {"close frame (code 1000)", codec::close_frame(1000)},
    };
}

} // namespace wsconform::cases
