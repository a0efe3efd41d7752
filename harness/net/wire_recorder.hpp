#pragma once
/// Every byte a case sends and receives, with the time it went through the socket.

#include "harness/codec/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace wsconform::net {

struct wire_chunk {
    std::int64_t t_us = 0; ///< microseconds since the recorder started
    bool sent = false;     ///< true: we wrote it; false: we read it
    codec::bytes data;
};

class wire_recorder {
  public:
    using clock = std::chrono::steady_clock;
    wire_recorder() : start_(clock::now()) {}

    void record(bool sent, codec::byte_view data) {
        if (!enabled_ || data.empty())
            return;
        chunks_.push_back({now_us(), sent, codec::bytes(data.begin(), data.end())});
    }
    std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_).count();
    }
    void enable(bool on) { enabled_ = on; }
    const std::vector<wire_chunk>& chunks() const { return chunks_; }
    clock::time_point start() const { return start_; }

  private:
    clock::time_point start_;
    std::vector<wire_chunk> chunks_;
    bool enabled_ = true;
};

} // namespace wsconform::net
