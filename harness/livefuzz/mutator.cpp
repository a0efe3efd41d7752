#include "harness/livefuzz/mutator.hpp"

#include "harness/codec/encoder.hpp"

#include <algorithm>
#include <array>

namespace wsconform::livefuzz {

using codec::byte;
using codec::bytes;
using codec::frame;
using codec::opcode;

namespace {

// UTF-8 that servers get wrong: valid multi-byte text, and each way text can be invalid
// (RFC 3629; Autobahn's 6.x families).
const std::array<std::string_view, 20> utf8_samples = {
    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", // "kosme", valid
    "\xf0\x9f\x98\x80",                             // U+1F600, valid 4-byte
    "\xef\xbf\xbf",                                 // U+FFFF, valid
    "\xf4\x8f\xbf\xbf",                             // U+10FFFF, valid (largest)
    "\xed\x9f\xbf",                                 // U+D7FF, valid (below surrogates)
    "\xc0\xaf",                                     // overlong '/'
    "\xe0\x80\xaf",                                 // overlong, 3 bytes
    "\xed\xa0\x80",                                 // UTF-16 surrogate
    "\xf4\x90\x80\x80",                             // above U+10FFFF
    "\x80",                                         // lone continuation byte
    "\xe2\x82",                                     // truncated 3-byte sequence
    "\xf0\x9f\x98",                                 // truncated 4-byte sequence
    "\xfe",                                         // never in UTF-8
    "\xff\xfe",                                     // never in UTF-8
    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",
    "\xc2",                 // lead byte alone
    "\xf8\x88\x80\x80\x80", // 5-byte form
    "Hello-\xc3\xa9",       // valid Latin-1 range
    "\xe2",                 // lead of a 3-byte sequence alone
    "",
};

// Close codes on both sides of every boundary of RFC 6455 §7.4 and the IANA registry.
constexpr std::uint16_t close_codes[] = {0,    999,  1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007,
                                         1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 1100,
                                         2000, 2999, 3000, 3999, 4000, 4999, 5000, 65535};

// Payload sizes on both sides of the 7/16/64-bit length boundaries and the control limit.
constexpr std::size_t sizes[] = {0, 1, 2, 124, 125, 126, 127, 128, 255, 256, 1000, 65535, 65536};

constexpr std::uint64_t length_lies[] = {0,
                                         1,
                                         125,
                                         126,
                                         65535,
                                         65536,
                                         0xffffffffull,
                                         0x100000000ull,
                                         0x7fffffffffffffffull,
                                         0x8000000000000000ull,
                                         0xffffffffffffffffull};

codec::mask_key random_key(prng& rng) {
    auto v = rng.next();
    return {static_cast<byte>(v), static_cast<byte>(v >> 8), static_cast<byte>(v >> 16),
            static_cast<byte>(v >> 24)};
}

/// A client frame as a conforming client sends it: masked with a fresh key.
frame client_frame(opcode op, bytes payload, prng& rng, bool fin = true) {
    frame f = codec::make_frame(op, std::move(payload), fin);
    f.masked = true;
    f.key = random_key(rng);
    return f;
}

bytes sample_bytes(std::string_view s) {
    return codec::to_bytes(s);
}

std::vector<std::size_t> frame_indexes(const fuzz_input& in) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < in.steps.size(); ++i)
        if (in.steps[i].is_frame())
            out.push_back(i);
    return out;
}

/// A random frame step of `in`, or nullptr when there is none.
frame* pick_frame(fuzz_input& in, prng& rng) {
    auto idx = frame_indexes(in);
    if (idx.empty())
        return nullptr;
    return &in.steps[idx[rng.below(idx.size())]].frame();
}

bytes filler(opcode op, std::size_t n, prng& rng) {
    bytes b(n);
    if (op == opcode::text || op == opcode::continuation) {
        for (auto& c : b)
            c = static_cast<byte>('a' + rng.below(26)); // stays valid UTF-8
    } else {
        for (auto& c : b)
            c = static_cast<byte>(rng.next());
    }
    return b;
}

