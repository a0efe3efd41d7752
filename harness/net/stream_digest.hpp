#pragma once
/// One direction of a connection's bytes as a shortened wire record keeps them (docs/report.md,
/// `--wire-log`): the first `head` bytes, the last `tail` bytes, and of the middle only its
/// length and SHA-256. Computed while the bytes stream through, so what it holds does not grow
/// with the traffic: a 16 MiB echo keeps its closing handshake even where the recorder's budget
/// stopped keeping bytes long before.

#include "harness/codec/bytes.hpp"

#include <cstdint>
#include <memory>
#include <string>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX, kept out of this header

namespace wsconform::net {

/// What a stream_digest saw, once the connection is over.
struct stream_ends {
    std::uint64_t total = 0;       ///< bytes in this direction
    codec::bytes head;             ///< bytes [0, head.size())
    std::uint64_t tail_offset = 0; ///< where `tail` starts in the stream (>= head.size())
    codec::bytes tail;             ///< bytes [tail_offset, total)
    std::string middle_sha256;     ///< hex SHA-256 of bytes [head.size(), tail_offset)

    std::uint64_t middle_length() const { return tail_offset - head.size(); }
};

class stream_digest {
  public:
    static constexpr std::size_t default_head = 4096;
    static constexpr std::size_t default_tail = 4096;

    explicit stream_digest(std::size_t head = default_head, std::size_t tail = default_tail);
    ~stream_digest();
    // Copies hash state too: a recorder (and the record made from it) may be copied.
    stream_digest(const stream_digest& other);
    stream_digest& operator=(const stream_digest& other);

    void add(codec::byte_view data);
    /// The head, tail and middle digest so far (the running hash is not disturbed).
    stream_ends ends() const;
    std::uint64_t total() const { return total_; }

  private:
    struct ctx_free {
        void operator()(evp_md_ctx_st* c) const;
    };
    void hash(codec::byte_view data);

    std::size_t head_limit_;
    std::size_t tail_limit_;
    std::uint64_t total_ = 0;
    std::uint64_t middle_ = 0; ///< bytes hashed
    codec::bytes head_;
    /// The latest bytes past the head; [start_, end) are the tail, what is before start_ has
    /// been hashed and is dropped now and then (not on every add: a flood of one-byte reads
    /// would move the whole tail each time).
    codec::bytes pending_;
    std::size_t start_ = 0;
    std::unique_ptr<evp_md_ctx_st, ctx_free> sha_;
};

} // namespace wsconform::net
