#pragma once
/// One WebSocket connection after the opening handshake, without I/O (in the style of
/// python-websockets' `Protocol`): fed the bytes the peer sent and told when a deadline it
/// asked for has passed, it hands back events (messages, pings, pongs, the peer's Close, each
/// violation with its RFC section) and the bytes to send. It owns the frame rules of its role
/// (RFC 6455 §5.1: a client masks what it sends and must not receive masked frames; a server
/// the other way round), fragmentation and UTF-8 (§5.4, §8.1), permessage-deflate with the
/// agreed parameters (RFC 7692), and the closing handshake (§7) as explicit states.
///
/// It knows nothing of sockets or clocks: a driver moves the bytes, arms a real timer for
/// deadline() and reports its expiry with deadline_passed(), and closes TCP when
/// close_requested() says so.
///
/// As a tester it sends whatever it is told to, valid or not (send_frame, send_raw); the rules
/// apply to what it receives, and to what it answers by itself (pongs, the Close reply).

#include "harness/codec/bytes.hpp"
#include "harness/codec/close_code.hpp"
#include "harness/codec/decoder.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/encoder.hpp"
#include "harness/codec/frame.hpp"
#include "harness/codec/message.hpp"
#include "harness/codec/utf8.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace wsconform::protocol {

using codec::byte_view;
using codec::bytes;

enum class role : std::uint8_t { client, server };

/// Where the connection stands.
enum class state : std::uint8_t {
    open,             ///< messages flow both ways
    close_sent,       ///< our Close is out, the peer's not yet in (§7.1.2)
    close_received,   ///< the peer's Close is in, ours not yet out (only when not auto-replying)
    closed_handshake, ///< both Close frames are through; TCP is still up (§7.1.1)
    closed,           ///< TCP is gone
};

/// What a deadline is for. Durations are data: the driver arms its own timer.
enum class deadline_kind : std::uint8_t {
    close_reply, ///< our Close went unanswered for connection_options::close_timeout
    tcp_close,   ///< the peer did not close TCP after the closing handshake (§7.1.1): a client
                 ///< waiting for the server, or a server_keeps_tcp_open waiting for the client
};

struct deadline {
    deadline_kind what;
    std::chrono::milliseconds after; ///< from the moment the deadline was set
    std::uint64_t serial;            ///< give it back to deadline_passed()
};

/// A rule of RFC 6455 or RFC 7692 that the peer broke.
struct violation {
    std::error_code error{};  ///< a codec::protocol_error or codec::deflate_error
    std::string section{};    ///< "RFC 6455 5.2", "RFC 7692 6.1"
    std::string detail{};     ///< what exactly, one line
    std::uint64_t offset = 0; ///< stream offset (or offset in the message, for UTF-8)
};

struct event {
    enum class kind : std::uint8_t {
        message,       ///< a whole message (connection_options::deliver == whole_messages)
        message_chunk, ///< a piece of one (deliver == chunks): `first`/`last` frame it
        ping,
        pong,
        close,     ///< the peer's Close frame; `code` empty when it had no body
        violation, ///< see `problem`
        closed,    ///< TCP ended; `clean` when both Close frames went through first
    };
    kind what = kind::message;
    bool binary = false;
    bytes payload{};                  ///< message, chunk, ping, pong
    bool first = false, last = false; ///< message_chunk
    bool compressed = false;          ///< message, chunk: RSV1 on its first frame
    std::uint64_t wire_payload = 0;   ///< chunk: its payload as it came (compressed or not)
    /// message: it inflates beyond max_message and is handed out compressed, as it came
    /// (connection_options::keep_uninflatable).
    bool kept_compressed = false;
    std::optional<codec::close_code> code{};
    std::string reason{};
    violation problem{};
    bool clean = false;     ///< closed
    bool mid_frame = false; ///< closed: TCP ended inside a frame
};

