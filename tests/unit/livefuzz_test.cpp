// The live fuzzer's pure parts: deterministic inputs, the oracles' RFC model, minimisation and
// reproducer files. (The network side is covered by tests/e2e/test_fuzz_live.py.)

#include "cases/catalogue.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/livefuzz/minimiser.hpp"
#include "harness/livefuzz/mutator.hpp"
#include "harness/livefuzz/oracle.hpp"
#include "harness/livefuzz/reproducer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

namespace wsconform::livefuzz {
namespace {

using codec::bytes;
using codec::frame;
using codec::hex;
using codec::opcode;

frame masked(frame f, codec::mask_key key = {1, 2, 3, 4}) {
    f.masked = true;
    f.key = key;
    return f;
}

fuzz_step step(frame f, std::uint32_t delay = 0) {
    return {std::move(f), delay};
}

const std::vector<seed>& catalogue_seeds() {
    static const auto seeds = seeds_from_cases(cases::all_cases());
    return seeds;
}

// ---- inputs and the mutator --------------------------------------------------------------

TEST(LiveFuzzSeeds, ComeFromTheCasesAndEncodeBackToTheirOctets) {
    const auto& seeds = catalogue_seeds();
    ASSERT_GT(seeds.size(), 200u);
    for (const auto& c : cases::all_cases()) {
        if (c.id != "5.6")
            continue;
        auto it = std::find_if(seeds.begin(), seeds.end(),
                               [](const seed& s) { return s.name == "case 5.6"; });
        ASSERT_NE(it, seeds.end());
        // The octets --export-seeds writes, the same in every run.
        fuzz_input in;
        in.steps = it->steps;
        EXPECT_EQ(wire_bytes(in), runner::seed_bytes(c));
        EXPECT_EQ(runner::seed_bytes(c), runner::seed_bytes(c));
        codec::mask_source fresh;
        EXPECT_NE(runner::seed_bytes(c), runner::script_bytes(c, fresh)); // masks are fixed
        for (const auto& s : it->steps)
            EXPECT_TRUE(s.is_frame());
    }
}

TEST(LiveFuzzSeeds, BytesSplitIntoFramesAndATrailingRawStep) {
    auto wire = codec::encode(masked(codec::text_frame("Hello")));
    auto ping = codec::encode(masked(codec::make_frame(opcode::ping, {})));
    wire.insert(wire.end(), ping.begin(), ping.end());
    wire.insert(wire.end(), {0x82, 0x7e, 0x01}); // a header cut short
    auto steps = steps_from_bytes(wire);
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].frame().payload, codec::to_bytes("Hello"));
    EXPECT_EQ(steps[1].frame().op, opcode::ping);
    EXPECT_EQ(steps[2].raw(), hex("82 7e 01"));
    fuzz_input in;
    in.steps = steps;
    EXPECT_EQ(wire_bytes(in), wire);
}

TEST(LiveFuzzMutator, SameSeedSameInputsWhateverTheOrder) {
    const mutator a(catalogue_seeds(), 42), b(catalogue_seeds(), 42);
    std::vector<std::uint64_t> forward;
    for (std::uint64_t i = 0; i < 300; ++i)
        forward.push_back(digest(a.generate(i)));
    // Another mutator, inputs asked for backwards (as concurrent workers might): same inputs.
    for (std::uint64_t i = 300; i-- > 0;) {
        auto in = b.generate(i);
        EXPECT_EQ(digest(in), forward[i]) << i;
        EXPECT_EQ(in, a.generate(i));
    }
    EXPECT_GT(std::set<std::uint64_t>(forward.begin(), forward.end()).size(), 250u);
}

TEST(LiveFuzzMutator, OtherSeedOtherInputs) {
    const mutator a(catalogue_seeds(), 1), b(catalogue_seeds(), 2);
    int same = 0;
    for (std::uint64_t i = 0; i < 200; ++i)
        same += digest(a.generate(i)) == digest(b.generate(i));
    EXPECT_LT(same, 5);
}

