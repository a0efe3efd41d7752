#include "harness/runner/opening_handshake.hpp"

#include "harness/codec/extended_connect.hpp"
#include "harness/runner/extended_connect.hpp"

#include "harness/runner/case_socket.hpp"
#include "harness/runner/client_source.hpp"
#include "harness/runner/frame_log.hpp"
#include "harness/runner/judge.hpp"
#include "harness/runner/request.hpp"
#include "harness/runner/response_reader.hpp"
#include "harness/runner/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace wsconform::runner {

namespace asio = boost::asio;
using codec::bytes;

namespace {

/// A request sent one piece per interval (slow-handshake cases) while the response is read.
/// Shared with the writing coroutine, which may outlive the handshake by one write.
struct trickle {
    explicit trickle(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    bool stopped = false;
    std::size_t octets_sent = 0;

    /// The server has answered or closed, or the limit is reached: no more pieces.
    void stop() {
        stopped = true;
        timer.cancel();
    }
};

/// Writes `wire` one `chop` piece per `interval` until it is all out or the trickle stops.
asio::awaitable<void> trickle_request(std::shared_ptr<case_socket> socket,
                                      std::shared_ptr<trickle> state, bytes wire,
                                      std::chrono::steady_clock::duration interval,
                                      std::size_t chop) {
    for (auto piece : codec::chop(wire, chop)) {
        if (state->stopped)
            co_return;
        if (auto ec = co_await socket->transport().write(piece))
            co_return;
        state->octets_sent += piece.size();
        state->timer.expires_after(interval);
        auto [ec] = co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;
    }
}

/// The wire bytes of a frame sent before the protocol core exists (with the request): masked
/// with a fresh key unless it has its own key or must go unmasked (we are the client, §5.3).
bytes outgoing(codec::frame f, bool unmasked, codec::mask_source& keys, frame_log& log) {
    if (!f.masked && !unmasked)
        codec::mask(f, keys);
    log.add(true, f);
    return codec::encode(f);
}

/// `lead` and each problem with its section ("... (RFC 6455 4.1); ... (RFC 7692 5)").
std::string listed(std::string_view lead, const std::vector<codec::handshake_problem>& problems) {
    std::string why(lead);
    for (const auto& p : problems)
        why += " " + p.what + " (" +
               (p.section.starts_with("RFC") ? p.section : "RFC 6455 " + p.section) + ");";
    why.pop_back();
    return why;
}

/// The case is decided at the handshake: no WebSocket was to be opened.
opening decided(case_result& record, verdict v, std::string why) {
    decide(record, v, std::move(why));
    record.result_close = "no WebSocket connection was to be opened";
    return opening{.how = opening::end::decided};
}

/// No WebSocket, though the case needed one: the judge fails it with `why`.
opening failed(case_result& record, std::string why) {
    record.result = std::move(why);
    record.result_close = "the opening handshake was never completed";
    return opening{.how = opening::end::failed};
}

} // namespace

std::optional<std::string> not_checkable(const case_def& c, const session_settings& settings) {
    if (c.needs_credentials &&
        std::none_of(settings.extra_headers.begin(), settings.extra_headers.end(),
                     [](const codec::header_field& h) { return is_credential(h.name); }))
        return "not checked: give the credentials your server requires with "
               "--header 'Cookie: ...' or --header 'Authorization: ...'";
    if (c.request.plaintext_to_tls_port && !settings.url.tls)
        return "not checked: the target is not a wss:// URL";
    if (c.needs_allowed_origin && settings.allowed_origin.empty())
        return "not checked: run with --allowed-origin ORIGIN (the origin the "
               "server serves) to check its origin policy";
    return std::nullopt;
}

opening judge_response(const case_def& c, const codec::upgrade_request& request,
                       const codec::upgrade_response& response, std::string_view held,
                       case_result& record, http_version over) {
    using rule = handshake_expectation::rule;
    const auto& expect = c.handshake;
    const auto offer = offer_of(request);
    opening opened{.how = opening::end::open};
    const bool h2 = over == http_version::h2;
    const bool accepted = h2 ? response.status / 100 == 2 : response.status == 101;
    if (expect.what != rule::must_upgrade && !accepted) {
        judge_refusal(c, response, record);
        record.result_close = "no WebSocket connection was to be opened";
        record.result += held;
        return opening{.how = opening::end::decided};
    }
    auto problems = h2 ? codec::check_connect_response(response, offer)
                       : codec::check_response(response, offer);
    if (expect.what == rule::must_refuse && !expect.acceptance_note.empty() && problems.empty())
        return decided(record, verdict::informational, "accepted (101): " + expect.acceptance_note);
    if (expect.what == rule::must_refuse)
        problems.insert(problems.begin(),
                        {"the server accepted (101) a request it must refuse", c.rfc});
    if (expect.what == rule::must_not_negotiate) {
        for (const auto& name : codec::extension_names(response.headers))
            if (codec::iequals(name, expect.extension))
                problems.push_back(
                    {"the server accepted the malformed " + expect.extension + " offer", c.rfc});
    }
    if (expect.what == rule::must_upgrade && problems.empty()) {
        // RFC 7692 §7.1: a selected permessage-deflate must answer one of the offers.
        auto offers = codec::parse_deflate_offers(request.list("Sec-WebSocket-Extensions"));
        auto negotiated = codec::negotiate_deflate(response.headers, offers, offer.extensions);
        if (negotiated.error) {
            problems.push_back({"invalid permessage-deflate response: " + negotiated.detail,
                                std::string(codec::rfc_reference(
                                    static_cast<codec::deflate_error>(negotiated.error.value())))});
        } else if (negotiated.agreed) {
            opened.deflate = *negotiated.agreed;
            opened.deflate_offer = negotiated.offer;
        }
    }
    if (const auto& needed = expect.requires_extension; problems.empty() && !needed.empty()) {
        auto selected = codec::extension_names(response.headers);
        if (std::none_of(selected.begin(), selected.end(),
                         [&](const std::string& name) { return codec::iequals(name, needed); }))
            return decided(record, verdict::unimplemented,
                           "the server did not negotiate " + needed + ", which this case needs");
    }
    if (problems.empty() && expect.requires_client_context_takeover && opened.deflate &&
        opened.deflate->client_no_context_takeover)
        return decided(record, verdict::unimplemented,
                       "the server forbids our context takeover "
                       "(client_no_context_takeover), which this case needs");
    if (!problems.empty())
        return failed(record, listed("opening handshake refused or invalid:", problems));
    return opened;
}

asio::awaitable<opening> open_websocket(const case_def& c, const session_settings& settings,
                                        std::shared_ptr<case_socket> socket, frame_log& log,
                                        codec::mask_source& keys, case_result& record) {
    auto& transport = socket->transport();
    if (auto why = not_checkable(c, settings))
        co_return decided(record, verdict::informational, std::move(*why));
    if (settings.http2)
        co_return co_await open_extended_connect(c, settings, socket, record);

    auto url = settings.url;
    if (c.request.plaintext_to_tls_port)
        url.tls = false; // same host and port, no TLS
    if (auto ec = co_await transport.connect(url, to_ms(settings.connect_timeout))) {
        record.connect_error = ec;
        if (ec == asio::error::timed_out)
            record.timeout_decided(settings.connect_timeout);
        co_return failed(record, "could not connect to " + settings.url.text + ": " + ec.message());
    }
    const auto& plan = c.request;
    auto key = codec::make_key();
    auto request =
        build_request(plan, settings.url, key, settings.extra_headers, settings.allowed_origin);
    record.request = request.serialize();
    bytes wire = codec::to_bytes(record.request);
    bool first_step_sent = false;
    if (plan.first_step_with_request && !c.script.empty()) {
        if (const auto* first = std::get_if<send_frames>(&c.script.front())) {
            for (const codec::frame& f : first->frames) {
                auto b = outgoing(f, first->send_unmasked, keys, log);
                wire.insert(wire.end(), b.begin(), b.end());
            }
            first_step_sent = true;
        }
    }
    // A server may answer (431, 400) and close before the whole request is written: on a
    // write error, still read what it sent.
    std::string write_error;
    const bool trickling = plan.trickle_interval > seconds(0);
    const auto connected_at = std::chrono::steady_clock::now();
    const std::size_t request_octets = wire.size();
    auto ex = co_await asio::this_coro::executor;
    auto trickled = std::make_shared<trickle>(ex);
    if (trickling) {
        // Slow handshake: the writer trickles while we read, so we see the moment the server
        // gives up on us.
        asio::co_spawn(ex,
                       trickle_request(socket, trickled, std::move(wire),
                                       settings.case_timers.steady(plan.trickle_interval),
                                       std::max<std::size_t>(1, plan.plan.chop)),
                       asio::detached);
    } else {
        for (auto piece : codec::chop(wire, plan.plan.chop)) {
            if (auto ec = co_await transport.write(piece)) {
                write_error = "could not send the whole opening handshake: " + ec.message();
                break;
            }
        }
    }

    // How long we wait for the response: the case's own limit while trickling.
    const seconds response_wait = trickling ? settings.case_timers.scaled(plan.trickle_limit)
                                            : settings.open_handshake_timeout;
    asio::steady_timer timer(ex, to_steady(response_wait));
    bool timed_out = false;
    timer.async_wait([&, socket](auto ec) {
        if (!ec) {
            timed_out = true;
            socket->transport().close();
        }
    });
    auto reading = co_await read_response(transport);
    const std::string& data = reading.data;
    const codec::upgrade_response& response = reading.response;
    std::string ended; // why no complete response arrived
    if (reading.what == response_reading::outcome::malformed)
        ended = "malformed HTTP response to the opening handshake: " + reading.parse_error;
    else if (reading.what == response_reading::outcome::ended)
        ended = timed_out ? "no opening handshake response within the timeout"
                : !write_error.empty()
                    ? write_error
                    : "connection ended during the opening handshake: " + reading.error.message();
    timer.cancel();
    if (timed_out)
        record.timeout_decided(response_wait);
    std::string held; // for slow handshakes: how long the server kept us
    if (trickling) {
        trickled->stop();
        auto held_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - connected_at)
                           .count();
        record.metrics["held_ms"] = static_cast<double>(held_ms);
        record.metrics["request_octets_sent"] = static_cast<double>(trickled->octets_sent);
        held = " after " + format_seconds(std::chrono::milliseconds(held_ms)) + " (" +
               std::to_string(trickled->octets_sent) + " of " + std::to_string(request_octets) +
               " request octets sent)";
        if (timed_out) {
            transport.close();
            co_return decided(record, verdict::informational,
                              "the server still held the slow handshake open" + held +
                                  ": no handshake timeout at or below that (slow-loris "
                                  "exposure, RFC 6455 10.4)");
        }
    }
    record.response = data.substr(0, ended.empty() ? response.header_bytes : 4096);
    using rule = handshake_expectation::rule;
    const auto& expect = c.handshake;
    if (!ended.empty()) {
        transport.close();
        if (trickling && data.empty())
            co_return decided(record, verdict::ok, "the server closed the slow handshake" + held);
        // A server that must refuse may also just close the connection: refused, though
        // without the HTTP error response §4.2.1 asks for.
        if (expect.what == rule::may_refuse && !timed_out)
            co_return decided(record, verdict::ok,
                              "refused by closing the connection (" + ended + ")");
        if (expect.what != rule::must_upgrade && !timed_out && data.empty())
            co_return decided(record, verdict::non_strict,
                              "the server closed the connection without an HTTP error "
                              "response (RFC 6455 4.2.1 asks for one, such as 400)");
        co_return failed(record, ended);
    }
    auto judged = judge_response(c, request, response, held, record);
    if (judged.how != opening::end::open) {
        transport.close();
        co_return judged;
    }
    judged.first_step_sent = first_step_sent;
    auto rest = std::string_view(data).substr(response.header_bytes);
    judged.early.assign(rest.begin(), rest.end());
    co_return judged;
}