struct connection_options {
    role side = role::client;
    /// Largest frame payload and largest message accepted (RFC 6455 §10.4); beyond, 1009.
    std::uint64_t max_frame = 64ull * 1024 * 1024;
    std::uint64_t max_message = 64ull * 1024 * 1024;
    enum class delivery : std::uint8_t { whole_messages, chunks };
    /// chunks: data is handed out as it arrives (memory stays at one read, whatever the
    /// message size); whole_messages assembles them.
    delivery deliver = delivery::whole_messages;
    /// The agreed permessage-deflate parameters, when the extension was negotiated.
    std::optional<codec::deflate_params> deflate{};
    /// A client's own offer, which also bounds its sending window (RFC 7692 §7.1.2.2).
    std::optional<codec::deflate_params> deflate_offer{};
    /// How long our Close may go unanswered before TCP is dropped (Autobahn's
    /// closeHandshakeTimeout), and how long a client waits for the server to close TCP after
    /// the closing handshake (serverConnectionDropTimeout).
    std::chrono::milliseconds close_timeout{1000};
    std::chrono::milliseconds tcp_close_timeout{1000};
    /// A server that breaks §5.5.1 on purpose ("The server MUST close the underlying TCP
    /// connection immediately"), to test clients: after the closing handshake it leaves TCP
    /// open this long for the client to close (a deadline_kind::tcp_close), then drops it.
    std::optional<std::chrono::milliseconds> server_keeps_tcp_open{};
    /// The code we answer a peer's Close with: empty = echo the peer's code (RFC 6455 5.5.1:
    /// "typically echos the status code it received"); Autobahn's tester answers 1000.
    std::optional<codec::close_code> close_reply_code{};
    /// A compressed message that inflates beyond max_message: handed out as it came (compressed,
    /// event::kept_compressed) instead of failing the connection with 1009. For a tester, whose
    /// own limit is not the peer's fault (a decompression bomb echoed back).
    bool keep_uninflatable = false;
    /// Answer the peer's Close at once (§5.5.1: "MUST send a Close frame in response").
    bool auto_close_reply = true;
    /// Answer pings (§5.5.2); a backlog keeps only the latest (§5.5.3).
    bool auto_pong = true;
    std::uint64_t mask_seed = 0; ///< 0: random keys
    /// See every frame as it is received (a view, valid during the call) and as it is sent,
    /// for a wire log; optional.
    std::function<void(const codec::frame_view&)> on_frame_received{};
    std::function<void(const codec::frame&)> on_frame_sent{};
};

class connection {
  public:
    explicit connection(connection_options options);

    // --- input from the driver ---------------------------------------------------------------
    /// Bytes the peer sent. Bytes after TCP closed, or after a frame the stream cannot be
    /// decoded past, are ignored.
    void receive_data(byte_view data);
    /// The peer ended TCP (FIN or reset).
    void receive_eof();
    /// The deadline with this serial has passed (stale serials are ignored).
    void deadline_passed(std::uint64_t serial);

    // --- what we send ------------------------------------------------------------------------
    /// A frame exactly as given, masked per role unless `as_given` (a client's key is drawn
    /// here; `as_given` keeps the frame's own mask bit and key).
    void send_frame(codec::frame f, bool as_given = false);
    /// Bytes that are not one frame (a lie about a length, a frame in pieces).
    void send_raw(bytes data);
    /// A whole message in one frame; compressed when permessage-deflate is agreed.
    void send_message(bool binary, byte_view payload);
    void send_ping(byte_view payload = {});
    /// Starts the closing handshake (§7.1.2) with this Close body (empty: no code). Only the
    /// first Close goes out.
    void send_close_body(bytes body);
    void send_close(codec::close_code code, std::string_view reason = {});
    /// Fails the WebSocket connection (§7.1.7): a Close with `code`, or, once ours is out,
    /// dropping TCP.
    void fail(codec::close_code code, std::string_view reason = {});
    /// Drops TCP now, whatever the state (the driver then closes the socket).
    void drop();