TEST(LiveFuzzMutator, StaysWithinItsLimitsAndUsesEveryOperator) {
    mutation_limits limits;
    const mutator m(catalogue_seeds(), 7, limits);
    std::set<std::string> used;
    bool len64 = false, unmasked = false, delayed = false, chunked = false, raw = false;
    for (std::uint64_t i = 0; i < 3000; ++i) {
        auto in = m.generate(i);
        ASSERT_FALSE(in.steps.empty());
        ASSERT_LE(in.steps.size(), limits.max_steps);
        ASSERT_LE(wire_bytes(in).size(), limits.max_bytes);
        std::uint64_t delay = 0;
        for (const auto& s : in.steps) {
            delay += s.delay_ms;
            auto tag = trigger_tag(s);
            len64 = len64 || tag.find("len64") != std::string::npos;
            unmasked = unmasked || tag.find("unmasked") != std::string::npos;
            raw = raw || !s.is_frame();
        }
        ASSERT_LE(delay, limits.max_total_delay_ms);
        delayed = delayed || delay > 0;
        chunked = chunked || in.write_chunk > 0;
        for (auto name : mutator::operator_names())
            if (in.origin.find(std::string(name)) != std::string::npos)
                used.insert(std::string(name));
    }
    EXPECT_EQ(used.size(), mutator::operator_names().size());
    EXPECT_TRUE(len64 && unmasked && delayed && chunked && raw);
}

// ---- the RFC model and the reply checker --------------------------------------------------

bytes stream(std::initializer_list<frame> frames) {
    bytes out;
    for (const auto& f : frames)
        codec::encode(f, out);
    return out;
}

TEST(LiveFuzzOracle, MustFailOnlyWhereTheRfcSaysMust) {
    using v = expectation::verdict;
    EXPECT_EQ(expect(stream({masked(codec::text_frame("ok"))})).what, v::none);
    auto reserved = expect(
        stream({masked(codec::text_frame("ok")), masked(codec::make_frame(opcode::rsv3, {}))}));
    EXPECT_EQ(reserved.what, v::must_fail);
    EXPECT_EQ(reserved.rule, codec::protocol_error::reserved_opcode);
    EXPECT_EQ(reserved.offset, 8u);
    EXPECT_EQ(expect(stream({codec::text_frame("unmasked")})).rule,
              codec::protocol_error::mask_missing);
    // Invalid UTF-8 across fragments, with a ping between them.
    auto utf8 = expect(stream({masked(codec::make_frame(opcode::text, hex("ce"), false)),
                               masked(codec::make_frame(opcode::ping, {})),
                               masked(codec::continuation_frame(hex("ff"), true))}));
    EXPECT_EQ(utf8.what, v::must_fail);
    EXPECT_EQ(utf8.rule, codec::protocol_error::invalid_utf8);
    // A server may accept a non-minimal length or a Close code of 5000: nothing is claimed.
    frame long_form = masked(codec::text_frame("x"));
    long_form.form = codec::length_form::len16;
    EXPECT_EQ(expect(stream({long_form})).what, v::undecided);
    // An empty ping in the 16-bit form is non-minimal, not too long (found against websockets);
    // 126 bytes in that form is too long.
    frame short_ping = masked(codec::make_frame(opcode::ping, {}));
    short_ping.form = codec::length_form::len16;
    EXPECT_EQ(expect(stream({short_ping})).what, v::undecided);
    frame long_ping = masked(codec::make_frame(opcode::ping, codec::bytes(126, 0x61)));
    auto too_long = expect(stream({long_ping}));
    EXPECT_EQ(too_long.what, v::must_fail);
    EXPECT_EQ(too_long.rule, codec::protocol_error::control_frame_too_long);
    EXPECT_EQ(expect(stream({masked(codec::close_frame(5000))})).what, v::undecided);
    EXPECT_EQ(expect(stream({masked(codec::close_frame(1005))})).what, v::must_fail);
    // After a valid Close the server reads nothing more: a violation there is not judged.
    auto closed = expect(stream({masked(codec::close_frame(1000)), codec::text_frame("x")}));
    EXPECT_EQ(closed.what, v::closed);
    EXPECT_FALSE(sends_canary(closed));
}

TEST(LiveFuzzOracle, TheCanaryFollowsOnlyAFrameBoundary) {
    auto whole = stream({masked(codec::text_frame("abc"))});
    EXPECT_TRUE(expect(whole).ends_on_frame);
    auto cut = whole;
    cut.pop_back();
    EXPECT_FALSE(expect(cut).ends_on_frame);
    frame lie = masked(codec::binary_frame(hex("01 02")));
    lie.declared_length = 100; // the server waits for 98 more bytes
    EXPECT_FALSE(sends_canary(expect(stream({lie}))));
}

