#pragma once
/// Small vocabulary for writing cases as data tables. Everything here only builds values.

#include "harness/codec/bytes.hpp"
#include "harness/runner/case.hpp"

#include <initializer_list>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace wsconform::cases {

using codec::bytes;
using codec::frame;
using codec::opcode;
using runner::case_def;
using runner::event;
using runner::step;
using runner::write_plan;

/// Autobahn's write modes: everything in one write, each frame in its own write ("frame-wise",
/// sync=True), or one octet per write ("octet-wise", chopsize=1).
inline constexpr write_plan one_write{};
inline constexpr write_plan frame_wise{true, 0};
inline constexpr write_plan octet_wise{true, 1};
inline write_plan chopped(std::size_t n) {
    return {true, n};
}

frame data_frame(opcode op, bytes payload, bool fin = true, std::uint8_t rsv = 0);
inline frame data_frame(opcode op, std::string_view payload, bool fin = true,
                        std::uint8_t rsv = 0) {
    return data_frame(op, codec::to_bytes(payload), fin, rsv);
}

inline step send(std::vector<frame> frames, write_plan plan = one_write) {
    return runner::send_frames{std::move(frames), plan, false};
}
inline step send(frame f, write_plan plan = one_write) {
    return send(std::vector<frame>{std::move(f)}, plan);
}
inline step send_bytes(bytes data, write_plan plan = one_write,
                       std::optional<frame> logged_as = std::nullopt) {
    return runner::send_raw{std::move(data), plan, std::move(logged_as), std::nullopt};
}
inline step wait_then_mark(double s, std::string marker) {
    return runner::pause{runner::seconds(s), std::move(marker)};
}
inline step wait(double s) {
    return runner::pause{runner::seconds(s), {}};
}
/// Starts the closing handshake with a code and reason.
inline step close_with(codec::close_code code, std::string_view reason = {}) {
    return runner::start_close{codec::close_frame(code, reason).payload};
}
/// Starts the closing handshake with exactly these Close body bytes.
inline step close_with_body(bytes body) {
    return runner::start_close{std::move(body)};
}
/// Autobahn killAfter: if the peer has not ended the case by then, the tester fails it.
inline step kill_after(double s) {
    return runner::fail_after{runner::seconds(s), false};
}
/// Like kill_after, but ends the case by dropping TCP, without a Close frame: for a peer that
/// is still reading the payload of a frame we declared (a Close would be read as payload).
inline step drop_after(double s) {
    return runner::fail_after{runner::seconds(s), true};
}
/// Autobahn closeAfter: if still open by then, the tester starts a normal close.
inline step close_after(double s) {
    return runner::close_after{runner::seconds(s)};
}

/// A message split into frames of `size` bytes (Autobahn sendMessage with a fragment size).
std::vector<frame> fragmented(opcode op, const bytes& payload, std::size_t size);

/// The tester closes with 1000 once the expected events arrived; clean close required.
runner::close_expectation tester_closes(std::vector<codec::close_code> codes = {1000});
/// The peer must fail the connection (close frame with one of `codes`, or drop TCP).
runner::close_expectation peer_fails(std::vector<codec::close_code> codes = {1002});
/// The peer must close the connection; a Close with a code outside `codes` is NON-STRICT, not
/// WRONG CODE (where the RFC's MUST is to close and the code is a MAY, as RFC 6455 §5.1).
runner::close_expectation peer_closes(std::vector<codec::close_code> codes);
/// We start the close; the peer answers with one of `codes` or drops TCP (unclean allowed).
runner::close_expectation peer_answers_or_drops(std::vector<codec::close_code> codes);
/// The tester ended the connection (a timer fired): for the outcomes where the peer kept it
/// open, told apart from those where the peer closed by who closed first.
runner::close_expectation tester_ended();

/// Identity and texts of a case; the caller fills in script, expectations and close rules.
struct case_identity {
    std::string id;
    std::string group;
    std::string subgroup;
    std::string title;
    std::string expectation;
    std::string rfc;
};
case_def make_case(case_identity who);

/// The wire record of a case that moves megabytes (9.x, 12.x, 13.x): Autobahn switches its log
/// off for these; we keep the start of the traffic.
inline constexpr runner::record_limits bulk_record = {
    .wire_bytes = 64 * 1024, .frames = 1000, .frame_payload = 64};

runner::expected_outcome ok(std::vector<event> events);
runner::expected_outcome non_strict(std::vector<event> events);
/// NON-STRICT when these events happen and the connection then ends as `close` says.
runner::expected_outcome non_strict(std::vector<event> events, runner::close_expectation close);
/// The outcome `v` when these events happen and the connection ends as `close` says; `meaning`
/// is the verdict's reason.
runner::expected_outcome outcome(runner::verdict v, std::vector<event> events,
                                 runner::close_expectation close, std::string meaning);

/// A requirement a case enforces, quoted from its RFC (see runner::requirement).
inline runner::requirement must(std::string section, std::string text) {
    return {std::move(section), std::move(text)};
}

// Requirements that cases of several areas enforce; each area quotes its own ones itself.
/// Valid frames are handled: a case that sends nothing wrong may FAIL a peer that does not.
inline const runner::requirement parse_frames = must(
    "RFC 6455 6.2", "Incoming data MUST be parsed as WebSocket frames as defined in Section 5.2.");
/// A peer that stops serving after hostile or odd input did not validate it safely.
inline const runner::requirement validate_input =
    must("RFC 6455 10.7", "Incoming data MUST always be validated by both clients and servers.");
/// A request the server has no reason to refuse is accepted.
inline const runner::requirement accept_steps = must(
    "RFC 6455 4.2.2", "When a client establishes a WebSocket connection to a server, the server "
                      "MUST complete the following steps to accept the connection and send the "
                      "server's opening handshake.");

inline const std::string hello_world = "Hello, world!";

/// One frame of each kind a masking rule is checked with (text, binary, ping, close), named
/// for case titles.
struct named_frame {
    const char* what;
    frame f;
};
std::vector<named_frame> one_frame_of_each_kind();

} // namespace wsconform::cases
