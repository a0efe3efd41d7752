#include "harness/runner/extended_connect.hpp"

#include "harness/codec/extended_connect.hpp"
#include "harness/http2/shared_connection.hpp"
#include "harness/runner/case_socket.hpp"
#include "harness/runner/judge.hpp"
#include "harness/runner/request.hpp"
#include "harness/runner/session.hpp"

#include <algorithm>

namespace wsconform::runner {

namespace asio = boost::asio;

std::optional<std::string> not_over_http2(const case_def& c) {
    const auto& plan = c.request;
    // What a request over HTTP/2 still carries of a case's changes: the WebSocket offers and
    // the origin. Other header changes are about HTTP/1.1's syntax (case, whitespace, order,
    // folding), which HTTP/2 fields do not have.
    const bool websocket_edits =
        std::all_of(plan.edits.begin(), plan.edits.end(), [](const header_edit& e) {
            return e.what != header_edit::action::remove &&
                   (codec::iequals(e.name, "Sec-WebSocket-Extensions") ||
                    codec::iequals(e.name, "Sec-WebSocket-Protocol") ||
                    codec::iequals(e.name, "Origin"));
        });
    const bool plain = plan.method == "GET" && !plan.target && plan.version == "HTTP/1.1" &&
                       websocket_edits && plan.plan.chop == 0 && !plan.first_step_with_request &&
                       !plan.plaintext_to_tls_port && plan.trickle_interval == seconds(0) &&
                       c.handshake.what == handshake_expectation::rule::must_upgrade;
    if (plain)
        return std::nullopt;
    return "not checked over HTTP/2: the case is about the HTTP/1.1 upgrade request";
}

asio::awaitable<opening> open_extended_connect(const case_def& c, const session_settings& settings,
                                               std::shared_ptr<case_socket> socket,
                                               case_result& record) {
    auto fail = [&](std::string why) {
        record.result = std::move(why);
        record.result_close = "the opening handshake was never completed";
        return opening{.how = opening::end::failed};
    };
    if (auto why = not_over_http2(c)) {
        decide(record, verdict::informational, std::move(*why));
        record.result_close = "no WebSocket connection was to be opened";
        co_return opening{.how = opening::end::decided};
    }
    auto [conn, trouble] = co_await settings.http2->get(to_ms(settings.connect_timeout));
    if (!conn)
        co_return fail(trouble);
    // RFC 8441 §3: "A client MUST NOT send a CONNECT request with the :protocol pseudo-header
    // unless the server has sent SETTINGS_ENABLE_CONNECT_PROTOCOL with a value of 1."
    if (conn->remote_setting(http2::settings_enable_connect_protocol) != 1U) {
        decide(record, verdict::unimplemented,
               "the server does not send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 3): "
               "no WebSocket over HTTP/2");
        record.result_close = "no WebSocket connection was to be opened";
        co_return opening{.how = opening::end::decided};
    }

    const auto request = build_request(c.request, settings.url, codec::make_key(),
                                       settings.extra_headers, settings.allowed_origin);
    const auto fields = codec::extended_connect(request, settings.url.tls ? "https" : "http",
                                                settings.url.host_header);
    record.request = codec::render_fields(fields);
    std::string error;
    auto stream = conn->open_stream(fields, false, error);
    if (!stream)
        co_return fail(error);
    auto answer = co_await stream->await_response(to_steady(settings.open_handshake_timeout));
    if (!answer.received) {
        // The shared connection went down under this stream: maybe another case's doing.
        record.shared_connection_lost = stream->carrier_lost();
        stream->close();
        if (!answer.ended)
            record.timeout_decided(settings.open_handshake_timeout);
        co_return fail(answer.ended
                           ? "no response to the extended CONNECT: " + answer.ended.message()
                           : "no response to the extended CONNECT within the timeout");
    }
    record.response = codec::render_fields(answer.headers);
    const auto response = codec::connect_response(answer.headers);
    auto judged = judge_response(c, request, response, "", record, http_version::h2);
    if (judged.how != opening::end::open) {
        stream->close();
        co_return judged;
    }
    // RFC 8441 §5 (and RFC 9113 §8.5: the CONNECT's stream carries the data): END_STREAM on the
    // response's HEADERS leaves no stream for the WebSocket.
    if (answer.end_stream) {
        stream->close();
        co_return fail("the server's 200 ended the stream (END_STREAM on its HEADERS): no "
                       "stream is left for the WebSocket (RFC 8441 5)");
    }
    socket->transport().adopt(std::move(stream));
    co_return judged;
}

} // namespace wsconform::runner
