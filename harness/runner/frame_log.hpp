#pragma once
/// The frames of a case's wire record: every frame we send or receive, with its time, up to
/// the case's bounds (so many frames, so many payload bytes each), so a flood cannot exhaust
/// memory. The bytes themselves are in the wire recorder's chunks.

#include "harness/codec/decoder.hpp"
#include "harness/codec/frame.hpp"
#include "harness/net/wire_recorder.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"

#include <cstdint>
#include <optional>

namespace wsconform::runner {

class frame_log {
  public:
    /// Logs into `record.frames` (and notes a truncation in `record.notes`), timed by `clock`.
    frame_log(const record_limits& limits, const net::wire_recorder& clock, case_result& record)
        : limits_(limits), clock_(clock), record_(record) {}

    /// `payload_length` is the real length when `f` carries only a cut of its payload.
    void add(bool sent, const codec::frame& f, std::optional<std::uint64_t> payload_length = {});
    /// A frame still in the decoder's buffer: only the logged cut of its payload is copied.
    void add(bool sent, const codec::frame_view& v);
    /// Payload bytes kept per frame.
    std::size_t payload_kept() const { return limits_.frame_payload; }

  private:
    const record_limits& limits_;
    const net::wire_recorder& clock_;
    case_result& record_;
    bool truncated_ = false; ///< the truncation is noted once
};

} // namespace wsconform::runner
