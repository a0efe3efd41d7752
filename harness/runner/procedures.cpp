// Cases that are not one scripted connection: a size-limit search, a crowd of connections, TLS
// checks; and the survival check after a case. Each is built from scripted connections
// (run_connection) or a bare TLS handshake, so verdict rules stay in one place.

#include "harness/runner/procedures.hpp"

#include "harness/http2/shared_connection.hpp"
#include "harness/runner/http2_checks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace wsconform::runner {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using codec::bytes;

const case_def& canary_case() {
    static const case_def canary = [] {
        case_def c;
        c.id = "canary";
        c.title = "Echo one text message on a fresh connection";
        c.script = {send_frames{{codec::text_frame("wsconform canary")}, {}, false},
                    fail_after{seconds(1), false}};
        c.expected = {
            {verdict::ok, {text_message("wsconform canary")}, std::nullopt, {}, false, false}};
        return c;
    }();
    return canary;
}

namespace {

/// "1048576 bytes (1 MiB)": the exact count, and the size as people read it when that differs.
std::string human_size(std::uint64_t n) {
    auto exact = std::to_string(n) + " bytes";
    auto text = size_text(n);
    return text.ends_with("byte") || text.ends_with("bytes") ? exact : exact + " (" + text + ")";
}

// --- size limit -------------------------------------------------------------------------------

/// One probe: a binary message of `size` bytes must come back unchanged.
case_def size_probe(const case_def& c, std::uint64_t size) {
    bytes payload(size);
    // Deterministic and not compressible into a pattern a server could special-case.
    std::uint32_t x = 0x9e3779b9u ^ static_cast<std::uint32_t>(size);
    for (auto& b : payload) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<codec::byte>(x);
    }
    case_def p;
    p.id = c.id;
    p.title = c.title;
    p.rfc = c.rfc;
    p.expected = {{verdict::ok, {binary_message(payload)}, std::nullopt, {}, false, false}};
    p.script = {
        send_frames{{codec::make_frame(codec::opcode::binary, std::move(payload))}, {}, false},
        fail_after{seconds(10), false}};
    return p;
}

asio::awaitable<case_result> search_size_limit(const case_def& c, const size_limit_search& s,
                                               const session_settings& settings) {
    std::uint64_t largest_echoed = 0;
    std::optional<std::uint64_t> smallest_refused;
    std::optional<case_result> refused_result, echoed_result;
    std::vector<std::string> probes;
    bool lost = false; // the server stopped accepting connections

    auto probe = [&](std::uint64_t size) -> asio::awaitable<bool> {
        auto r = co_await run_connection(size_probe(c, size), settings);
        bool echoed = r.behavior == verdict::ok && r.handshake_ok;
        std::string what = echoed            ? "echoed"
                           : !r.handshake_ok ? "no connection: " + r.result
                           : r.remote_close_code
                               ? "refused with close " + std::to_string(*r.remote_close_code)
                               : "no echo: " + r.result;
        probes.push_back(std::to_string(size) + " bytes: " + what);
        lost = lost || !r.handshake_ok;
        if (echoed) {
            largest_echoed = std::max(largest_echoed, size);
            echoed_result = std::move(r);
        } else {
            smallest_refused = smallest_refused ? std::min(*smallest_refused, size) : size;
            if (size == *smallest_refused)
                refused_result = std::move(r);
        }
        co_return echoed;
    };

    // Bracket the limit by doubling (or halving), then bisect to the byte. Limits are often a
    // power of two, so the size just above the bracket's floor is tried first.
    std::uint64_t size = std::min(s.first, s.bound);
    if (co_await probe(size)) {
        while (size < s.bound && !lost) {
            size = std::min(size * 2, s.bound);
            if (!co_await probe(size))
                break;
        }
    } else {
        while (size > 1 && !lost) {
            size /= 2;
            if (co_await probe(size))
                break;
        }
    }
    if (smallest_refused && largest_echoed > 0 && *smallest_refused > largest_echoed + 1 && !lost)
        co_await probe(largest_echoed + 1);
    while (smallest_refused && *smallest_refused > largest_echoed + 1 && !lost)
        co_await probe(largest_echoed + (*smallest_refused - largest_echoed) / 2);

    case_result r = refused_result  ? std::move(*refused_result)
                    : echoed_result ? std::move(*echoed_result)
                                    : case_result{};
    std::vector<std::string> notes;
    notes.push_back("probes (" + std::to_string(probes.size()) + "), this record is of the " +
                    std::string(refused_result ? "smallest refused" : "largest echoed") + " one:");
    for (auto& p : probes)
        notes.push_back("  " + p);
    notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    r.notes = std::move(notes);
    r.metrics["largest_echoed_bytes"] = static_cast<double>(largest_echoed);
    if (smallest_refused)
        r.metrics["smallest_refused_bytes"] = static_cast<double>(*smallest_refused);

    if (lost) {
        decide(r, verdict::failed,
               "the server stopped accepting connections during the search (largest "
               "message echoed before: " +
                   human_size(largest_echoed) + ")");
    } else if (!smallest_refused) {
        decide(r, verdict::informational,
               "echoed every size up to the " + human_size(s.bound) +
                   " bound: no message-size limit found (RFC 6455 10.4: implementations "
                   "SHOULD impose one)");
    } else if (largest_echoed == 0) {
        decide(r, verdict::failed, "the server did not echo even a 1-byte binary message");
    } else {
        auto code = r.remote_close_code;
        std::string found = "largest message echoed: " + human_size(largest_echoed) + "; " +
                            std::to_string(*smallest_refused) + " bytes ";
        if (code && *code == codec::close_codes::message_too_big)
            decide(r, verdict::ok, found + "-> close 1009 (message too big)");
        else if (code)
            decide(r, verdict::non_strict,
                   found + "-> close " + std::to_string(*code) +
                       " (RFC 6455 7.4.1: 1009 is the code for a message too big)");
        else
            decide(r, verdict::non_strict,
                   found + "-> the connection ended without a Close frame (RFC 6455 "
                           "7.4.1: a Close with 1009 says why)");
        if (code)
            r.metrics["refusal_close_code"] = *code;
    }
    r.result_close = "the search ran " + std::to_string(probes.size()) + " connections";
    co_return r;
}