TEST(LiveFuzzOracle, ReplyChecker) {
    {
        reply_checker r;
        r.feed(stream({codec::text_frame(canary_text), codec::close_frame(1000)}));
        EXPECT_FALSE(r.violation());
        EXPECT_TRUE(r.canary_echoed());
        EXPECT_EQ(r.close_code(), 1000);
    }
    {
        reply_checker r; // a server must not mask
        r.feed(stream({masked(codec::text_frame("x"))}));
        EXPECT_EQ(r.violation(), "mask_unexpected");
    }
    {
        reply_checker r;
        r.feed(stream({codec::close_frame(1005)}));
        EXPECT_EQ(r.violation(), "close_code_invalid");
    }
    {
        reply_checker r; // 5000 and above: the RFC defines nothing, so nothing is claimed
        r.feed(stream({codec::close_frame(5000)}));
        EXPECT_FALSE(r.violation());
    }
    {
        reply_checker r;
        r.feed(stream({codec::make_frame(opcode::text, hex("e2"), false),
                       codec::continuation_frame({}, true)}));
        EXPECT_EQ(r.violation(), "invalid_utf8");
    }
    {
        reply_checker r;
        r.feed(stream({codec::close_frame(1000), codec::text_frame("late")}));
        EXPECT_EQ(r.violation(), "data_after_close");
    }
}

TEST(LiveFuzzOracle, KeptOpenNeedsAMustFailAndTheCanaryBack) {
    auto exp = expect(stream({masked(codec::make_frame(opcode::rsv4, {}))}));
    connection_outcome o;
    o.connected = o.upgraded = o.canary_sent = true;
    EXPECT_FALSE(judge(exp, o));
    o.canary_echoed = true;
    auto claim = judge(exp, o);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->sig.text(), "kept-open:reserved_opcode");
    EXPECT_FALSE(judge(expect(stream({masked(codec::text_frame("fine"))})), o));
}

/// What a conforming server does with valid input and the canary: echoes every message.
connection_outcome echoed_everything(const expectation& exp) {
    connection_outcome o;
    o.connected = o.upgraded = o.canary_sent = o.canary_echoed = true;
    o.pongs = exp.pings;
    return o;
}

bytes with_canary(bytes wire) {
    fuzz_input in;
    codec::encode(canary_frame(in), wire);
    return wire;
}

TEST(LiveFuzzOracle, ValidInputCountsMessagesAndPings) {
    frame big = masked(codec::binary_frame(bytes(65536, 0x42)));
    auto exp = expect(with_canary(stream(
        {masked(codec::text_frame("a")), big, masked(codec::make_frame(opcode::ping, {}))})));
    EXPECT_EQ(exp.what, expectation::verdict::none);
    EXPECT_EQ(exp.messages, 3u); // the canary is a message too
    EXPECT_EQ(exp.pings, 1u);
    EXPECT_FALSE(judge(exp, echoed_everything(exp)));
}

TEST(LiveFuzzOracle, ValidInputDroppedIsAFinding) {
    frame big = masked(codec::binary_frame(bytes(65536, 0x42)));
    auto exp = expect(with_canary(stream({big})));
    ASSERT_EQ(exp.what, expectation::verdict::none);
    connection_outcome o;
    o.connected = o.upgraded = o.canary_sent = true;
    o.eof = true; // TCP closed, no Close, no echo
    auto claim = judge(exp, o);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->sig.kind, "dropped-valid");
    EXPECT_TRUE(named_by_trigger(claim->sig.kind)); // the campaign names the trigger
    EXPECT_NE(claim->description.find("without a Close"), std::string::npos);
    o.eof = false;
    o.reset = true;
    EXPECT_EQ(judge(exp, o)->sig.kind, "dropped-valid");
    o.reset = false;
    o.timed_out = true; // no echo, no Close: the canary went unanswered
    EXPECT_EQ(judge(exp, o)->sig.kind, "dropped-valid");
    o.timed_out = false;
    o.close_received = true; // failed the connection, blaming the input
    for (codec::close_code blame : {1002, 1003, 1007}) {
        o.close_code = blame;
        auto c = judge(exp, o);
        ASSERT_TRUE(c) << blame;
        EXPECT_EQ(c->sig.kind, "dropped-valid");
        EXPECT_NE(c->description.find(std::to_string(blame)), std::string::npos);
    }
}

