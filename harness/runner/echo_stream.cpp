#include "harness/runner/echo_stream.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace wsconform::runner {

namespace {
constexpr std::size_t block_bytes = 16 * 1024;
} // namespace

pattern_payload::pattern_payload(codec::bytes unit) : unit_(std::move(unit)) {
    if (unit_.empty())
        unit_ = {0}; // only ever read for empty payloads
    block_ = codec::repeat(unit_, block_bytes + unit_.size());
}

void pattern_payload::fill(std::uint64_t offset, std::span<codec::byte> out) const {
    while (!out.empty()) {
        auto phase = static_cast<std::size_t>(offset % unit_.size());
        auto n = std::min(out.size(), block_bytes);
        std::memcpy(out.data(), block_.data() + phase, n);
        out = out.subspan(n);
        offset += n;
    }
}

std::optional<std::size_t> pattern_payload::first_mismatch(std::uint64_t offset,
                                                           codec::byte_view data) const {
    std::size_t done = 0;
    while (done < data.size()) {
        auto phase = static_cast<std::size_t>((offset + done) % unit_.size());
        auto n = std::min(data.size() - done, block_bytes);
        if (std::memcmp(data.data() + done, block_.data() + phase, n) != 0) {
            for (std::size_t i = 0; i < n; ++i)
                if (data[done + i] != block_[phase + i])
                    return done + i;
        }
        done += n;
    }
    return std::nullopt;
}

message_wire::message_wire(codec::opcode op, const pattern_payload& payload, std::uint64_t size,
                           std::uint64_t fragment, codec::mask_source* keys, std::uint64_t offset)
    : op_(op), payload_(&payload), offset_(offset), size_(size),
      fragment_(fragment == 0 ? size : fragment), keys_(keys) {}

message_wire::message_wire(codec::opcode op, codec::byte_view body, std::uint64_t fragment,
                           codec::mask_source* keys, std::uint8_t first_rsv)
    : op_(op), body_(body), first_rsv_(first_rsv), size_(body.size()),
      fragment_(fragment == 0 ? body.size() : fragment), keys_(keys) {}

void message_wire::fill(std::uint64_t pos, std::span<codec::byte> out) const {
    if (payload_)
        payload_->fill(offset_ + pos, out);
    else
        std::memcpy(out.data(), body_.data() + pos, out.size());
}

codec::frame message_wire::start_frame(std::size_t preview, std::uint64_t& payload_length) {
    if (done_ || header_ready_)
        throw std::logic_error("message_wire::start_frame: no frame to start");
    frame_length_ = std::min(fragment_, size_ - message_pos_);
    codec::frame f;
    f.op = first_ ? op_ : codec::opcode::continuation;
    f.rsv = first_ ? first_rsv_ : 0;
    f.fin = message_pos_ + frame_length_ == size_;
    f.declared_length = frame_length_; // header only: the payload is streamed after it
    if (keys_)
        codec::mask(f, *keys_);
    key_ = f.key;
    header_ = codec::encode(f);
    header_ready_ = true;
    first_ = false;
    frame_pos_ = 0;

    // For the wire log: the frame as sent, with a cut of its payload.
    payload_length = frame_length_;
    f.declared_length.reset();
    f.payload.resize(static_cast<std::size_t>(std::min<std::uint64_t>(preview, frame_length_)));
    fill(message_pos_, f.payload);
    return f;
}

std::size_t message_wire::next(std::span<codec::byte> out) {
    if (done_ || !header_ready_)
        return 0;
    std::size_t written = 0;
    if (frame_pos_ < header_.size()) {
        auto n = std::min(out.size(), header_.size() - static_cast<std::size_t>(frame_pos_));
        std::memcpy(out.data(), header_.data() + frame_pos_, n);
        frame_pos_ += n;
        written = n;
    }
    const std::uint64_t payload_done =
        frame_pos_ - std::min<std::uint64_t>(frame_pos_, header_.size());
    if (frame_pos_ >= header_.size() && written < out.size() && payload_done < frame_length_) {
        auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(out.size() - written, frame_length_ - payload_done));
        auto piece = out.subspan(written, n);
        fill(message_pos_ + payload_done, piece);
        if (keys_)
            codec::apply_mask(piece, key_, payload_done);
        frame_pos_ += n;
        written += n;
    }
    if (frame_pos_ == header_.size() + frame_length_) { // the frame is out
        message_pos_ += frame_length_;
        header_ready_ = false;
        frame_pos_ = 0;
        done_ = message_pos_ == size_;
    }
    return written;
}

echo_checker::echo_checker(bool binary, const pattern_payload& payload, std::uint64_t size,
                           std::uint64_t offset)
    : binary_(binary), payload_(payload), size_(size), offset_(offset) {}

bool echo_checker::add(bool binary_opcode, bool first_frame, bool fin, codec::byte_view payload) {
    if (failed() || complete_)
        return !failed();
    if (first_frame && binary_opcode != binary_) {
        problem_ = std::string("the echo is a ") + (binary_opcode ? "binary" : "text") +
                   " message; a " + (binary_ ? "binary" : "text") + " message was sent";
        return false;
    }
    if (!binary_ && !utf8_.feed(payload))
        utf8_error_ = utf8_.error_offset();
    auto room = size_ - received_;
    auto compared =
        payload.first(static_cast<std::size_t>(std::min<std::uint64_t>(room, payload.size())));
    if (auto at = payload_.first_mismatch(offset_ + received_, compared)) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "the echo differs from what was sent at byte %llu of %llu (sent 0x%02x, "
                      "got 0x%02x)",
                      static_cast<unsigned long long>(received_ + *at),
                      static_cast<unsigned long long>(size_),
                      payload_.at(offset_ + received_ + *at), compared[*at]);
        problem_ = buf;
        return false;
    }
    received_ += payload.size();
    if (payload.size() > room) {
        problem_ = "the echo is longer than the " + std::to_string(size_) + " bytes sent";
        return false;
    }
    if (fin) {
        if (received_ < size_) {
            problem_ = "the echo ended after " + std::to_string(received_) + " of the " +
                       std::to_string(size_) + " bytes sent";
            return false;
        }
        if (!binary_ && !utf8_.finish() && !utf8_error_)
            utf8_error_ = utf8_.error_offset();
        complete_ = true;
    }
    return true;
}

std::optional<double> percentile(std::vector<double> values, double p) {
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    rank = std::clamp<std::size_t>(rank, 1, values.size());
    return values[rank - 1];
}

std::string size_words(std::uint64_t n) {
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        return std::to_string(n >> 20) + " MiB";
    if (n >= (1u << 10) && n % (1u << 10) == 0)
        return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

} // namespace wsconform::runner