namespace {

/// A compression case as the server (Autobahn's fuzzingserver for 12.x, 13.x): the client's
/// first valid permessage-deflate offer, accepted with the first of the case's requests it
/// allows (RFC 7692 §7.1.1.2: client_no_context_takeover only if offered, here as in Autobahn;
/// §7.1.2.2: client_max_window_bits only if offered), granting what it asks of our side.
/// Nothing when there is no offer or none of the requests fits it: the case is UNIMPLEMENTED.
std::optional<std::pair<codec::deflate_params, codec::deflate_params>>
accept_deflate(const case_def& c, const codec::upgrade_request& request, std::string& why) {
    auto offers = codec::parse_deflate_offers(request.list("Sec-WebSocket-Extensions"));
    auto valid = std::find_if(offers.begin(), offers.end(),
                              [](const codec::deflate_offer& o) { return !o.error; });
    if (valid == offers.end()) {
        why = offers.empty() ? "the client offered no permessage-deflate, which this case needs"
                             : "the client's permessage-deflate offer is not valid (" +
                                   offers.front().detail + "): nothing to accept";
        return std::nullopt;
    }
    const auto& theirs = valid->params;
    for (const auto& ask : deflate_requests(c)) {
        if ((ask.client_no_context_takeover && !theirs.client_no_context_takeover) ||
            (ask.client_max_window_bits && !theirs.client_max_window_bits))
            continue;
        codec::deflate_params agreed = ask;
        agreed.server_no_context_takeover = theirs.server_no_context_takeover;
        agreed.server_max_window_bits = theirs.server_max_window_bits;
        return std::pair{agreed, theirs};
    }
    why = "the client's offer (" + codec::make_deflate_offer(theirs) +
          ") does not allow what this case asks of it (" +
          codec::make_deflate_response(deflate_requests(c).front()) + ")";
    return std::nullopt;
}

} // namespace

