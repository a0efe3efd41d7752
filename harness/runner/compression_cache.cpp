#include "harness/runner/compression_cache.hpp"

#include <functional>

namespace wsconform::runner {

std::size_t compression_cache::key_hash::operator()(const key& k) const noexcept {
    std::size_t h = std::hash<const void*>{}(k.source.get());
    for (std::uint64_t v :
         {k.offset, k.size, std::uint64_t(k.window_bits) << 8 | unsigned(k.level)})
        h = h * 1099511628211u ^ std::hash<std::uint64_t>{}(v);
    return h;
}

std::shared_ptr<const codec::bytes> compression_cache::find(const key& k) {
    auto it = index_.find(k);
    if (it == index_.end()) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    entries_.splice(entries_.begin(), entries_, it->second); // now the most recently used
    return it->second->compressed;
}

void compression_cache::insert(key k, std::shared_ptr<const codec::bytes> compressed) {
    const std::uint64_t size = compressed->size();
    if (size > budget_ || index_.contains(k))
        return;
    while (held_ + size > budget_) {
        held_ -= entries_.back().compressed->size();
        index_.erase(entries_.back().k);
        entries_.pop_back();
    }
    entries_.push_front({k, std::move(compressed)});
    index_.emplace(std::move(k), entries_.begin());
    held_ += size;
}

} // namespace wsconform::runner