// --- crowd ------------------------------------------------------------------------------------

/// How much longer each member of a crowd may wait to connect and be answered, per member.
constexpr seconds crowd_wait_per_member{0.01};

/// How many files this process may open: the crowd needs one per connection.
std::uint64_t open_file_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return 0;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &lim);
        (void)getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

asio::awaitable<case_result> run_crowd(const case_def& c, const connection_crowd& crowd,
                                       const session_settings& settings) {
    const std::size_t n = crowd.connections;
    if (auto limit = open_file_limit(); limit < n + 64)
        co_return decided_without_connection(
            verdict::informational, "not checked: this process may open only " +
                                        std::to_string(limit) + " files; raise 'ulimit -n' above " +
                                        std::to_string(n + 64));
    auto ex = co_await asio::this_coro::executor;
    auto members = settings;
    members.gate = std::make_shared<crowd_gate>(ex, n);
    // A conforming server may take its connections one at a time (a process per connection):
    // the last of n then waits for the n-1 before it, so each member's connect and handshake
    // timers grow with the crowd (10 ms per member: 15 s for 1,000).
    const seconds crowd_wait =
        settings.case_timers.scaled(crowd_wait_per_member) * static_cast<double>(n);
    members.connect_timeout += crowd_wait;
    members.open_handshake_timeout += crowd_wait;
    std::vector<case_result> results(n);
    crowd_gate finished(ex, n);
    auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        asio::co_spawn(
            ex,
            [&, i]() -> asio::awaitable<void> {
                try {
                    results[i] = co_await run_connection(c, members);
                } catch (const std::exception& e) {
                    results[i].result = std::string("internal error: ") + e.what();
                }
                finished.arrive();
            },
            asio::detached);
    }
    co_await finished.wait();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();

    std::size_t echoed = 0, opened = 0, refused_http = 0, refused_tcp = 0, refused_close = 0;
    std::vector<std::size_t> failed;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = results[i];
        if (r.handshake_ok)
            ++opened;
        if (r.handshake_ok && r.behavior == verdict::ok && r.received.size() == 1)
            ++echoed;
        else if (r.handshake_ok && r.behavior == verdict::ok)
            ++refused_close; // closed with a refusal code (1008/1011/1013)
        else if (!r.handshake_ok && r.behavior == verdict::ok)
            ++refused_http;
        else if (r.connect_error && r.connect_error != asio::error::timed_out)
            ++refused_tcp;
        else
            failed.push_back(i);
    }
    case_result r = std::move(results[failed.empty() ? 0 : failed.front()]);
    r.metrics["connections"] = static_cast<double>(n);
    r.metrics["opened"] = static_cast<double>(opened);
    r.metrics["echoed"] = static_cast<double>(echoed);
    r.metrics["refused"] = static_cast<double>(refused_http + refused_tcp + refused_close);
    r.metrics["failed"] = static_cast<double>(failed.size());
    r.metrics["wall_ms"] = static_cast<double>(ms);
    std::string counts = std::to_string(opened) + " of " + std::to_string(n) +
                         " connections open at once, " + std::to_string(echoed) + " echoed";
    if (auto refused = refused_http + refused_tcp + refused_close)
        counts += ", " + std::to_string(refused) + " refused cleanly (" +
                  std::to_string(refused_http) + " by HTTP status, " + std::to_string(refused_tcp) +
                  " at TCP, " + std::to_string(refused_close) + " by Close code)";
    counts += ", in " + std::to_string(ms) + " ms";
    r.notes.insert(r.notes.begin(), "this record is of connection " +
                                        std::to_string(failed.empty() ? 0 : failed.front()) +
                                        " of the crowd");
    // No MUST covers capacity (RFC 6455 10.4 leaves limits to the implementation): the counts
    // are the finding.
    if (!failed.empty())
        decide(r, verdict::informational,
               counts + "; " + std::to_string(failed.size()) +
                   " neither served nor refused cleanly (first: " + r.result + ")");
    else
        decide(r, verdict::informational, counts);
    r.behavior_close = close_verdict::informational;
    r.result_close = "each connection was judged on its own; see the counts";
    co_return r;
}