answer judge_request(const case_def& c, const codec::upgrade_request& request,
                     std::string_view authority, case_result& record) {
    auto problems = codec::check_request(request);
    if (!c.judges_request_parts.empty()) {
        // A case about some parts of the request: the others are their own cases' business.
        std::erase_if(problems, [&](const codec::handshake_problem& p) {
            return std::ranges::find(c.judges_request_parts, p.about) ==
                   c.judges_request_parts.end();
        });
        const bool judges_host =
            std::ranges::find(c.judges_request_parts, "Host") != c.judges_request_parts.end();
        // §4.1 item 4: "The request MUST contain a |Host| header field whose value contains
        // /host/ plus optionally ":" followed by /port/ (when not using the default port)."
        // The host is compared as RFC 3986 §3.2.2 compares it, without case.
        const auto host = request.get("Host");
        if (judges_host && host && !authority.empty() && !host->empty() &&
            !codec::iequals(*host, authority) && problems.empty())
            problems.push_back({"Host " + std::string(*host) + " instead of " +
                                    std::string(authority) + ", the host and port of its URL",
                                "4.1", "Host"});
    }
    if (!problems.empty()) {
        return {
            failed(record, listed("the client's opening handshake request is invalid:", problems)),
            codec::make_refusal(400, "Bad Request", true)};
    }
    const auto key = request.get("Sec-WebSocket-Key").value_or("");
    if (c.handshake.requires_extension == "permessage-deflate") {
        std::string why;
        auto accepted = accept_deflate(c, request, why);
        if (!accepted) {
            // Autobahn accepts the connection without the extension and closes it with 1000.
            return {decided(record, verdict::unimplemented, std::move(why)),
                    codec::make_accept_response(key)};
        }
        opening opened{.how = opening::end::open};
        opened.deflate = accepted->first;
        opened.deflate_offer = accepted->second;
        return {opened, codec::make_accept_response(
                            key, {{"Sec-WebSocket-Extensions",
                                   codec::make_deflate_response(accepted->first)}})};
    }
    auto reply = codec::make_accept_response(key);
    if (c.response) {
        // A case for clients: the response broken on purpose; the script then checks that the
        // client does not go on as if the WebSocket were open.
        if (c.response->status)
            reply.status = *c.response->status;
        if (c.response->reason)
            reply.reason = *c.response->reason;
        for (const auto& e : c.response->edits) {
            switch (e.what) {
            case header_edit::action::set:
                reply.set(e.name, e.value);
                break;
            case header_edit::action::add:
                reply.add(e.name, e.value);
                break;
            case header_edit::action::remove:
                reply.remove(e.name);
                break;
            }
        }
    }
    return {opening{.how = opening::end::open}, std::move(reply)};
}

asio::awaitable<opening> accept_websocket(const case_def& c, std::shared_ptr<case_socket> socket,
                                          accepted_connection client, case_result& record) {
    auto& transport = socket->transport();
    transport.adopt(std::move(client.stream));
    record.request = client.request_text;
    auto [opened, reply] = judge_request(c, client.request, client.authority, record);
    const auto text = reply.serialize();
    record.response = text;
    auto wire = codec::to_bytes(text);
    if (opened.how == opening::end::decided && reply.status == 101) {
        // Decided after accepting (UNIMPLEMENTED): close the WebSocket as Autobahn does.
        auto close = codec::encode(codec::close_frame(codec::close_codes::normal));
        wire.insert(wire.end(), close.begin(), close.end());
    }
    auto ec = co_await transport.write(wire);
    if (opened.how != opening::end::open) {
        transport.close();
        co_return opened;
    }
    if (ec)
        co_return failed(record, "could not send our opening handshake response: " + ec.message());
    opened.early = std::move(client.early);
    co_return opened;
}

} // namespace wsconform::runner
