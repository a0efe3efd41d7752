#pragma once
/// How much of a case's traffic its wire record keeps (`--wire-log`, docs/report.md). A full
/// run is hundreds of MB of wire records, nearly all of it the payloads of cases that passed
/// (9.x, 12.x, 13.x, the L.* floods): a record is shortened only where it is bulky, to the
/// first and last bytes of each direction and a SHA-256 of the middle, to its first and last
/// frames, and only for verdicts nobody debugs; FAILED and NON-STRICT records stay complete.

#include "harness/net/stream_digest.hpp"
#include "harness/net/wire_recorder.hpp"
#include "harness/runner/verdict.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace wsconform::runner {

enum class wire_log_mode {
    full,    ///< every record complete (up to the recording budget), as before --wire-log
    failed,  ///< the default: complete for FAILED and NON-STRICT, bulky records of others short
    summary, ///< every bulky record short, whatever its verdict
};

std::optional<wire_log_mode> wire_log_mode_from_string(std::string_view s);
std::string_view to_string(wire_log_mode m);

/// Whether a case with verdict `v` has its bulky parts shortened under `mode`.
bool shortens(wire_log_mode mode, verdict v);

/// Frames a shortened record keeps at each end of its frame log.
inline constexpr std::size_t frames_kept_each_end = 32;

/// One chunk a shortened record still lists, with the bytes of it that are kept.
struct kept_chunk {
    std::size_t index = 0; ///< in the record's chunks
    /// [from, to) byte ranges within the chunk that `data` holds, in order: the whole chunk,
    /// or the part in its direction's head and/or tail.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    codec::bytes data;
};

/// The chunks of a shortened record: those with bytes in the head or tail of their direction
/// (`ends[0]` what we received, `ends[1]` what we sent), in time order, with those bytes.
/// nullopt when no direction has a middle (nothing to shorten), or when `ends` do not account
/// for exactly the bytes of `chunks` (then the record keeps its chunks as they are).
std::optional<std::vector<kept_chunk>> shorten_chunks(std::span<const net::wire_chunk> chunks,
                                                      const std::array<net::stream_ends, 2>& ends);

} // namespace wsconform::runner