TEST(LiveFuzzOracle, LimitsAndClosesAServerMayChooseAreNoFinding) {
    frame big = masked(codec::binary_frame(bytes(65536, 0x42)));
    auto exp = expect(with_canary(stream({big})));
    connection_outcome o;
    o.connected = o.upgraded = o.canary_sent = o.close_received = true;
    for (codec::close_code fine : {1000, 1001, 1008, 1009, 1011, 4000}) {
        o.close_code = fine;
        EXPECT_FALSE(judge(exp, o)) << fine;
    }
    // A message beyond the judged limit is undecided: dropping it is the server's choice.
    frame huge = masked(codec::binary_frame(bytes(judged_message_limit + 1, 0x42)));
    auto over = expect(with_canary(stream({huge})));
    EXPECT_EQ(over.what, expectation::verdict::undecided);
    EXPECT_EQ(over.rule, codec::protocol_error::payload_too_big);
    connection_outcome dropped;
    dropped.connected = dropped.upgraded = dropped.canary_sent = dropped.eof = true;
    EXPECT_FALSE(judge(over, dropped));
    // Nor input the server may refuse (a non-minimal length), nor input it had to fail.
    frame long_form = masked(codec::text_frame("x"));
    long_form.form = codec::length_form::len64;
    EXPECT_FALSE(judge(expect(with_canary(stream({long_form}))), dropped));
    EXPECT_FALSE(judge(expect(with_canary(stream({codec::text_frame("unmasked")}))), dropped));
    // Without the canary (the input ends inside a frame) nothing is waited for.
    dropped.canary_sent = false;
    EXPECT_FALSE(judge(expect(stream({big})), dropped));
}

TEST(LiveFuzzOracle, AValidCloseMustBeAnsweredWithAClose) {
    auto exp = expect(stream({masked(codec::text_frame("a")), masked(codec::close_frame(1000))}));
    ASSERT_EQ(exp.what, expectation::verdict::closed);
    connection_outcome o;
    o.connected = o.upgraded = true;
    o.eof = true;
    auto claim = judge(exp, o);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->sig.kind, "dropped-valid");
    o.close_received = true; // any code: the server may echo the client's
    o.close_code = 1002;
    EXPECT_FALSE(judge(exp, o));
    o.close_received = false;
    o.eof = false;
    o.timed_out = true; // still closing when we stopped looking: not judged
    EXPECT_FALSE(judge(exp, o));
}

TEST(LiveFuzzOracle, ValidInputLeftUnansweredIsAFinding) {
    auto exp = expect(with_canary(
        stream({masked(codec::text_frame("a")), masked(codec::make_frame(opcode::ping, hex("01"))),
                masked(codec::make_frame(opcode::ping, hex("02")))})));
    auto o = echoed_everything(exp);
    o.pongs = 1; // §5.5.3: only the latest of several pings may get its pong
    EXPECT_FALSE(judge(exp, o));
    o.pongs = 0;
    auto no_pong = judge(exp, o);
    ASSERT_TRUE(no_pong);
    EXPECT_EQ(no_pong->sig.kind, "unanswered-valid");
    o.pongs = 1;
    // A reply that breaks a rule is reported as such first.
    o.reply_violation = "mask_unexpected";
    EXPECT_EQ(judge(exp, o)->sig.kind, "bad-reply");
}

TEST(LiveFuzzOracle, TriggerTagsReadRawHeadersLikeFrames) {
    frame f = masked(codec::binary_frame({}));
    f.form = codec::length_form::len64;
    EXPECT_EQ(trigger_tag(step(f)), "len64");
    EXPECT_EQ(trigger_tag({hex("82 ff 80"), 0}), "len64");
    EXPECT_EQ(trigger_tag(step(codec::text_frame("x"))), "text+unmasked");
    EXPECT_EQ(trigger_tag({hex("82"), 0}), "raw");
}

// ---- minimisation --------------------------------------------------------------------------

fuzz_input noisy_input_with_len64() {
    fuzz_input in;
    in.write_chunk = 3;
    for (int i = 0; i < 12; ++i)
        in.steps.push_back(step(masked(codec::text_frame(std::string(40, 'a' + i))), 5));
    frame trigger = masked(codec::binary_frame(bytes(300, 0xfe)));
    trigger.form = codec::length_form::len64;
    trigger.rsv = 2;
    in.steps.insert(in.steps.begin() + 7, step(trigger, 3));
    return in;
}

bool has_len64(const fuzz_input& in) {
    return std::any_of(in.steps.begin(), in.steps.end(), [](const fuzz_step& s) {
        return trigger_tag(s).find("len64") != std::string::npos;
    });
}

