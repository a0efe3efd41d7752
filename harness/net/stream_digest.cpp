#include "harness/net/stream_digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace wsconform::net {

void stream_digest::ctx_free::operator()(evp_md_ctx_st* c) const {
    EVP_MD_CTX_free(c);
}

namespace {

evp_md_ctx_st* new_sha256() {
    EVP_MD_CTX* c = EVP_MD_CTX_new();
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(c);
        throw std::runtime_error("SHA-256 unavailable");
    }
    return c;
}

} // namespace

stream_digest::stream_digest(std::size_t head, std::size_t tail)
    : head_limit_(head), tail_limit_(tail), sha_(new_sha256()) {}

stream_digest::~stream_digest() = default;

stream_digest::stream_digest(const stream_digest& other)
    : head_limit_(other.head_limit_), tail_limit_(other.tail_limit_), total_(other.total_),
      middle_(other.middle_), head_(other.head_),
      pending_(other.pending_.begin() + static_cast<std::ptrdiff_t>(other.start_),
               other.pending_.end()),
      sha_(EVP_MD_CTX_new()) {
    if (!sha_ || EVP_MD_CTX_copy_ex(sha_.get(), other.sha_.get()) != 1)
        throw std::runtime_error("SHA-256 state cannot be copied");
}

stream_digest& stream_digest::operator=(const stream_digest& other) {
    if (this != &other) {
        stream_digest copy(other);
        head_limit_ = copy.head_limit_;
        tail_limit_ = copy.tail_limit_;
        total_ = copy.total_;
        middle_ = copy.middle_;
        head_ = std::move(copy.head_);
        pending_ = std::move(copy.pending_);
        start_ = 0;
        sha_ = std::move(copy.sha_);
    }
    return *this;
}

void stream_digest::hash(codec::byte_view data) {
    if (data.empty())
        return;
    EVP_DigestUpdate(sha_.get(), data.data(), data.size());
    middle_ += data.size();
}

void stream_digest::add(codec::byte_view data) {
    total_ += data.size();
    if (head_.size() < head_limit_) {
        auto take = std::min(head_limit_ - head_.size(), data.size());
        head_.insert(head_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
        data = data.subspan(take);
    }
    if (data.empty())
        return;
    if (data.size() >= tail_limit_) {
        // The new bytes alone fill the tail: all kept so far is middle, and so is their front.
        // Hashed in place rather than copied in first (one write may be a 16 MiB message).
        hash(codec::byte_view(pending_).subspan(start_));
        pending_.assign(data.end() - static_cast<std::ptrdiff_t>(tail_limit_), data.end());
        start_ = 0;
        hash(data.first(data.size() - tail_limit_));
        return;
    }
    pending_.insert(pending_.end(), data.begin(), data.end());
    if (auto live = pending_.size() - start_; live > tail_limit_) {
        hash(codec::byte_view(pending_).subspan(start_, live - tail_limit_));
        start_ += live - tail_limit_;
    }
    if (start_ > std::max<std::size_t>(tail_limit_, 4096)) {
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
}

stream_ends stream_digest::ends() const {
    stream_ends e;
    e.total = total_;
    e.head = head_;
    e.tail.assign(pending_.begin() + static_cast<std::ptrdiff_t>(start_), pending_.end());
    e.tail_offset = total_ - e.tail.size();
    // Finish a copy: the original keeps running for bytes still to come.
    std::unique_ptr<EVP_MD_CTX, ctx_free> done(EVP_MD_CTX_new());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (done && EVP_MD_CTX_copy_ex(done.get(), sha_.get()) == 1 &&
        EVP_DigestFinal_ex(done.get(), md, &n) == 1)
        e.middle_sha256 = codec::to_hex(codec::byte_view(md, n));
    return e;
}

} // namespace wsconform::net
