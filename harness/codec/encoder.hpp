#pragma once
/// Writes any frame exactly as described, valid or not: the encoder never validates. Use it to
/// build conforming traffic and every kind of broken traffic alike.

#include "harness/codec/frame.hpp"

#include <random>
#include <vector>

namespace wsconform::codec {

/// Appends the wire bytes of `f` to `out`: header in the requested length form, declared
/// length if set, payload masked with `f.key` when `f.masked`.
void encode(const frame& f, bytes& out);
bytes encode(const frame& f);

/// Number of header bytes `f` encodes to.
std::size_t header_size(const frame& f);

/// XORs `data` with `key`, where data[0] is at offset `offset` of the payload (§5.3).
void apply_mask(std::span<byte> data, const mask_key& key, std::uint64_t offset = 0);

/// Source of masking keys for a client (§5.3: unpredictable per frame). Seedable so a run can
/// be reproduced byte for byte.
class mask_source {
  public:
    explicit mask_source(std::uint64_t seed = std::random_device{}()) : rng_(seed) {}
    mask_key next();

  private:
    std::mt19937_64 rng_;
};

/// Sets the mask bit and a fresh key on `f`.
void mask(frame& f, mask_source& keys);

/// Splits `data` into pieces of at most `chunk` bytes (chunk 0 = one piece).
std::vector<byte_view> chop(byte_view data, std::size_t chunk);

} // namespace wsconform::codec
