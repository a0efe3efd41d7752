#pragma once
/// Testing a client: the keys of every connection of the run, for the cases that check them
/// across connections. RFC 6455 §4.1: the Sec-WebSocket-Key "MUST be a nonce consisting of a
/// randomly selected 16-byte value [...] randomly selected for each connection"; §5.3: each
/// masking key is fresh and unpredictable. A client that seeds its random numbers the same way
/// in every process, or not at all, repeats them from one connection to the next, which no
/// single connection shows.

#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsconform::runner {

class client_key_log {
  public:
    /// Connections kept, at most: the run's memory stays bounded (a few MiB) whatever it runs.
    static constexpr std::size_t capacity = 100000;

    /// Notes the connection of case `case_id`: its Sec-WebSocket-Key, and the mask key of the
    /// first masked frame it sent, if any.
    void add(std::string case_id, std::string handshake_key,
             std::optional<std::uint32_t> first_mask_key);
    std::size_t size() const { return entries_.size(); }

    /// The first Sec-WebSocket-Key sent on two connections: "the connections of cases 1.1.1
    /// and 2.3 both sent dGhl...", or "" when none was.
    std::string repeated_handshake_key() const;
    /// The first all-zero first mask key, or the first one two connections started with, or "".
    std::string repeated_mask_key() const;

  private:
    struct entry {
        std::string case_id;
        std::string handshake_key;
        std::optional<std::uint32_t> first_mask_key;
    };
    std::vector<entry> entries_;
};

/// A mask key as 8 hex digits ("deadbeef"), for reasons.
std::string hex_key(std::uint32_t key);

/// The mask keys of the masked frames the peer sent in record `r`, in order, as 32-bit values.
std::vector<std::uint32_t> received_mask_keys(const case_result& r);

/// Judges the check across the run that case `c` makes (case_def::checks_across_run) from
/// `log`, which already holds the case's own connection: a repeat FAILS `r`.
void judge_across_run(const case_def& c, const client_key_log& log, case_result& r);

} // namespace wsconform::runner
