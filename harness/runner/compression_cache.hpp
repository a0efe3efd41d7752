#pragma once
/// Our compressed forms of messages that recur across the cases of a run. Autobahn 12.x and
/// 13.x send the same slices of the same data sets again and again (12.1.10's 131,072-byte
/// messages recur in 12.1.15-18, and all of 12.1's in every 13.x), and without context
/// takeover a message's compressed form depends only on its bytes and the compressor's
/// settings: compressed once, it is reused. Without the cache our zlib compressed ~11 GB,
/// with it ~1.3 GB. Least recently used entries go when the budget is full. Single-threaded,
/// like the runner (no locks). No I/O.

#include "harness/codec/bytes.hpp"
#include "harness/runner/echo_stream.hpp"

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

namespace wsconform::runner {

class compression_cache {
  public:
    /// One message: `size` bytes of `source` from `offset` on, compressed without context
    /// takeover at zlib `level` with a `window_bits` window.
    struct key {
        std::shared_ptr<const pattern_payload> source; ///< kept alive: its address is the id
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
        int window_bits = 15;
        int level = 1;
        bool operator==(const key&) const = default;
    };

    /// At most `budget` bytes of compressed messages are kept.
    explicit compression_cache(std::uint64_t budget) : budget_(budget) {}
    compression_cache(const compression_cache&) = delete;
    compression_cache& operator=(const compression_cache&) = delete;

    /// The message's compressed form, if kept; it stays valid while the caller holds it.
    std::shared_ptr<const codec::bytes> find(const key& k);
    /// Keeps `compressed` (unless it alone exceeds the budget), dropping the least recently
    /// used entries to make room.
    void insert(key k, std::shared_ptr<const codec::bytes> compressed);

    std::uint64_t bytes_held() const { return held_; }
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }

  private:
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept;
    };
    struct entry {
        key k;
        std::shared_ptr<const codec::bytes> compressed;
    };
    using lru_list = std::list<entry>; ///< most recently used first

    std::uint64_t budget_;
    std::uint64_t held_ = 0;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
    lru_list entries_;
    std::unordered_map<key, lru_list::iterator, key_hash> index_;
};

} // namespace wsconform::runner
