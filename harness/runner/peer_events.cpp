#include "harness/runner/peer_events.hpp"

#include <algorithm>

namespace wsconform::runner {

peer_events::peer_events(const case_def& c, std::uint64_t max_payload, case_result& record,
                         session_facts& facts)
    : case_(c), max_payload_(max_payload), record_(record), facts_(facts) {
    for (const auto& exp : c.expected)
        longest_expected_ = std::max(longest_expected_, exp.events.size());
}

bool peer_events::take(protocol::event& e) {
    using kind = protocol::event::kind;
    switch (e.what) {
    case kind::message:
        if (e.kept_compressed)
            note("a compressed message inflates to more than " + std::to_string(max_payload_) +
                 " bytes: kept compressed (" + std::to_string(e.payload.size()) + " bytes)");
        keep({.what = event::kind::message,
              .binary = e.binary,
              .payload = std::move(e.payload),
              .tag = {},
              .streamed_length = {}});
        return true;
    case kind::ping:
        // Like Autobahn, a Ping is not an event a case can expect. A peer that floods pings
        // gets its first ones noted and the rest counted.
        if (++pings_ <= pings_noted)
            note("peer sent a ping (" + std::to_string(e.payload.size()) + " bytes)");
        else if (pings_ == pings_noted + 1)
            note("more pings: counted in the metric pings_received, not noted");
        return false;
    case kind::pong:
        keep(pong(std::move(e.payload)));
        return true;
    case kind::close:
        record_.remote_close_code = e.code;
        record_.remote_close_reason = e.reason;
        return false;
    case kind::violation: {
        const auto& v = e.problem;
        auto what = "peer violated " + v.section + ": " + v.detail;
        if (facts_.violation.empty())
            facts_.violation = what;
        if (v.error == codec::protocol_error::data_after_close)
            facts_.data_after_close = true;
        // A message's violation says where in the message; the others are located in the
        // stream.
        note(what.find(" offset ") != std::string::npos
                 ? what
                 : what + " (at stream offset " + std::to_string(v.offset) + ")");
        return false;
    }
    case kind::message_chunk:
    case kind::closed:
        return false;
    }
    return false;
}

void peer_events::keep(event e) {
    const auto longest = longest_expected_;
    const auto n = record_.received.size();
    if (n >= longest + extra_events_kept) {
        if (++not_kept_ == 1)
            note("more than " + std::to_string(n) +
                 " events: the later ones are counted, not kept");
        return;
    }
    // The first few small ones keep theirs: a reason quotes them ("it answered with
    // [text 'Hello, world!']").
    const bool quoted = n < longest + 8 && e.payload.size() <= 1024;
    if (n >= longest && !quoted && !e.payload.empty() && !e.streamed_length) {
        e.streamed_length = e.payload.size();
        e.payload = codec::bytes(); // frees it (= {} would keep the capacity)
    }
    record_.received.push_back(std::move(e));
}

bool peer_events::expectation_met() const {
    if (case_.expected.empty())
        return false;
    return std::all_of(case_.expected.begin(), case_.expected.end(),
                       [&](const expected_outcome& exp) { return matches(exp, record_.received); });
}

void peer_events::count_into_metrics() const {
    if (not_kept_ > 0)
        record_.metrics["events_not_kept"] = static_cast<double>(not_kept_);
    if (pings_ > pings_noted)
        record_.metrics["pings_received"] = static_cast<double>(pings_);
}

} // namespace wsconform::runner