// --- TLS --------------------------------------------------------------------------------------

std::string utc_date(std::int64_t unix_time) {
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

asio::awaitable<case_result> run_tls_check(const tls_check& check,
                                           const session_settings& settings) {
    if (!settings.url.tls)
        co_return decided_without_connection(verdict::informational,
                                             "not checked: the target is not a wss:// URL");
    using kind = tls_check::kind;
    auto tls = settings.tls_setup;
    tls.verify = false; // look at the certificate ourselves; the connection must go ahead
    tls.load_trust = check.what == kind::certificate_chain;
    tls.versions = check.what == kind::legacy_tls_1_0   ? net::tls_versions::only_1_0
                   : check.what == kind::legacy_tls_1_1 ? net::tls_versions::only_1_1
                                                        : net::tls_versions::defaults;
    std::string error;
    auto context = net::make_tls_context(tls, &error);
    if (!context)
        co_return decided_without_connection(verdict::informational, "not checked: " + error);

    auto ex = co_await asio::this_coro::executor;
    net::wire_recorder recorder;
    net::transport t(ex, context, &recorder);
    auto timeout = to_ms(settings.connect_timeout);
    auto ec = co_await t.connect(settings.url, timeout);
    auto peer = ec ? std::nullopt : t.peer(settings.url.host);
    t.close();
    auto finish = [&](case_result r) {
        r.chunks = recorder.chunks();
        r.stream_ends = recorder.ends();
        if (peer)
            r.notes.push_back("TLS: " + peer->protocol + ", certificate subject " +
                              (peer->subject.empty() ? "(none)" : peer->subject));
        return r;
    };

    if (check.what == kind::legacy_tls_1_0 || check.what == kind::legacy_tls_1_1) {
        std::string version = check.what == kind::legacy_tls_1_0 ? "TLS 1.0" : "TLS 1.1";
        if (!ec)
            co_return finish(decided_without_connection(
                verdict::non_strict, "the server accepted a " + version + "-only client (" +
                                         peer->protocol +
                                         "); RFC 8996 deprecates TLS 1.0 and 1.1: disable them"));
        if (ec.message().find("no protocols available") != std::string::npos)
            co_return finish(decided_without_connection(
                verdict::informational, "not checked: this OpenSSL build cannot offer " + version));
        if (ec == asio::error::timed_out || ec == asio::error::connection_refused)
            co_return finish(decided_without_connection(verdict::failed, "could not connect to " +
                                                                             settings.url.text +
                                                                             ": " + ec.message()));
        co_return finish(decided_without_connection(verdict::ok, "the server refused a " + version +
                                                                     "-only client (" +
                                                                     ec.message() + ")"));
    }
    if (ec)
        co_return finish(decided_without_connection(verdict::failed,
                                                    "could not connect to " + settings.url.text +
                                                        " with TLS: " + ec.message()));
    if (!peer || !peer->has_certificate)
        co_return finish(decided_without_connection(verdict::informational,
                                                    "the server presented no certificate"));

    switch (check.what) {
    case kind::certificate_chain: {
        std::string store = settings.tls_setup.ca_file.empty()
                                ? std::string("the system trust store")
                                : "--ca " + settings.tls_setup.ca_file;
        if (peer->verify_result == 0)
            co_return finish(decided_without_connection(
                verdict::ok, "the certificate chain verifies against " + store));
        co_return finish(decided_without_connection(
            verdict::informational, "the certificate does not verify against " + store + ": " +
                                        peer->verify_message +
                                        " (clients that verify, as browsers do, will refuse it)"));
    }
    case kind::certificate_expiry: {
        auto now = static_cast<std::int64_t>(std::time(nullptr));
        auto days = (peer->not_after - now) / 86400;
        auto r = [&] {
            if (now < peer->not_before)
                return decided_without_connection(verdict::informational,
                                                  "the certificate is not valid yet: from " +
                                                      utc_date(peer->not_before));
            if (now > peer->not_after)
                return decided_without_connection(verdict::informational,
                                                  "the certificate expired on " +
                                                      utc_date(peer->not_after));
            if (days < 14)
                return decided_without_connection(
                    verdict::informational, "the certificate expires in " + std::to_string(days) +
                                                " days (" + utc_date(peer->not_after) + ")");
            return decided_without_connection(verdict::ok, "the certificate is valid until " +
                                                               utc_date(peer->not_after) + " (" +
                                                               std::to_string(days) + " days)");
        }();
        r.metrics["days_left"] = static_cast<double>(days);
        co_return finish(std::move(r));
    }
    case kind::certificate_host:
        if (peer->names_host)
            co_return finish(decided_without_connection(
                verdict::ok, "the certificate is valid for " + settings.url.host));
        co_return finish(decided_without_connection(verdict::informational,
                                                    "the certificate (" + peer->subject +
                                                        ") is not valid for " + settings.url.host));
    default:
        break;
    }
    co_return finish(
        decided_without_connection(verdict::failed, "internal error: unknown TLS check"));
}

// --- slow handshake -------------------------------------------------------------------------

/// A slow handshake must not starve other clients (slow-loris): 2 s into it, a fresh
/// connection must get its echo while the slow one is still being held.
asio::awaitable<case_result> run_slow_handshake(const case_def& c,
                                                const session_settings& settings) {
    auto ex = co_await asio::this_coro::executor;
    auto during = [&]() -> asio::awaitable<case_result> {
        asio::steady_timer delay(ex, settings.case_timers.steady(seconds(2)));
        co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
        auto started = std::chrono::steady_clock::now();
        auto r = co_await run_connection(canary_case(), settings);
        r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        co_return r;
    };
    auto [slow, canary] = co_await (run_connection(c, settings) && during());
    // Served is what counts here; how the canary's closing went is not this case's business.
    if (canary.behavior == verdict::ok) {
        slow.notes.push_back("while the slow handshake was held, a fresh connection got its echo "
                             "in " +
                             std::to_string(canary.duration_ms) + " ms");
    } else {
        if (canary.decided_by_timeout)
            slow.timeout_decided(*canary.decided_by_timeout);
        decide(slow, verdict::failed,
               "while the slow handshake was held, a fresh connection was not served (" +
                   canary.result + "): one slow client starves the others; " + slow.result);
    }
    co_return slow;
}

// --- versions ---------------------------------------------------------------------------------

/// The versions the server says it understands when asked for one nobody speaks (255, the
/// largest the ABNF of RFC 6455 4.3 allows), from its refusal's Sec-WebSocket-Version.
asio::awaitable<std::vector<std::string>> versions_understood(const case_def& c,
                                                              const session_settings& settings) {
    case_def probe;
    probe.id = c.id;
    probe.title = c.title;
    probe.request.edits = {{header_edit::action::set, "Sec-WebSocket-Version", "255"}};
    probe.handshake.what = handshake_expectation::rule::must_refuse;
    auto r = co_await run_connection(probe, settings);
    codec::upgrade_response response;
    if (codec::parse_response(r.response, response) != codec::response_parse_status::complete)
        co_return std::vector<std::string>{};
    co_return response.list("Sec-WebSocket-Version");
}

/// A refusal of a version a server may still speak (0, 8) came without Sec-WebSocket-Version:
/// it is a version refusal only if the server does not list that version for an unknown one.
/// (websocketpp speaks 0, 7, 8 and 13: a request with version 0 and no hixie-76 key fields is
/// malformed for that version, and refused as such.)
asio::awaitable<void> check_version_understood(const case_def& c, case_result& r,
                                               const session_settings& settings) {
    codec::upgrade_response response;
    if (r.behavior != verdict::failed ||
        codec::parse_response(r.response, response) != codec::response_parse_status::complete ||
        response.status < 400 || !response.list("Sec-WebSocket-Version").empty())
        co_return;
    auto versions = co_await versions_understood(c, settings);
    std::string listed;
    for (const auto& v : versions)
        listed += (listed.empty() ? "" : ", ") + v;
    if (std::find(versions.begin(), versions.end(), c.handshake.requested_version) ==
        versions.end()) {
        r.notes.push_back("asked for version 255, the server lists " +
                          (listed.empty() ? std::string("no version") : listed));
        co_return;
    }
    decide(r, verdict::ok,
           "refused with status " + std::to_string(response.status) +
               "; the server understands version " + c.handshake.requested_version +
               " (asked for version 255, it lists " + listed +
               "), so this refusal is not about the version");
    r.result_close = "no WebSocket connection was to be opened";
}

} // namespace

