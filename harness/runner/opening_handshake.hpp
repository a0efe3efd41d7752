#pragma once
/// A case's opening handshake (RFC 6455 §4), from either side. Testing a server: connect, send
/// the case's request (at once, in pieces, or trickled while reading), read and judge the
/// response. Testing a client: judge the request it sent and answer it. Either the WebSocket is
/// open and the case's script runs, or the case ends here.

#include "harness/codec/bytes.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/codec/handshake.hpp"
#include "harness/codec/server_handshake.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/case_result.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wsconform::runner {

class case_socket;
class frame_log;
struct session_settings;

/// How the opening handshake ended.
struct opening {
    enum class end : std::uint8_t {
        open,    ///< the WebSocket is open: the script runs
        decided, ///< the case's verdict was decided here (a refusal, "not checked")
        failed,  ///< no WebSocket, and the record says why (no connection, a bad response)
    };
    end how = end::failed;
    codec::bytes early{}; ///< bytes that came with the response: the peer's first frames
    std::optional<codec::deflate_params> deflate{}; ///< permessage-deflate as agreed
    codec::deflate_params deflate_offer{};          ///< the offer it answered
    bool first_step_sent = false; ///< the script's first step went out with the request
};

/// Why case `c` cannot be checked with these settings (credentials, a wss:// target or an
/// allowed origin it needs and was not given), or nothing.
std::optional<std::string> not_checkable(const case_def& c, const session_settings& settings);

/// How the opening handshake travels: HTTP/1.1's upgrade (RFC 6455 §4) or HTTP/2's extended
/// CONNECT (RFC 8441).
enum class http_version : std::uint8_t { http1, h2 };

/// Judges a complete response to `request` by case `c`'s rules: a refusal where one was due, the
/// §4.1 checks of a 101, the extensions the case forbids or needs, permessage-deflate as agreed
/// (RFC 7692 §7.1). Either the WebSocket is open (`early` left empty), or the case is decided
/// or failed here, with its verdict or failure in `record`; `held` ends a refusal's reason
/// (how long a slow handshake was held).
/// Over HTTP/2 (`over`), RFC 8441 §5's checks replace the 101's.
opening judge_response(const case_def& c, const codec::upgrade_request& request,
                       const codec::upgrade_response& response, std::string_view held,
                       case_result& record, http_version over = http_version::http1);

/// Performs case `c`'s opening handshake on `socket`: the request, the response, the metrics
/// of a slow handshake and, when the case ends here, its verdict or its failure go into
/// `record`; frames sent with the request are masked with `keys` and logged in `log`.
boost::asio::awaitable<opening> open_websocket(const case_def& c, const session_settings& settings,
                                               std::shared_ptr<case_socket> socket, frame_log& log,
                                               codec::mask_source& keys, case_result& record);

/// Testing a client: what we answer its request for case `c`.
struct answer {
    opening opened;                        ///< open, or failed with the reason in the record
    codec::upgrade_response_builder reply; ///< a 101, or a 400 naming the defects
};

/// Judges a client's opening-handshake request by RFC 6455 §4.1 (codec::check_request: method,
/// version, Host, Upgrade, Connection, the key, Sec-WebSocket-Version, its offers) and decides
/// our answer: a 101 with no extension and no subprotocol (as Autobahn's fuzzingserver for
/// cases 1-10), or, for a defective request, a 400 and the case fails with every defect. A case
/// that judges some parts of the request (case_def::judges_request_parts) looks at those only,
/// and, judging Host, compares it with `authority`, the host and port of the client's URL
/// (when known).
answer judge_request(const case_def& c, const codec::upgrade_request& request,
                     std::string_view authority, case_result& record);

struct accepted_connection;

/// Testing a client: judges the request of `client` (already read, see judge_request), writes
/// our answer on `socket`, which takes the connection over, and records both.
boost::asio::awaitable<opening> accept_websocket(const case_def& c,
                                                 std::shared_ptr<case_socket> socket,
                                                 accepted_connection client, case_result& record);

} // namespace wsconform::runner
