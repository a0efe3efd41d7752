#include "harness/runner/frame_log.hpp"

#include <algorithm>

namespace wsconform::runner {

void frame_log::add(bool sent, const codec::frame& f, std::optional<std::uint64_t> payload_length) {
    if (record_.frames.size() < limits_.frames) {
        record_.frames.push_back(
            {clock_.now_us(), sent, f,
             static_cast<std::size_t>(payload_length.value_or(f.payload.size()))});
        if (f.payload.size() > limits_.frame_payload)
            record_.frames.back().value.payload.resize(limits_.frame_payload);
    } else if (!truncated_) {
        truncated_ = true;
        record_.notes.push_back("frame log truncated after " + std::to_string(limits_.frames) +
                                " frames");
    }
}

void frame_log::add(bool sent, const codec::frame_view& v) {
    if (record_.frames.size() >= limits_.frames) {
        add(sent, codec::frame{}); // notes the truncation once
        return;
    }
    add(sent, v.to_frame(limits_.frame_payload), v.payload.size());
}

} // namespace wsconform::runner