namespace {
/// A FAILED result ends with the requirements the case enforces, quoted.
void cite_when_failed(const case_def& c, case_result& r) {
    if (r.overall == verdict::failed && !c.musts.empty())
        r.result += " [" + cite_musts(c) + "]";
}
} // namespace

namespace {
/// Over HTTP/2, the connection a case's stream shared with others ended during the case: maybe
/// this case's doing, maybe another's (a server that drops the connection when one stream
/// closes takes every stream along). The case runs again on an HTTP/2 connection of its own,
/// and that run decides.
asio::awaitable<case_result>
run_on_own_connection(const case_def& c, const session_settings& settings, case_result shared) {
    auto own = settings;
    own.http2 = std::make_shared<http2::shared_connection>(
        settings.http2->url(), settings.http2->tls(), settings.http2->settings());
    auto result = co_await run_connection(c, own);
    own.http2->close();
    result.notes.insert(result.notes.begin(),
                        "the HTTP/2 connection this case shared with others ended during its "
                        "first run (" +
                            shared.result + "); this is its run on a connection of its own");
    result.shared_connection_lost = false;
    co_return result;
}
} // namespace

asio::awaitable<case_result> run_case(const case_def& c, const session_settings& settings) {
    case_result result;
    if (settings.clients) {
        result = co_await run_client_case(c, settings);
        cite_when_failed(c, result);
        co_return result;
    }
    if (const auto* search = std::get_if<size_limit_search>(&c.run_as))
        result = co_await search_size_limit(c, *search, settings);
    else if (const auto* crowd = std::get_if<connection_crowd>(&c.run_as))
        result = co_await run_crowd(c, *crowd, settings);
    else if (const auto* tls = std::get_if<tls_check>(&c.run_as))
        result = co_await run_tls_check(*tls, settings);
    else if (const auto* h2 = std::get_if<http2_check>(&c.run_as))
        result = co_await run_http2_check(c, *h2, settings);
    else if (c.request.trickle_interval > seconds(0))
        result = co_await run_slow_handshake(c, settings);
    else
        result = co_await run_connection(c, settings);
    if (result.shared_connection_lost && settings.http2)
        result = co_await run_on_own_connection(c, settings, std::move(result));
    if (c.handshake.version_may_be_understood)
        co_await check_version_understood(c, result, settings);
    if (c.check_alive_after) {
        auto started = std::chrono::steady_clock::now();
        auto canary = co_await run_connection(canary_case(), settings);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
        // Served is what counts here; how the canary's closing went is not this case's business.
        if (canary.behavior == verdict::ok) {
            result.notes.push_back("server still serving: a fresh connection got its echo in " +
                                   std::to_string(ms) + " ms");
        } else {
            // A case that cannot fail (a crowd: no MUST covers capacity) reports it as its
            // finding; the cases after it see the server gone.
            if (canary.decided_by_timeout)
                result.timeout_decided(*canary.decided_by_timeout);
            result.behavior = can_fail(c) ? verdict::failed : verdict::informational;
            result.overall = result.behavior;
            result.result = "the server did not serve a fresh connection afterwards (" +
                            canary.result + "); " + result.result;
        }
    }
    cite_when_failed(c, result);
    co_return result;
}

} // namespace wsconform::runner
