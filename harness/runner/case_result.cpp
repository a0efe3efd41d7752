#include "harness/runner/case_result.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace wsconform::runner {

void case_result::timeout_decided(seconds waited) {
    decided_by_timeout = std::max(decided_by_timeout.value_or(seconds(0)), waited);
}

std::string iso_now() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[40];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count()));
    return out;
}

std::string case_result::observation() const {
    if (!handshake_ok)
        return result;
    std::string s = received.empty() ? "no events" : describe_events(received);
    if (remote_close_code)
        s += "; close " + std::to_string(*remote_close_code) + " from peer";
    else if (!closed_by_me && !dropped_by_me)
        s += "; no close code from peer";
    s += closed_by_me ? "; tester closed first" : "; peer closed first";
    s += dropped_by_me ? "; TCP dropped by tester" : "; TCP closed by peer";
    return s;
}

} // namespace wsconform::runner