using mutation = bool (*)(fuzz_input&, prng&);

// Each operator changes one aspect and says whether it found something to change.
constexpr std::pair<std::string_view, mutation> operators[] = {
    {"flip-fin",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (f)
             f->fin = !f->fin;
         return f != nullptr;
     }},
    {"rsv",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (f)
             f->rsv = static_cast<std::uint8_t>(rng.between(1, 7));
         return f != nullptr;
     }},
    {"opcode",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (f)
             f->op = codec::opcode_from_nibble(static_cast<std::uint8_t>(rng.below(16)));
         return f != nullptr;
     }},
    {"length-form",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (f)
             f->form = rng.chance(1, 2) ? codec::length_form::len64 : codec::length_form::len16;
         return f != nullptr;
     }},
    {"length-lie",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (!f)
             return false;
         const auto n = f->payload.size();
         switch (rng.below(3)) {
         case 0:
             f->declared_length = rng.pick(length_lies);
             break;
         case 1:
             f->declared_length = n + rng.between(1, 8);
             break;
         default:
             f->declared_length = n > 0 ? n - rng.between(1, std::min<std::size_t>(n, 8)) : 1;
             break;
         }
         if (*f->declared_length > 0xffff)
             f->form = codec::length_form::len64;
         return true;
     }},
    {"mask",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (!f)
             return false;
         switch (rng.below(3)) {
         case 0:
             f->masked = false; // a client MUST mask (§5.3)
             break;
         case 1:
             f->masked = true;
             f->key = {0, 0, 0, 0};
             break;
         default:
             f->masked = true;
             f->key = random_key(rng);
             break;
         }
         return true;
     }},
    {"fragment",
     [](fuzz_input& in, prng& rng) {
         std::vector<std::size_t> data;
         for (auto i : frame_indexes(in)) {
             auto op = in.steps[i].frame().op;
             if (op == opcode::text || op == opcode::binary)
                 data.push_back(i);
         }
         if (data.empty())
             return false;
         const auto at = data[rng.below(data.size())];
         const frame whole = in.steps[at].frame();
         const auto pieces = rng.between(2, 4);
         std::vector<std::size_t> cuts;
         for (std::uint64_t i = 1; i < pieces; ++i)
             cuts.push_back(rng.below(whole.payload.size() + 1)); // may cut a code point
         std::sort(cuts.begin(), cuts.end());
         cuts.push_back(whole.payload.size());
         std::vector<fuzz_step> parts;
         std::size_t from = 0;
         for (std::size_t i = 0; i < cuts.size(); ++i) {
             frame f = whole;
             f.op = i == 0 ? whole.op : opcode::continuation;
             f.fin = i + 1 == cuts.size() ? whole.fin : false;
             f.declared_length.reset();
             f.payload.assign(whole.payload.begin() + static_cast<std::ptrdiff_t>(from),
                              whole.payload.begin() + static_cast<std::ptrdiff_t>(cuts[i]));
             if (i > 0)
                 f.key = random_key(rng);
             from = cuts[i];
             parts.push_back({std::move(f), 0});
         }
         parts.front().delay_ms = in.steps[at].delay_ms;
         in.steps.erase(in.steps.begin() + static_cast<std::ptrdiff_t>(at));
         in.steps.insert(in.steps.begin() + static_cast<std::ptrdiff_t>(at), parts.begin(),
                         parts.end());
         return true;
     }},
    {"control-frame",
     [](fuzz_input& in, prng& rng) {
         constexpr opcode ops[] = {opcode::ping, opcode::ping, opcode::pong, opcode::close};
         const auto op = rng.pick(ops);
         bytes payload;
         if (op == opcode::close) {
             auto code = rng.pick(close_codes);
             payload = {static_cast<byte>(code >> 8), static_cast<byte>(code)};
         } else {
             payload = filler(opcode::binary,
                              rng.chance(1, 5) ? rng.between(126, 130) : rng.below(20), rng);
         }
         frame f = client_frame(op, std::move(payload), rng, !rng.chance(1, 8));
         const auto at = rng.below(in.steps.size() + 1);
         in.steps.insert(in.steps.begin() + static_cast<std::ptrdiff_t>(at), {std::move(f), 0});
         return true;
     }},
    {"utf8",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (!f)
             return false;
         auto s = sample_bytes(utf8_samples[rng.below(utf8_samples.size())]);
         switch (rng.below(3)) {
         case 0: // the whole payload
             f->payload = std::move(s);
             break;
         case 1: { // inserted somewhere in it
             auto at = rng.below(f->payload.size() + 1);
             f->payload.insert(f->payload.begin() + static_cast<std::ptrdiff_t>(at), s.begin(),
                               s.end());
             break;
         }
         default: // valid text cut inside its last code point
             f->payload = sample_bytes(utf8_samples[rng.below(5)]);
             f->payload.pop_back();
             break;
         }
         if (f->op != opcode::continuation && !codec::is_control(f->op))
             f->op = opcode::text;
         f->declared_length.reset();
         return true;
     }},
    {"close-payload",
     [](fuzz_input& in, prng& rng) {
         bytes body;
         switch (rng.below(4)) {
         case 0:
             break; // empty body
         case 1:
             body = {0x03}; // one byte: no room for a code
             break;
         default: {
             auto code = rng.pick(close_codes);
             body = {static_cast<byte>(code >> 8), static_cast<byte>(code)};
             if (rng.chance(1, 2)) {
                 auto reason = rng.chance(1, 2)
                                   ? sample_bytes(utf8_samples[rng.below(utf8_samples.size())])
                                   : filler(opcode::text, rng.chance(1, 3) ? 124 : 5, rng);
                 body.insert(body.end(), reason.begin(), reason.end());
             }
         }
         }
         frame f = client_frame(opcode::close, std::move(body), rng);
         // Replace the last step or append: a Close ends what the server will read.
         if (!in.steps.empty() && rng.chance(1, 2))
             in.steps.back() = {std::move(f), 0};
         else
             in.steps.push_back({std::move(f), 0});
         return true;
     }},
    {"resize",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (!f)
             return false;
         auto n = rng.chance(3, 4) ? rng.pick(sizes) : rng.below(4096);
         f->payload = filler(f->op, n, rng);
         f->declared_length.reset();
         return true;
     }},
    {"payload-byte",
     [](fuzz_input& in, prng& rng) {
         auto* f = pick_frame(in, rng);
         if (!f || f->payload.empty())
             return false;
         f->payload[rng.below(f->payload.size())] = static_cast<byte>(rng.next());
         return true;
     }},
    {"delete",
     [](fuzz_input& in, prng& rng) {
         if (in.steps.size() < 2)
             return false;
         in.steps.erase(in.steps.begin() + static_cast<std::ptrdiff_t>(rng.below(in.steps.size())));
         return true;
     }},
    {"duplicate",
     [](fuzz_input& in, prng& rng) {
         if (in.steps.empty())
             return false;
         auto at = rng.below(in.steps.size());
         auto copy = in.steps[at];
         in.steps.insert(in.steps.begin() + static_cast<std::ptrdiff_t>(at), std::move(copy));
         return true;
     }},
    {"swap",
     [](fuzz_input& in, prng& rng) {
         if (in.steps.size() < 2)
             return false;
         auto a = rng.below(in.steps.size()), b = rng.below(in.steps.size());
         if (a == b)
             return false;
         // Rebuilt rather than std::swap'ed: GCC 12 warns (falsely) about the swap's temporary.
         std::vector<fuzz_step> reordered;
         reordered.reserve(in.steps.size());
         for (std::size_t i = 0; i < in.steps.size(); ++i)
             reordered.push_back(std::move(in.steps[i == a ? b : i == b ? a : i]));
         in.steps = std::move(reordered);
         return true;
     }},
    {"chunking",
     [](fuzz_input& in, prng& rng) {
         constexpr std::size_t chunks[] = {0, 1, 1, 2, 3, 5, 7, 13, 64, 997};
         in.write_chunk = rng.pick(chunks);
         return true;
     }},
    {"delay",
     [](fuzz_input& in, prng& rng) {
         if (in.steps.empty())
             return false;
         in.steps[rng.below(in.steps.size())].delay_ms =
             static_cast<std::uint32_t>(rng.between(1, 20));
         return true;
     }},
    {"truncate",
     [](fuzz_input& in, prng& rng) {
         if (in.steps.empty())
             return false;
         auto wire = wire_bytes(in.steps.back());
         if (wire.size() < 2)
             return false;
         wire.resize(rng.between(1, wire.size() - 1));
         in.steps.back().set_raw(std::move(wire));
         return true;
     }},
    {"header-bit",
     [](fuzz_input& in, prng& rng) {
         auto idx = frame_indexes(in);
         if (idx.empty())
             return false;
         auto& step = in.steps[idx[rng.below(idx.size())]];
         auto wire = wire_bytes(step);
         auto header = std::min<std::size_t>(wire.size(), codec::header_size(step.frame()));
         wire[rng.below(header)] ^= static_cast<byte>(1u << rng.below(8));
         step.set_raw(std::move(wire));
         return true;
     }},
};

} // namespace

