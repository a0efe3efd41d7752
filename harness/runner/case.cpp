#include "harness/runner/case.hpp"

#include "harness/codec/utf8.hpp"

#include <sstream>

#include <algorithm>
#include <cstdio>

namespace wsconform::runner {

event text_message(std::string_view text) {
    return text_message(codec::to_bytes(text));
}

event text_message(codec::bytes utf8) {
    return {event::kind::message, false, std::move(utf8), {}, {}};
}

event binary_message(codec::bytes payload) {
    return {event::kind::message, true, std::move(payload), {}, {}};
}

event pong(codec::bytes payload) {
    return {event::kind::pong, false, std::move(payload), {}, {}};
}

event pong(std::string_view payload) {
    return pong(codec::to_bytes(payload));
}

event timeout_marker(std::string tag) {
    return {event::kind::timeout, false, {}, std::move(tag), {}};
}

bool matches(const expected_outcome& outcome, const std::vector<event>& observed) {
    if (outcome.any_payload)
        return std::equal(outcome.events.begin(), outcome.events.end(), observed.begin(),
                          observed.end(), [](const event& a, const event& b) {
                              return a.what == b.what && a.binary == b.binary && a.tag == b.tag;
                          });
    if (!outcome.pongs_may_coalesce)
        return outcome.events == observed;
    // Coalesced pongs: a subsequence of the expected ones, in order, ending with the last.
    if (observed.empty() || outcome.events.empty() || observed.back() != outcome.events.back())
        return false;
    auto next = outcome.events.begin();
    for (const auto& e : observed) {
        if (e.what != event::kind::pong)
            return false;
        next = std::find(next, outcome.events.end(), e);
        if (next == outcome.events.end())
            return false;
        ++next;
    }
    return true;
}

bool is_absolute_requirement(std::string_view text) {
    // RFC 2119 (and RFC 8174: only in capitals).
    for (std::string_view word : {"MUST", "SHALL", "REQUIRED"})
        if (text.find(word) != std::string_view::npos)
            return true;
    return false;
}

bool can_fail(const case_def& c) {
    // An HTTP/2 check is FAILED only where it enforces a MUST; elsewhere NON-STRICT at worst.
    if (std::holds_alternative<http2_check>(c.run_as))
        return !c.informational && !c.musts.empty();
    return !c.informational && !std::holds_alternative<connection_crowd>(c.run_as) &&
           !std::holds_alternative<tls_check>(c.run_as);
}

std::string cite_musts(const case_def& c) {
    std::string out;
    for (const auto& m : c.musts)
        out += (out.empty() ? "" : "; ") + m.section + ": \"" + m.text + "\"";
    return out;
}

codec::bytes raw_bytes(const send_raw& s, bool as_client) {
    if (!s.piece)
        return s.data;
    auto f = s.piece->whole;
    if (!as_client)
        f.masked = false;
    auto wire = codec::encode(f);
    const auto header = codec::header_size(f);
    codec::bytes out;
    if (s.piece->with_header)
        out.assign(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(header));
    const auto from = std::min(wire.size(), header + s.piece->from);
    const auto to = std::min(wire.size(), header + s.piece->to);
    out.insert(out.end(), wire.begin() + static_cast<std::ptrdiff_t>(from),
               wire.begin() + static_cast<std::ptrdiff_t>(std::max(from, to)));
    return out;
}

bool needs_started_client(const case_def& c) {
    return c.tls != tls_server::none;
}

bool runs_against_clients(const case_def& c) {
    if (c.clients_only)
        return true;
    if (c.id.empty() || c.id[0] < '1' || c.id[0] > '9')
        return false;
    // The compression cases' only edit is their offer, which the server role turns around.
    const bool only_an_offer =
        c.request.edits.empty() ||
        (c.handshake.requires_extension == "permessage-deflate" &&
         std::all_of(c.request.edits.begin(), c.request.edits.end(), [](const header_edit& e) {
             return codec::iequals(e.name, "Sec-WebSocket-Extensions");
         }));
    return std::holds_alternative<std::monostate>(c.run_as) &&
           c.handshake.what == handshake_expectation::rule::must_upgrade &&
           (c.handshake.requires_extension.empty() ||
            c.handshake.requires_extension == "permessage-deflate") &&
           only_an_offer && c.request.trickle_interval == seconds(0) &&
           !c.request.plaintext_to_tls_port;
}

std::vector<codec::deflate_params> deflate_requests(const case_def& c) {
    std::vector<std::string> values;
    for (const auto& e : c.request.edits)
        if (codec::iequals(e.name, "Sec-WebSocket-Extensions"))
            values.push_back(e.value);
    std::vector<codec::deflate_params> asks;
    for (const auto& offer : codec::parse_deflate_offers(values)) {
        // What we ask of a server's side as the client, we ask of a client's as the server.
        codec::deflate_params ask;
        ask.client_no_context_takeover = offer.params.server_no_context_takeover;
        if (offer.params.server_max_window_bits)
            ask.client_max_window_bits.emplace(*offer.params.server_max_window_bits);
        asks.push_back(ask);
    }
    return asks;
}

std::uint64_t memory_weight(const case_def& c, std::uint64_t run_limit) {
    // Whatever the peer sends, a connection holds at most one frame of receive_limit octets.
    std::uint64_t weight = receive_limit(c, run_limit);
    for (const auto& s : c.script) {
        if (const auto* e = std::get_if<echo_stream>(&s)) {
            // Compression adds zlib's state both ways and a message in each form (~0.6 MiB).
            weight = std::max(weight, 2 * e->size + (e->compress ? 2u << 20 : 1u << 20));
        }
    }
    if (const auto* crowd = std::get_if<connection_crowd>(&c.run_as))
        weight *= crowd->connections; // more than any budget: it holds all of it
    return weight;
}

record_limits record_limits::within(std::uint64_t share) const {
    // What one logged frame costs beyond its payload: its record and the vector's slot.
    constexpr std::uint64_t frame_overhead = 128;
    record_limits r = *this;
    r.wire_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(wire_bytes, share / 2));
    r.frames = static_cast<std::size_t>(
        std::min<std::uint64_t>(frames, share / 2 / (frame_payload + frame_overhead)));
    return r;
}

