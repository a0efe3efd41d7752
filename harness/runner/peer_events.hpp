#pragma once
/// What the peer's protocol events leave in a case's record: the events its expectation is
/// matched against (kept within bounds, whatever the peer sends), its Close, its pings (noted,
/// then counted) and its violations, for the judge. Pure: no sockets, no timers.

#include "harness/protocol/connection.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"
#include "harness/runner/judge.hpp"

#include <cstdint>

namespace wsconform::runner {

class peer_events {
  public:
    /// Records case `c`'s events into `record` and the peer's violations into `facts`;
    /// `max_payload` is our message limit, which a note quotes.
    peer_events(const case_def& c, std::uint64_t max_payload, case_result& record,
                session_facts& facts);

    /// Takes one event of the protocol core (a message_chunk belongs to the echo stream and is
    /// ignored here). True when it kept an event a case can expect (a message, a pong): the
    /// expectation may be met now.
    bool take(protocol::event& e);

    /// Records an event within bounds: an event past the longest expected list cannot make a
    /// list match, so it keeps its length but not its payload (bar the first few small ones),
    /// and past that list by `extra_events_kept` it is only counted. The verdict is the same
    /// (the lists differ either way); a flooding peer costs a bounded record.
    void keep(event e);

    /// Every expected list of the case matches the events kept (false for a case with none:
    /// Autobahn's finishWhenDone needs some).
    bool expectation_met() const;

    /// Puts what was counted, not kept, into the record's metrics.
    void count_into_metrics() const;

    static constexpr std::size_t extra_events_kept = 10000;
    static constexpr std::uint64_t pings_noted = 20;

  private:
    void note(std::string text) { record_.notes.push_back(std::move(text)); }

    const case_def& case_;
    std::uint64_t max_payload_;
    case_result& record_;
    session_facts& facts_;
    std::size_t longest_expected_ = 0; ///< the longest of the case's expected event lists
    std::uint64_t not_kept_ = 0;       ///< events past keep()'s bound
    std::uint64_t pings_ = 0;
};

} // namespace wsconform::runner
