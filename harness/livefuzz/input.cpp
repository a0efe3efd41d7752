#include "harness/livefuzz/input.hpp"

#include "harness/codec/decoder.hpp"
#include "harness/codec/encoder.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace wsconform::livefuzz {

codec::bytes wire_bytes(const fuzz_step& s) {
    if (s.is_frame())
        return codec::encode(s.frame());
    return s.raw();
}

codec::bytes wire_bytes(const fuzz_input& in) {
    codec::bytes out;
    for (const auto& s : in.steps) {
        if (s.is_frame())
            codec::encode(s.frame(), out);
        else
            out.insert(out.end(), s.raw().begin(), s.raw().end());
    }
    return out;
}

namespace {
constexpr std::uint64_t fnv_offset = 14695981039346656037ull;
constexpr std::uint64_t fnv_prime = 1099511628211ull;

void fnv(std::uint64_t& h, codec::byte_view data) {
    for (auto b : data)
        h = (h ^ b) * fnv_prime;
}
void fnv_number(std::uint64_t& h, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        h = (h ^ ((v >> (8 * i)) & 0xff)) * fnv_prime;
}
} // namespace

std::uint64_t digest(const fuzz_input& in) {
    std::uint64_t h = fnv_offset;
    fnv_number(h, in.write_chunk);
    fnv(h, in.canary_key);
    fnv_number(h, in.steps.size());
    for (const auto& s : in.steps) {
        auto wire = wire_bytes(s);
        fnv_number(h, s.delay_ms);
        fnv_number(h, wire.size());
        fnv(h, wire);
    }
    return h;
}

std::string digest_hex(std::uint64_t d) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(d));
    return buf;
}

std::vector<fuzz_step> steps_from_bytes(codec::byte_view data) {
    // Syntax only: the point is to keep broken frames as frames so they can be mutated.
    codec::decoder dec({.incoming_mask = codec::masking_rule::any,
                        .max_payload = 16ull * 1024 * 1024,
                        .check_rules = false});
    dec.feed(data);
    std::vector<fuzz_step> steps;
    for (;;) {
        auto r = dec.next();
        if (r.what != codec::decode_result::status::frame)
            break;
        codec::frame f = std::move(r.value);
        // The decoder reports the form it read; keep the 7-bit form as "minimal" so an
        // unchanged frame encodes to the same bytes and mutations that resize it stay legal.
        if (f.form == codec::length_form::len7)
            f.form = codec::length_form::minimal;
        steps.emplace_back(std::move(f));
    }
    const auto used = static_cast<std::size_t>(dec.offset());
    if (used < data.size())
        steps.emplace_back(
            codec::bytes(data.begin() + static_cast<std::ptrdiff_t>(used), data.end()));
    return steps;
}

std::string describe(const fuzz_step& s) {
    std::string d;
    if (s.is_frame()) {
        const auto& f = s.frame();
        d = codec::describe(f, 24);
        if (f.form == codec::length_form::len16)
            d += " [16-bit length]";
        else if (f.form == codec::length_form::len64)
            d += " [64-bit length]";
    } else {
        d = "raw " + std::to_string(s.raw().size()) + " bytes";
    }
    if (s.delay_ms)
        d += " after " + std::to_string(s.delay_ms) + " ms";
    return d;
}

std::vector<seed> seeds_from_cases(std::span<const runner::case_def> cases, std::size_t max_bytes) {
    std::vector<seed> out;
    for (const auto& c : cases) {
        // The live fuzzer sends to servers: the cases for clients only are no seeds.
        if (c.clients_only || !std::holds_alternative<std::monostate>(c.run_as) ||
            c.handshake.what != runner::handshake_expectation::rule::must_upgrade ||
            !c.handshake.requires_extension.empty() || c.request.trickle_interval.count() > 0)
            continue;
        auto data = runner::seed_bytes(c); // the octets --export-seeds writes
        if (data.empty() || data.size() > max_bytes)
            continue;
        seed s{"case " + c.id, steps_from_bytes(data), 0};
        // Keep the case's own chopping, the most interesting write plan it has.
        for (const auto& step : c.script)
            if (const auto* send = std::get_if<runner::send_frames>(&step); send && send->plan.chop)
                s.write_chunk = send->plan.chop;
        out.push_back(std::move(s));
    }
    return out;
}

bool seeds_from_directory(const std::filesystem::path& dir, std::vector<seed>& out,
                          std::string& error, std::size_t max_bytes) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file())
            files.push_back(it->path());
    if (ec) {
        error = "cannot read seed directory " + dir.string() + ": " + ec.message();
        return false;
    }
    std::sort(files.begin(), files.end()); // directory order is not stable; inputs must be
    for (const auto& path : files) {
        std::ifstream file(path, std::ios::binary);
        codec::bytes data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (!file.eof() && file.fail()) {
            error = "cannot read seed " + path.string();
            return false;
        }
        if (data.empty() || data.size() > max_bytes)
            continue;
        out.push_back({"file " + path.filename().string(), steps_from_bytes(data), 0});
    }
    return true;
}

} // namespace wsconform::livefuzz
