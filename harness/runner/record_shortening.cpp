#include "harness/runner/record_shortening.hpp"

#include <algorithm>

namespace wsconform::runner {

std::optional<wire_log_mode> wire_log_mode_from_string(std::string_view s) {
    if (s == "full")
        return wire_log_mode::full;
    if (s == "failed")
        return wire_log_mode::failed;
    if (s == "summary")
        return wire_log_mode::summary;
    return std::nullopt;
}

std::string_view to_string(wire_log_mode m) {
    switch (m) {
    case wire_log_mode::full:
        return "full";
    case wire_log_mode::failed:
        return "failed";
    case wire_log_mode::summary:
        return "summary";
    }
    return "full";
}

bool shortens(wire_log_mode mode, verdict v) {
    switch (mode) {
    case wire_log_mode::full:
        return false;
    case wire_log_mode::summary:
        return true;
    case wire_log_mode::failed:
        // The verdicts a user debugs keep every byte; the others are evidence enough in short.
        return v != verdict::failed && v != verdict::non_strict;
    }
    return false;
}

std::optional<std::vector<kept_chunk>> shorten_chunks(std::span<const net::wire_chunk> chunks,
                                                      const std::array<net::stream_ends, 2>& ends) {
    if (ends[0].middle_length() == 0 && ends[1].middle_length() == 0)
        return std::nullopt;
    std::array<std::uint64_t, 2> seen{0, 0};
    for (const auto& ch : chunks)
        seen[ch.sent] += ch.length;
    if (seen[0] != ends[0].total || seen[1] != ends[1].total)
        return std::nullopt; // not recorded by the same recorder: do not guess

    std::vector<kept_chunk> kept;
    std::array<std::uint64_t, 2> offset{0, 0}; // of each chunk in its direction's stream
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        const auto& ch = chunks[i];
        const auto& e = ends[ch.sent];
        const std::uint64_t from = offset[ch.sent], to = from + ch.length;
        offset[ch.sent] = to;
        kept_chunk k{i, {}, {}};
        // The part in the head, then the part in the tail; they meet when there is no middle.
        const std::uint64_t head_end = std::min<std::uint64_t>(to, e.head.size());
        if (from < head_end) {
            k.ranges.emplace_back(0, head_end - from);
            k.data.insert(k.data.end(), e.head.begin() + static_cast<std::ptrdiff_t>(from),
                          e.head.begin() + static_cast<std::ptrdiff_t>(head_end));
        }
        const std::uint64_t tail_from = std::max(from, e.tail_offset);
        if (tail_from < to) {
            if (!k.ranges.empty() && k.ranges.back().second == tail_from - from)
                k.ranges.back().second = to - from;
            else
                k.ranges.emplace_back(tail_from - from, to - from);
            k.data.insert(k.data.end(),
                          e.tail.begin() + static_cast<std::ptrdiff_t>(tail_from - e.tail_offset),
                          e.tail.begin() + static_cast<std::ptrdiff_t>(to - e.tail_offset));
        }
        if (!k.ranges.empty())
            kept.push_back(std::move(k));
    }
    return kept;
}

} // namespace wsconform::runner