    /// How data is handed out from the next message on (an echo stream switches to chunks).
    void set_delivery(connection_options::delivery how);

    // --- output for the driver ---------------------------------------------------------------
    /// Bytes to write, in order; taken (the core keeps none).
    bytes data_to_send();
    /// Events since the last call, in order; taken.
    std::vector<event> events_received();
    /// The deadline to arm now, if any (a new serial replaces the old one).
    std::optional<deadline> pending_deadline() const { return deadline_; }
    /// The core wants TCP closed: the server after the closing handshake (§7.1.1: "the server
    /// MUST close the underlying TCP connection" first), a timeout, a failure after our Close,
    /// drop(). The driver closes the socket and calls receive_eof() (or nothing more).
    bool close_requested() const { return close_requested_; }

    // --- what happened -----------------------------------------------------------------------
    enum state state() const { return state_; }
    role side() const { return options_.side; }
    bool close_sent() const { return close_sent_; }
    bool close_received() const { return close_received_; }
    bool closed_by_us() const { return closed_by_us_; }   ///< our Close was the first
    bool failed_by_us() const { return failed_by_us_; }   ///< we failed the connection
    bool dropped_by_us() const { return dropped_by_us_; } ///< we closed TCP
    /// The closing handshake went through both ways and TCP closed without a timeout.
    bool clean() const;
    /// Our Close went unanswered for options::close_timeout.
    bool close_timed_out() const { return close_timed_out_; }
    bool tcp_close_timed_out() const { return tcp_close_timed_out_; }
    std::optional<codec::close_code> local_close_code() const { return local_close_code_; }
    /// The first violation of the peer, if any.
    const std::optional<violation>& first_violation() const { return first_violation_; }
    /// Stream offset of the next byte the decoder reads.
    std::uint64_t offset() const { return decoder_.offset(); }

  private:
    void process();
    void on_frame(codec::frame f);
    void on_data(const codec::frame_view& v);
    void on_close_frame(const codec::frame& f);
    void deliver_message(codec::message m, bool compressed);
    void report(std::error_code error, std::string section, std::string detail,
                std::uint64_t offset);
    void report_protocol(codec::protocol_error e, std::uint64_t offset, std::string detail = {});
    void report_inflate(std::error_code ec);
    void queue(const codec::frame& f);
    void flush_pong();
    void close_handshake_done();
    void set_deadline(deadline_kind what, std::chrono::milliseconds after);
    void request_close();
    void emit(event e) { events_.push_back(std::move(e)); }

    connection_options options_;
    codec::decoder decoder_;
    codec::message_assembler assembler_;
    codec::mask_source keys_;
    enum state state_ = state::open;

    bytes out_;
    std::optional<bytes> owed_pong_; ///< the latest unanswered ping's payload (§5.5.3)
    std::vector<event> events_;
    std::optional<deadline> deadline_;
    std::uint64_t deadline_serial_ = 0;

    bool stream_broken_ = false; ///< a frame-level violation: nothing past it is decoded
    bool close_sent_ = false, close_received_ = false;
    bool closed_by_us_ = false, failed_by_us_ = false, dropped_by_us_ = false;
    bool close_requested_ = false, tcp_close_timed_out_ = false, close_timed_out_ = false;
    std::optional<codec::close_code> local_close_code_;
    std::optional<violation> first_violation_;

    // The message being received (chunks mode) and permessage-deflate.
    bool in_message_ = false, message_binary_ = false, message_compressed_ = false;
    std::uint64_t message_size_ = 0;
    codec::utf8_validator utf8_;
    std::optional<codec::deflater> deflater_;
    std::optional<codec::inflater> inflater_;
    bytes compressed_; ///< whole_messages: the compressed payload of the current message
};

} // namespace wsconform::protocol