std::uint64_t receive_limit(const case_def& c, std::uint64_t run_limit) {
    std::uint64_t largest = 0;
    for (const auto& s : c.script)
        if (const auto* e = std::get_if<echo_stream>(&s))
            largest = std::max(largest, e->size);
    for (const auto& outcome : c.expected) {
        if (outcome.any_payload)
            return run_limit;
        for (const auto& e : outcome.events)
            largest = std::max<std::uint64_t>(largest, e.payload.size());
    }
    return std::min(run_limit, largest + (std::uint64_t{1} << 20));
}

load_class load_of(const case_def& c) {
    if (c.checks_across_run != across_run::nothing)
        return load_class::last;
    if (c.loads_target || std::holds_alternative<connection_crowd>(c.run_as) ||
        std::holds_alternative<size_limit_search>(c.run_as))
        return load_class::alone;
    if (c.request.trickle_interval > seconds(0))
        return load_class::background;
    return load_class::shared;
}

const echo_stream* compressed_echo(const case_def& c) {
    for (const auto& s : c.script)
        if (const auto* e = std::get_if<echo_stream>(&s); e && e->compress)
            return e;
    return nullptr;
}

bool cpu_heavy(const case_def& c) {
    return compressed_echo(c) != nullptr;
}

codec::bytes script_bytes(const case_def& c, codec::mask_source& keys) {
    codec::bytes out;
    auto append_frame = [&](codec::frame f, bool unmasked) {
        if (!f.masked && !unmasked)
            codec::mask(f, keys);
        auto wire = codec::encode(f);
        out.insert(out.end(), wire.begin(), wire.end());
    };
    for (const auto& s : c.script) {
        if (const auto* frames = std::get_if<send_frames>(&s)) {
            for (const auto& f : frames->frames)
                append_frame(f, frames->send_unmasked);
        } else if (const auto* raw = std::get_if<send_raw>(&s)) {
            auto data = raw_bytes(*raw, true);
            out.insert(out.end(), data.begin(), data.end());
        } else if (std::holds_alternative<echo_stream>(s)) {
            // Megabytes of a repeated pattern: no use as a seed, and generated only when run.
            continue;
        } else if (const auto* close = std::get_if<start_close>(&s)) {
            append_frame(codec::close_frame_raw(close->body), false);
        }
    }
    return out;
}

std::string size_text(std::uint64_t n) {
    constexpr std::uint64_t kib = 1024, mib = 1024 * kib;
    if (n >= mib && n % mib == 0)
        return std::to_string(n / mib) + " MiB";
    if (n >= kib && n % kib == 0)
        return std::to_string(n / kib) + " KiB";
    if (n >= mib) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / mib);
        return buf;
    }
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

codec::bytes seed_bytes(const case_def& c) {
    std::uint64_t seed = 14695981039346656037ull; // FNV-1a
    for (unsigned char ch : c.id)
        seed = (seed ^ ch) * 1099511628211ull;
    codec::mask_source keys(seed);
    return script_bytes(c, keys);
}

namespace {

std::string describe_event(const event& e) {
    std::ostringstream os;
    auto preview = [&](const codec::bytes& p) {
        if (p.size() <= 32 && codec::is_valid_utf8(p))
            os << "'" << codec::as_chars(p) << "'";
        else
            os << p.size() << " bytes";
    };
    switch (e.what) {
    case event::kind::message:
        os << (e.binary ? "binary " : "text ");
        if (e.streamed_length)
            os << *e.streamed_length << " bytes";
        else
            preview(e.payload);
        break;
    case event::kind::ping:
        os << "ping ";
        preview(e.payload);
        break;
    case event::kind::pong:
        os << "pong ";
        preview(e.payload);
        break;
    case event::kind::timeout:
        os << "timeout " << e.tag;
        break;
    }
    return os.str();
}

} // namespace

std::string describe_events(const std::vector<event>& events) {
    if (events.empty())
        return "[]";
    std::string s = "[";
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (i)
            s += ", ";
        if (i == 8) {
            s += "... " + std::to_string(events.size() - i) + " more";
            break;
        }
        s += describe_event(events[i]);
    }
    return s + "]";
}

std::string format_seconds(seconds s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", s.count());
    return text;
}

} // namespace wsconform::runner
