#pragma once
/// The client side of one HTTP/2 connection (RFC 9113) as bytes in and bytes out: libnghttp2's
/// session, with no socket and no clock. It opens streams (an extended CONNECT of RFC 8441, or
/// a plain request), queues what the caller writes on each and hands it to nghttp2 as the
/// peer's flow-control window allows, and reports what the peer did as events, in order. The
/// caller's reading opens our receive window again (consume), so a reader that stops reading
/// stops the peer.
///
/// nghttp2's HTTP messaging checks are off: what the server answers (a 101, a missing :status,
/// a connection-specific header) reaches the caller, whose judge says what is wrong with it.

#include "harness/codec/bytes.hpp"
#include "harness/codec/handshake.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

struct nghttp2_session;

namespace wsconform::http2 {

/// RFC 9113 §7 error codes, as RST_STREAM and GOAWAY carry them.
enum class h2_error : std::uint32_t {
    no_error = 0x0,
    protocol_error = 0x1,
    internal_error = 0x2,
    flow_control_error = 0x3,
    settings_timeout = 0x4,
    stream_closed = 0x5,
    frame_size_error = 0x6,
    refused_stream = 0x7,
    cancel = 0x8,
    compression_error = 0x9,
    connect_error = 0xa,
    enhance_your_calm = 0xb,
    inadequate_security = 0xc,
    http_1_1_required = 0xd,
};

/// "CANCEL", "PROTOCOL_ERROR", ... or "0x1f" for a code RFC 9113 does not define.
std::string error_name(std::uint32_t code);

/// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3).
inline constexpr std::int32_t settings_enable_connect_protocol = 0x8;

/// What we announce in our SETTINGS frame.
struct local_settings {
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much each stream may send us before we read it. Also
    /// what the connection's window is raised to.
    std::uint32_t initial_window_size = 1U << 20U;
    std::uint32_t max_concurrent_streams = 100; ///< streams the server may open (push is off)
};

/// One thing the peer did (or that nghttp2 did about it).
struct event {
    enum class kind : std::uint8_t {
        settings,     ///< a SETTINGS frame (not an ACK) came: remote_setting() has its values
        headers,      ///< a HEADERS block on `stream` (`headers`, `end_stream`)
        data,         ///< DATA payload on `stream` (`data`); consume() it once read
        end_stream,   ///< the peer ended `stream` (END_STREAM on DATA; for HEADERS see above)
        reset,        ///< the peer sent RST_STREAM on `stream` with `code`
        closed,       ///< `stream` is closed (both ends, or a reset either way), with `code`
        goaway,       ///< the peer sent GOAWAY: `code`, the last stream it processed in `stream`
        sent_reset,   ///< nghttp2 reset `stream` with `code` (the peer broke a stream rule)
        sent_goaway,  ///< we sent GOAWAY with `code` (nghttp2 found a connection error)
        invalid_frame ///< nghttp2 refused a frame on `stream`: `detail` says why
    };
    kind what = kind::settings;
    std::int32_t stream = 0;
    std::uint32_t code = 0;
    bool end_stream = false;
    std::vector<codec::header_field> headers{};
    codec::bytes data{};
    std::string detail{};
};

class client_session {
  public:
    /// Queues the connection preface and our SETTINGS (take them with pending_output()).
    explicit client_session(const local_settings& settings = {});
    ~client_session();
    client_session(const client_session&) = delete;
    client_session& operator=(const client_session&) = delete;

    /// Feeds what the peer sent. An error means the connection is unusable (nghttp2's message);
    /// a peer's protocol error otherwise shows as a sent_goaway or sent_reset event.
    std::optional<std::string> receive(codec::byte_view data);
    /// Everything nghttp2 wants to send now (frames, flow-control permitting).
    codec::bytes pending_output();
    /// The events since the last call, in order.
    std::vector<event> take_events();

    /// Opens a stream with `headers` (pseudo-headers first, sent as given: nothing is checked,
    /// so a case can send a malformed request). Without `end_stream`, the stream stays open
    /// for send(). Returns the stream id, or an error message.
    std::pair<std::int32_t, std::string> open(std::span<const codec::header_field> headers,
                                              bool end_stream);
    /// Queues `data` on `stream` after what is queued; it goes out as the peer's windows allow.
    void send(std::int32_t stream, codec::byte_view data);
    /// Bytes queued on `stream` that nghttp2 has not taken yet.
    std::size_t unsent(std::int32_t stream) const;
    /// END_STREAM once what is queued is out (RFC 8441 §5: the orderly close).
    void end(std::int32_t stream);
    /// RST_STREAM with `code` at once; what is queued is dropped.
    void reset(std::int32_t stream, h2_error code);
    /// The caller has read `n` bytes of `stream`'s DATA: the windows open by that much.
    void consume(std::int32_t stream, std::size_t n);
    /// GOAWAY with `code`; the session ends once it is out.
    void go_away(h2_error code);

    /// A setting the peer sent (its SETTINGS frame has come), or nothing.
    std::optional<std::uint32_t> remote_setting(std::int32_t id) const;
    /// Whether the connection still reads or writes (false after GOAWAY both ways, or an error).
    bool alive() const;
    /// How many bytes the peer lets us send on `stream` now (its and the connection's window).
    std::int32_t send_window(std::int32_t stream) const;

  private:
    struct outbox {
        std::deque<codec::byte> bytes;
        bool end = false;      ///< END_STREAM once `bytes` is empty
        bool deferred = false; ///< nghttp2 was told to wait for more
    };
    struct callbacks;

    void resume(std::int32_t stream);

    std::unique_ptr<nghttp2_session, void (*)(nghttp2_session*)> session_;
    std::map<std::int32_t, outbox> outboxes_;
    std::vector<event> events_;
    std::vector<codec::header_field> headers_; ///< the header block being received
    bool settings_received_ = false;
};

} // namespace wsconform::http2