TEST(LiveFuzzMinimiser, ShrinksToTheOneStepThatMatters) {
    std::size_t calls = 0;
    auto r = minimise(noisy_input_with_len64(), [&](const fuzz_input& c) {
        ++calls;
        return has_len64(c);
    });
    EXPECT_EQ(r.trials, calls);
    EXPECT_FALSE(r.exhausted);
    ASSERT_EQ(r.input.steps.size(), 1u);
    const auto& f = r.input.steps[0].frame();
    EXPECT_EQ(f.form, codec::length_form::len64); // what the finding needs stays
    EXPECT_TRUE(f.payload.empty());               // everything else went
    EXPECT_EQ(f.rsv, 0);
    EXPECT_EQ(f.key, (codec::mask_key{0, 0, 0, 0}));
    EXPECT_EQ(r.input.steps[0].delay_ms, 0u);
    EXPECT_EQ(r.input.write_chunk, 0u);
    EXPECT_EQ(trigger_tag(r.input.steps[0]), "len64");
}

TEST(LiveFuzzMinimiser, KeepsAPairThatOnlyReproducesTogether) {
    fuzz_input in;
    for (int i = 0; i < 9; ++i)
        in.steps.push_back(step(masked(codec::make_frame(
            i == 2 || i == 6 ? opcode::ping : opcode::binary, bytes(10, std::uint8_t(i))))));
    auto pings = [](const fuzz_input& c) {
        return std::count_if(c.steps.begin(), c.steps.end(), [](const fuzz_step& s) {
                   return s.is_frame() && s.frame().op == opcode::ping;
               }) == 2;
    };
    auto r = minimise(in, pings);
    ASSERT_EQ(r.input.steps.size(), 2u);
    EXPECT_TRUE(pings(r.input));
}

TEST(LiveFuzzMinimiser, RespectsItsBudgetAndNeverReturnsANonReproducer) {
    auto r = minimise(noisy_input_with_len64(), has_len64, {.max_trials = 5});
    EXPECT_LE(r.trials, 5u);
    EXPECT_TRUE(r.exhausted);
    EXPECT_TRUE(has_len64(r.input));
}

// ---- reproducer files -----------------------------------------------------------------------

TEST(LiveFuzzReproducer, RoundTripsThroughJsonAndAFile) {
    reproducer r;
    r.sig = {"kept-open", "reserved_opcode"};
    r.description = "kept a connection it had to fail";
    r.observed = "the server sent 1 message (canary echoed)";
    r.target = "ws://127.0.0.1:9001/";
    r.seed = 18446744073709551615ull;
    r.input_index = 1234;
    r.input = noisy_input_with_len64();
    r.input.canary_key = {9, 8, 7, 6};
    r.input.steps.push_back({hex("82 ff 80"), 0}); // raw bytes stay raw
    r.input.origin = r.origin = "case 4.1.1 + opcode";
    std::string error;
    auto back = from_json(to_json(r), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->input, r.input);
    EXPECT_EQ(back->sig, r.sig);
    EXPECT_EQ(back->seed, r.seed);
    EXPECT_EQ(back->input_index, r.input_index);
    EXPECT_EQ(back->description, r.description);
    EXPECT_TRUE(back->input.steps.front().is_frame());
    EXPECT_FALSE(back->input.steps.back().is_frame());

    auto dir =
        std::filesystem::temp_directory_path() / ("livefuzz-test-" + std::to_string(::getpid()));
    auto path = write_reproducer(dir, r, error);
    ASSERT_FALSE(path.empty()) << error;
    EXPECT_EQ(path.filename(), "kept-open-reserved_opcode.json");
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));
    auto read = read_reproducer(path, error);
    ASSERT_TRUE(read) << error;
    EXPECT_EQ(read->input, r.input);
    std::filesystem::remove_all(dir);
}

TEST(LiveFuzzReproducer, RefusesWhatItCannotReplay) {
    std::string error;
    EXPECT_FALSE(from_json("not json", error));
    EXPECT_FALSE(error.empty());
    reproducer r;
    r.sig = {"crash", "len64"};
    r.input.steps.push_back({hex("82 ff"), 0});
    auto good = to_json(r);
    ASSERT_TRUE(from_json(good, error)) << error;
    auto replace = [&](std::string_view from, std::string_view to) {
        auto text = good;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    EXPECT_FALSE(from_json(replace("wsconform-livefuzz/1", "wsconform-livefuzz/9"), error));
    EXPECT_NE(error.find("schema"), std::string::npos);
    EXPECT_FALSE(from_json(replace("\"82ff\"", "\"8zff\""), error));
    EXPECT_FALSE(from_json(replace("\"write_chunk\": 0", "\"write_chunk\": -1"), error));
}

} // namespace
} // namespace wsconform::livefuzz