std::span<const std::string_view> mutator::operator_names() {
    static const auto names = [] {
        std::array<std::string_view, std::size(operators)> n{};
        for (std::size_t i = 0; i < n.size(); ++i)
            n[i] = operators[i].first;
        return n;
    }();
    return names;
}

mutator::mutator(std::vector<seed> seeds, std::uint64_t run_seed, mutation_limits limits)
    : run_seed_(run_seed), limits_(limits) {
    for (auto& s : seeds) {
        // A long seed (10,000 frames) is kept by its start; an oversized one is left out.
        if (s.steps.size() > limits_.max_steps)
            s.steps.resize(limits_.max_steps);
        fuzz_input probe;
        probe.steps = s.steps;
        if (!s.steps.empty() && wire_bytes(probe).size() <= limits_.max_bytes)
            seeds_.push_back(std::move(s));
    }
    if (seeds_.empty()) { // still fuzz something: one conforming text message
        prng rng(run_seed);
        seeds_.push_back(
            {"built-in text", {{client_frame(opcode::text, sample_bytes("Hello"), rng), 0}}, 0});
    }
}

bool mutator::apply(std::size_t op, fuzz_input& in, prng& rng) const {
    return operators[op].second(in, rng);
}

fuzz_input mutator::generate(std::uint64_t index) const {
    prng rng(stream_seed(run_seed_, index));
    const auto& base = seeds_[rng.below(seeds_.size())];
    fuzz_input in;
    in.steps = base.steps;
    in.write_chunk = base.write_chunk;
    in.origin = base.name;
    in.canary_key = random_key(rng);

    // Mostly few mutations, sometimes a pile of them (havoc).
    const auto count = rng.chance(1, 6) ? rng.between(4, 6) : rng.between(1, 3);
    std::string applied;
    for (std::uint64_t i = 0; i < count; ++i) {
        auto candidate = in;
        const auto op = rng.below(std::size(operators));
        if (!apply(op, candidate, rng))
            continue;
        // Keep an input within bounds; a mutation that breaks them is dropped.
        std::uint64_t delay = 0;
        for (const auto& s : candidate.steps)
            delay += s.delay_ms;
        if (candidate.steps.empty() || candidate.steps.size() > limits_.max_steps ||
            delay > limits_.max_total_delay_ms || wire_bytes(candidate).size() > limits_.max_bytes)
            continue;
        in = std::move(candidate);
        applied += (applied.empty() ? "" : ", ") + std::string(operators[op].first);
    }
    in.origin += applied.empty() ? " (unchanged)" : " + " + applied;
    return in;
}

} // namespace wsconform::livefuzz
