#include "harness/runner/client_keys.hpp"

#include <cstdio>
#include <map>

namespace wsconform::runner {

std::string hex_key(std::uint32_t key) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", key);
    return buf;
}

void client_key_log::add(std::string case_id, std::string handshake_key,
                         std::optional<std::uint32_t> first_mask_key) {
    if (entries_.size() < capacity)
        entries_.push_back({std::move(case_id), std::move(handshake_key), first_mask_key});
}

std::string client_key_log::repeated_handshake_key() const {
    std::map<std::string_view, const entry*> seen;
    for (const auto& e : entries_) {
        if (e.handshake_key.empty())
            continue;
        if (auto [at, fresh] = seen.try_emplace(e.handshake_key, &e); !fresh)
            return "the connections of cases " + at->second->case_id + " and " + e.case_id +
                   " both sent the key " + e.handshake_key;
    }
    return {};
}

std::string client_key_log::repeated_mask_key() const {
    std::map<std::uint32_t, const entry*> seen;
    for (const auto& e : entries_) {
        if (!e.first_mask_key)
            continue;
        if (*e.first_mask_key == 0)
            return "the connection of case " + e.case_id +
                   " masked its first frame with the all-zero key";
        if (auto [at, fresh] = seen.try_emplace(*e.first_mask_key, &e); !fresh)
            return "the connections of cases " + at->second->case_id + " and " + e.case_id +
                   " both masked their first frame with the key " + hex_key(*e.first_mask_key);
    }
    return {};
}

std::vector<std::uint32_t> received_mask_keys(const case_result& r) {
    std::vector<std::uint32_t> keys;
    for (const auto& f : r.frames)
        if (!f.sent && f.value.masked)
            keys.push_back(static_cast<std::uint32_t>(f.value.key[0]) << 24 |
                           static_cast<std::uint32_t>(f.value.key[1]) << 16 |
                           static_cast<std::uint32_t>(f.value.key[2]) << 8 | f.value.key[3]);
    return keys;
}

void judge_across_run(const case_def& c, const client_key_log& log, case_result& r) {
    std::string why;
    switch (c.checks_across_run) {
    case across_run::nothing:
        return;
    case across_run::handshake_keys:
        why = log.repeated_handshake_key();
        break;
    case across_run::mask_keys:
        why = log.repeated_mask_key();
        break;
    }
    r.metrics["connections_compared"] = static_cast<double>(log.size());
    if (why.empty())
        return;
    r.notes.push_back(r.result); // what the connection itself showed
    r.behavior = verdict::failed;
    r.overall = overall(r.behavior, r.behavior_close);
    r.result = "across the run: " + why;
}

} // namespace wsconform::runner
