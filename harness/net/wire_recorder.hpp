#pragma once
/// Every byte a case sends and receives, with the time it went through the socket.

#include "harness/codec/bytes.hpp"
#include "harness/net/stream_digest.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace wsconform::net {

struct wire_chunk {
    std::int64_t t_us = 0;  ///< microseconds since the recorder started
    bool sent = false;      ///< true: we wrote it; false: we read it
    std::size_t length = 0; ///< bytes that went through the socket
    codec::bytes data;      ///< those bytes, or empty once the recording budget is spent
};

class wire_recorder {
  public:
    using clock = std::chrono::steady_clock;
    /// Keeps the bytes of at most `budget` bytes of traffic, so a flooding peer cannot make
    /// the record (or the report) grow without bound; later chunks keep time and length only.
    explicit wire_recorder(std::size_t budget = 8 * 1024 * 1024)
        : start_(clock::now()), budget_(budget) {}

    void record(bool sent, codec::byte_view data) {
        if (data.empty())
            return;
        wire_chunk c{now_us(), sent, data.size(), {}};
        if (kept_ + data.size() <= budget_) {
            c.data.assign(data.begin(), data.end());
            kept_ += data.size();
        }
        chunks_.push_back(std::move(c));
        digests_[sent].add(data);
    }
    /// Each direction's first and last bytes and the digest of its middle ([0] received,
    /// [1] sent): what a shortened record keeps, whatever the budget above kept.
    std::array<stream_ends, 2> ends() const { return {digests_[0].ends(), digests_[1].ends()}; }
    std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_).count();
    }
    const std::vector<wire_chunk>& chunks() const { return chunks_; }
    clock::time_point start() const { return start_; }

  private:
    clock::time_point start_;
    std::size_t budget_;
    std::size_t kept_ = 0;
    std::vector<wire_chunk> chunks_;
    std::array<stream_digest, 2> digests_;
};

} // namespace wsconform::net
