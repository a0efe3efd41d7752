#pragma once
/// A conformance case as data: identity, a short script over a small vocabulary of steps, the
/// events a conforming peer produces, and how the closing handshake must go. Cases know
/// nothing of sockets, threads or report formats; the session executes them.

#include "harness/codec/encoder.hpp"
#include "harness/codec/frame.hpp"
#include "harness/runner/verdict.hpp"

#include "harness/codec/deflate.hpp"
#include "harness/codec/handshake.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wsconform::runner {

using seconds = std::chrono::duration<double>;

class pattern_payload; // echo_stream.hpp

/// Something the peer did that a case can expect (Autobahn's event tuples).
struct event {
    enum class kind : std::uint8_t { message, ping, pong, timeout };
    kind what = kind::message;
    bool binary = false;  ///< for messages
    codec::bytes payload; ///< message, ping or pong payload
    std::string tag;      ///< for timeout markers
    /// A message checked while it streamed in (echo_stream): its length; `payload` stays empty.
    std::optional<std::uint64_t> streamed_length;

    friend bool operator==(const event&, const event&) = default;
};

event text_message(std::string_view text);
event text_message(codec::bytes utf8);
event binary_message(codec::bytes payload);
event pong(codec::bytes payload);
event pong(std::string_view payload);
/// The case survived a planned wait without the peer closing (Autobahn's ("timeout", tag)).
event timeout_marker(std::string tag);

/// How the octets of a send step are written to the socket.
struct write_plan {
    /// Each frame in its own socket write (Autobahn `sync=True`); otherwise one write for the
    /// whole step.
    bool write_per_frame = false;
    /// Write the octets n at a time, each piece its own write (Autobahn `chopsize`); 0 = off.
    std::size_t chop = 0;
};

/// Sends frames. Frames are masked with a fresh random key (we are the client) unless a frame
/// already has `masked` set, whose key is then kept, or `send_unmasked` is set.
struct send_frames {
    std::vector<codec::frame> frames;
    write_plan plan;
    bool send_unmasked = false;
};

/// Some octets of one frame, for a frame that goes out in pieces at different times: its header
/// (when `with_header`) and its payload octets [from, to). As the client we mask them with the
/// frame's own key; as the server we send them unmasked (RFC 6455 §5.1).
struct frame_piece {
    codec::frame whole;
    bool with_header = false;
    std::size_t from = 0, to = 0;
};

/// Sends bytes as they are: a piece of a frame (`piece`), or `data` as given (headers the frame
/// type cannot express). `logged_as` is the frame these bytes start, for the wire log.
struct send_raw {
    codec::bytes data;
    write_plan plan;
    std::optional<codec::frame> logged_as;
    std::optional<frame_piece> piece;
};

/// The octets a send_raw step writes, as the client (`as_client`) or as the server.
codec::bytes raw_bytes(const send_raw& s, bool as_client);

/// Pauses the script; if the connection is still open afterwards and `marker` is not empty, a
/// timeout marker event is recorded (Autobahn `continueLater`). The script stops if the
/// connection is no longer open.
struct pause {
    seconds duration;
    std::string marker;
};

/// Starts the closing handshake with exactly this Close body (Autobahn `sendClose` and
/// `sendCloseFrame`): empty, a code and reason, or deliberately broken.
struct start_close {
    codec::bytes body;
};

/// Arms a timer: if the connection is still open after `after`, the runner fails it (close
/// 1001, then drop after the close timeout) — Autobahn `killAfter`.
struct fail_after {
    seconds after;
    /// Drop TCP instead of sending a Close: the peer is inside a frame we declared and would
    /// read a Close as its payload (L.1). The tester still counts as the side that ended it.
    bool drop = false;
};

/// Arms a timer: if the connection is still open after `after`, the runner starts a normal
/// close without a status code — Autobahn `closeAfter`.
struct close_after {
    seconds after;
};

/// Waits until every connection of a crowd (see `connection_crowd`) has finished its opening
/// handshake, so they are all open at once. Elsewhere it does nothing.
struct wait_for_crowd {};

/// Sends `count` messages of `size` bytes (`pattern` repeated), each only once the previous
/// one's echo has arrived, and checks every echo as it streams in: type, length, every byte
/// (Autobahn 9.x, whose content check it lacks). Payloads are generated while they are written
/// and echoes are compared, not kept, so a 16 MiB case holds kilobytes. The step's outcome is
/// the case's `behavior` (the case lists no expected events); once every echo is in, the tester
/// closes with 1000. The session reports throughput and round-trip times as metrics.
struct echo_stream {
    codec::opcode op = codec::opcode::text;
    std::uint64_t size = 0;
    codec::bytes pattern{}; ///< repeated and cut to `size` bytes
    /// Payload bytes per frame (0 = one frame per message).
    std::uint64_t fragment = 0;
    /// Write each frame's octets `chop` at a time, each its own write (Autobahn chopsize);
    /// 0 = large writes.
    std::size_t chop = 0;
    unsigned count = 1; ///< round trips, one after the other
    /// A payload source shared by many cases (a data set of hundreds of KiB), used instead of
    /// `pattern`.
    std::shared_ptr<const pattern_payload> source{};
    /// Message i is the `size` bytes at offset i * size of the payload, wrapping around:
    /// Autobahn 12.x/13.x send consecutive slices of a data file. Otherwise every message
    /// starts at the payload's first byte.
    bool consecutive = false;
    /// Compress every message with the negotiated permessage-deflate (RFC 7692; RSV1 on the
    /// first frame only); `fragment` then cuts the compressed payload, as Autobahn's
    /// autoFragmentSize does. Echoes may come compressed or not, and are inflated before they
    /// are checked. The case needs the extension (handshake.requires_extension).
    bool compress = false;
};

using step = std::variant<send_frames, send_raw, pause, start_close, fail_after, close_after,
                          wait_for_crowd, echo_stream>;

/// How the connection must end (Autobahn's `expectedClose`).
struct close_expectation {
    /// Who must send the first Close: true = we (the tester), false = the peer.
    bool closed_by_me = true;
    /// Close codes the peer may send (an absent code is always accepted).
    std::vector<codec::close_code> codes{codec::close_codes::normal};
    /// Close frames both ways and the server dropping TCP in time.
    bool require_clean = true;
    /// If we had to close because the peer never noticed the violation, `behavior` fails too
    /// (Autobahn `closedByWrongEndpointIsFatal`, used by the UTF-8 cases).
    bool wrong_endpoint_is_fatal = false;
    /// Any close code meets the rule the case enforces (the connection is closed); a code
    /// outside `codes` only makes the case NON-STRICT instead of WRONG CODE. RFC 6455 §5.1:
    /// the server MUST close on an unmasked frame, the 1002 is a MAY.
    bool other_codes_non_strict = false;
};

/// A change to the conforming opening-handshake request (RFC 6455 §4.1). Values may use
/// {host}, {port} and {host_header} (the target's), {key} (the request's key), and the run's
/// allowed origin: {origin}, {origin_upper}, {origin_scheme}, {origin_other_scheme},
/// {origin_host}, {origin_port_suffix} (":port" when explicit) and {origin_other_port}.
struct header_edit {
    enum class action : std::uint8_t { set, add, remove };
    action what = action::set;
    std::string name;
    std::string value;
};

/// How the case's opening handshake is sent.
struct request_plan {
    std::string method = "GET";
    std::optional<std::string> target; ///< request-target; default: the URL's path and query
    std::string version = "HTTP/1.1";
    std::vector<header_edit> edits; ///< applied in order to the conforming request
    write_plan plan;                ///< chop the request (e.g. one octet per write)
    /// Send the script's first step (frames) in the same write as the request.
    bool first_step_with_request = false;
    /// Leave out the run's credential headers (--header Cookie / Authorization).
    bool without_credentials = false;
    /// Against a wss:// target, send the request in plain text to the TLS port (the case is
    /// not checked against ws:// targets).
    bool plaintext_to_tls_port = false;
    /// Send the request one piece (`plan.chop` octets) per `trickle_interval`, reading all the
    /// while, and give up after `trickle_limit` (slow-handshake cases); zero = all at once.
    seconds trickle_interval{0};
    seconds trickle_limit{0};
};

/// Testing a client: our opening-handshake response, broken on purpose. The conforming 101
/// for the client's key, then these changes: a status other than 101, header edits applied in
/// order (a wrong Sec-WebSocket-Accept, an extension or subprotocol never offered, ...).
struct response_plan {
    std::optional<unsigned> status;
    std::optional<std::string> reason;
    std::vector<header_edit> edits;
};

/// What the server must do with the opening handshake.
struct handshake_expectation {
    enum class rule : std::uint8_t {
        must_upgrade,       ///< 101 with a correct response, then the script runs
        must_refuse,        ///< an HTTP error response (no 101)
        must_not_negotiate, ///< 101 without `extension` selected, or a refusal
        may_refuse,         ///< 101 and the script, or any refusal (robustness cases)
    };
    rule what = rule::must_upgrade;
    /// Headers a refusal must carry: the value must contain this token (§4.4:
    /// Sec-WebSocket-Version: 13).
    std::vector<codec::header_field> refusal_headers;
    std::string extension; ///< for must_not_negotiate
    /// For must_upgrade: the case needs this extension (permessage-deflate); a server that does
    /// not select it is UNIMPLEMENTED for the case.
    std::string requires_extension;
    /// The case sends permessage-deflate messages compressed with context takeover: a server
    /// that forbids it (client_no_context_takeover in its response) is UNIMPLEMENTED for it.
    bool requires_client_context_takeover = false;
    /// For must_refuse: a 101 is allowed and reported INFORMATIONAL (a server may speak more
    /// than one version, RFC 6455 §4.4); `acceptance_note` says what it means.
    std::string acceptance_note;
    /// For must_refuse: the verdict of a refusal that lacks a `refusal_headers` entry (FAILED
    /// where a MUST asks for the header, NON-STRICT or OK where the RFC only asks for "an
    /// appropriate error code"). A 5xx refusal is NON-STRICT at best: the request was at fault,
    /// and RFC 6455 §4.2.1 asks for "an appropriate error code (such as 400 Bad Request)".
    verdict missing_refusal_header = verdict::failed;
    /// The Sec-WebSocket-Version the request asks for, when the case is about versions. A
    /// refusal whose Sec-WebSocket-Version lists it says the version is understood: the refusal
    /// is then not about the version and `refusal_headers` are not demanded (§4.2.2 /version/).
    std::string requested_version;
    /// The requested version is one a server may still speak (0: hixie-76, 8: hybi-08). A
    /// refusal without the version header is then checked against the versions the server
    /// lists for one it cannot speak: if it lists the requested one, the refusal is not about
    /// the version (the request is malformed for that version's handshake).
    bool version_may_be_understood = false;
};

/// Procedures for what one scripted connection cannot check; the runner builds them from
/// scripted connections and TLS handshakes.

/// Finds the largest binary message the server echoes: probes double from `first` up to
/// `bound`, then bisect to the exact size; reports whether a larger one is refused with 1009.
struct size_limit_search {
    std::uint64_t first = 1u << 20;
    std::uint64_t bound = 64u << 20;
};

/// Opens `connections` connections at once; each runs the case's script, which starts with
/// `wait_for_crowd`. Each must get its echo or be refused cleanly.
struct connection_crowd {
    unsigned connections = 1000;
};

/// A check of the target's TLS set-up (wss:// only).
struct tls_check {
    enum class kind : std::uint8_t {
        legacy_tls_1_0,     ///< is a TLS 1.0-only client accepted?
        legacy_tls_1_1,     ///< is a TLS 1.1-only client accepted?
        certificate_chain,  ///< does the chain verify against the trust store (or --ca)?
        certificate_expiry, ///< is the certificate within its validity period, for how long?
        certificate_host,   ///< does it name the host of the URL?
    };
    kind what = kind::certificate_chain;
};

/// A check of WebSocket over HTTP/2 itself (RFC 8441, RFC 9113), on HTTP/2 connections of its
/// own: what no scripted connection can do (a malformed extended CONNECT, a reset stream, many
/// streams at once, a small window, frames nghttp2 will not write). Run with --http2 only.
struct http2_check {
    enum class kind : std::uint8_t {
        setting_advertised,      ///< SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)
        setting_value_two,       ///< our SETTINGS_ENABLE_CONNECT_PROTOCOL = 2 (raw)
        without_protocol,        ///< CONNECT with :scheme and :path, no :protocol
        without_scheme,          ///< extended CONNECT without :scheme
        without_path,            ///< ... without :path
        without_authority,       ///< ... without :authority
        protocol_on_get,         ///< :protocol websocket on a GET
        connection_header,       ///< ... with `connection: upgrade`
        upgrade_header,          ///< ... with `upgrade: websocket`
        unknown_protocol,        ///< :protocol of a protocol the server does not speak
        end_stream_on_connect,   ///< END_STREAM on the extended CONNECT's HEADERS
        orderly_close,           ///< closing handshake, then END_STREAM both ways
        cancel_mid_message,      ///< RST_STREAM(CANCEL) inside a message, then a new stream
        interleaved_streams,     ///< 8 streams' fragments interleaved, each echoed alone
        streams_and_requests,    ///< WebSocket streams and plain GETs interleaved
        sequential_streams,      ///< one stream after another on one connection
        larger_than_peer_window, ///< a message larger than the server's window
        small_own_window,        ///< our INITIAL_WINDOW_SIZE of 4 KiB, a 256 KiB echo
        many_streams,            ///< as many streams at once as the server allows (<= 100)
        past_stream_limit,       ///< one HEADERS past SETTINGS_MAX_CONCURRENT_STREAMS (raw)
    };
    kind what = kind::setting_advertised;
};

using procedure =
    std::variant<std::monostate, size_limit_search, connection_crowd, tls_check, http2_check>;

/// Limits of a case's wire record.
struct record_limits {
    std::size_t wire_bytes = 8 * 1024 * 1024; ///< bytes kept in `chunks`; later chunks keep time
                                              ///< and length only
    std::size_t frames = 5000;                ///< frames logged
    std::size_t frame_payload = 1024;         ///< payload bytes kept per logged frame

    /// These limits, within `share` bytes of record: half for the wire bytes, half for the
    /// frames and their payloads. The runner gives each case an equal share of the run's
    /// record budget, since every record is kept until the report is written.
    record_limits within(std::uint64_t share) const;
};

struct expected_outcome {
    verdict result = verdict::ok;
    std::vector<event> events;
    /// How the connection must end when these events are what happened, if not the case's
    /// `close` (e.g. failing the connection is OK, accepting and closing normally NON-STRICT).
    /// Outcomes with the same events are told apart by who closed first.
    std::optional<close_expectation> close;
    /// What this outcome means, for the verdict's reason ("the server waited for the
    /// payload"); empty: the events are listed.
    std::string meaning{};
    /// The events are pongs of which the peer may leave out all but the latest (RFC 6455
    /// §5.5.3: "the endpoint MAY elect to send a Pong frame for only the most recently processed
    /// Ping frame"): observed pongs match when they are the expected ones in order, some left
    /// out, the last one present.
    bool pongs_may_coalesce = false;
    /// Only the kind of each event is compared (message type, ping, pong), not its payload: an
    /// echo of a message we cannot predict (a decompression bomb, inflated or not).
    bool any_payload = false;
};

/// Whether `observed` is what `outcome` expects (exactly, or as coalesced pongs).
bool matches(const expected_outcome& outcome, const std::vector<event>& observed);

/// A requirement of an RFC that a case enforces: its section and its sentence, quoted. A case
/// gives FAILED only for breaking a MUST, MUST NOT, SHALL or REQUIRED; a SHOULD or a MAY gives
/// NON-STRICT or INFORMATIONAL at most.
struct requirement {
    std::string section; ///< "RFC 6455 5.1"
    std::string text;    ///< "The server MUST close the connection upon receiving a frame ..."
};

/// Whether `text` states a requirement in RFC 2119's absolute words (MUST, MUST NOT, SHALL,
/// SHALL NOT, REQUIRED).
bool is_absolute_requirement(std::string_view text);

/// Checks of a client across the connections of a whole run (RFC 6455 §4.1: the key is "a
/// nonce [...] randomly selected for each connection"; §5.3: each frame's masking key fresh).
enum class across_run : std::uint8_t {
    nothing,
    handshake_keys, ///< no Sec-WebSocket-Key used twice
    mask_keys,      ///< no two connections starting with the same mask key, none all-zero
};

/// Testing a client over wss://: the certificate and TLS versions of the server it is sent to.
enum class tls_server : std::uint8_t {
    none,       ///< ws://
    valid,      ///< signed by the test CA, for localhost, valid now
    untrusted,  ///< signed by a CA the client was not given
    expired,    ///< signed by the test CA, its notAfter past
    wrong_host, ///< signed by the test CA, for another host name
    legacy_only ///< the valid certificate, but TLS 1.0 and 1.1 only
};

struct case_def {
    std::string id;          ///< "6.4.3": Autobahn numbering for categories 1-13
    std::string group;       ///< category title: "Framing"
    std::string subgroup;    ///< sub-category title: "Text Messages" (may be empty)
    std::string title;       ///< what the case does (Autobahn's description)
    std::string expectation; ///< what a conforming peer must do
    std::string rfc;         ///< "RFC 6455 5.5.2"
    std::vector<step> script;
    /// Event lists by verdict, strictest first; the observed events must equal one exactly,
    /// order included.
    std::vector<expected_outcome> expected;
    close_expectation close;
    /// The RFC leaves the behaviour open: both verdicts become INFORMATIONAL (7.1.6, 7.13.x).
    bool informational = false;
    /// A WRONG CODE close turns `behavior` into FAILED (7.1.1-7.1.5, 7.3.x, 7.5.1, 7.7.x, 7.9.x).
    bool wrong_code_fails_behavior = false;
    /// Do not start the closing handshake when the expectation is met (cases that close
    /// on purpose in their script).
    bool suppress_auto_close = false;
    /// The opening handshake as sent, and what the server must answer.
    request_plan request;
    handshake_expectation handshake;
    /// After the case, a fresh connection must still get an echo in time: the server survived
    /// (limit and DoS cases).
    bool check_alive_after = false;
    /// The peer may also refuse the load cleanly: closing first with one of these codes is OK
    /// whatever events came before (flood cases: RFC 6455 §10.4, 1008 policy / 1009 too big /
    /// 1011 / 1013 try again later).
    std::vector<codec::close_code> refusal_codes;
    /// The case uses the run's --allowed-origin ({origin...} placeholders); without it the case
    /// is not run and reported INFORMATIONAL.
    bool needs_allowed_origin = false;
    /// The case needs credential headers (--header 'Cookie: ...' or 'Authorization: ...');
    /// without them it is not run and reported INFORMATIONAL.
    bool needs_credentials = false;
    /// For security findings: "high", "medium", "low" (empty for other cases). Reported with
    /// the case; it says how bad a FAILED (or, for INFORMATIONAL cases, the finding) is.
    std::string severity;
    /// The case loads the target so much (floods, bombs, a crowd of connections, a size
    /// search up to 64 MiB) that cases running beside it could miss their timers: the runner
    /// runs it alone (see load_class).
    bool loads_target = false;
    /// Labels for selecting groups of cases: "slow" marks cases that take seconds by design
    /// (slow handshakes, floods); `--exclude-cases @slow` drops them.
    std::vector<std::string> tags;
    /// Not one scripted connection: a procedure the runner carries out (`script` and
    /// `expected` then describe one connection of it, where it has any).
    procedure run_as;
    /// How much of the traffic the wire record keeps. Cases that move megabytes keep less
    /// (Autobahn switches its wire log off for 9.x), so a run's records stay small.
    record_limits record;
    /// The MUSTs the case's FAILED verdicts enforce, quoted (cases of our own; Autobahn's cases
    /// follow Autobahn's rules). A FAILED result cites them.
    std::vector<requirement> musts;
    /// The expected events came, but only after this long: a robustness finding reported
    /// INFORMATIONAL with the time, not a failure (a server that stalls under a flood).
    std::optional<seconds> slow_after;
    /// A case for clients only (we are the server): it never runs against a server.
    bool clients_only = false;
    /// Clients only: our response to their opening handshake, broken as this says.
    std::optional<response_plan> response;
    /// Clients only: the mask keys of the client's frames must be fresh and unpredictable
    /// (RFC 6455 §5.3): none all-zero, none used twice, not a counter.
    bool check_client_keys = false;
    /// Clients only: the parts of the opening request this case judges (check_request's
    /// `about`: a header's name, or "request-line"). Their problems FAIL the case; the
    /// request's other problems are left to the cases of their parts, so that each part gets a
    /// verdict of its own. Empty: any problem fails the case (with a 400).
    std::vector<std::string> judges_request_parts;
    /// Clients only: what the case checks across every connection of the run. It starts after
    /// all the others (load_class::last), so it sees the keys of all of them.
    across_run checks_across_run = across_run::nothing;
    /// Clients only: after the closing handshake we leave TCP open this long, breaking §5.5.1
    /// on purpose ("The server MUST close the underlying TCP connection immediately"): the
    /// client must close it itself, and one that has not by then FAILS.
    std::optional<seconds> server_keeps_tcp_open;
    /// Clients only: the client is sent to wss://localhost:PORT, a listener with this set-up.
    tls_server tls = tls_server::none;
    /// Clients only, with `tls`: the client must refuse the TLS handshake. What it would accept
    /// if it went on ("an expired certificate"), for the reason of a FAILED. Empty: it must
    /// connect, and the script runs.
    std::string tls_must_refuse;
};

/// Whether case `c` needs clients started per case with its URL and the test CA (exec mode): a
/// wss:// case (`tls_server`), whose URL names a listener with its own certificate. A client
/// driving the run through Autobahn's control protocol cannot be sent there.
bool needs_started_client(const case_def& c);

/// Whether case `c` runs against a client under test (we are the server): Autobahn's cases of
/// categories 1-7, 9, 10, 12 and 13, one scripted connection each, run as its fuzzingserver
/// runs them, and the cases for clients only (`clients_only`); none of our own server cases
/// (handshake requests, crowds, TLS checks, limits aimed at a server).
bool runs_against_clients(const case_def& c);

/// A compression case as the server: what it asks of the client's permessage-deflate offer, in
/// order of preference, the mirror of what it offers as the client (Autobahn's 13.x accept
/// functions: its server_no_context_takeover becomes a request of client_no_context_takeover,
/// its server_max_window_bits=N one of client_max_window_bits=N). Empty without an offer.
std::vector<codec::deflate_params> deflate_requests(const case_def& c);

/// Whether some outcome of `c` is FAILED by its rules: not for informational cases, crowds
/// (capacity: no MUST covers it) and TLS checks (findings about a certificate or a protocol
/// version). A target that cannot be reached fails any case.
bool can_fail(const case_def& c);

/// The requirements of `c` as a verdict's reason cites them: `RFC 6455 5.1: "The server MUST
/// ..."`, several joined by "; ". Empty when the case has none.
std::string cite_musts(const case_def& c);

/// The received data case `c` may hold at its peak, whatever the peer sends: a frame is
/// buffered whole, so a connection holds up to its receive_limit (`run_limit` at most); an echo
/// stream twice its message size while the buffer grows; a crowd, every member's. The runner
/// keeps the sum of running cases' weights within one run-wide budget
/// (session_settings::memory_budget_bytes): a case whose weight is not free waits.
std::uint64_t memory_weight(const case_def& c, std::uint64_t run_limit);

/// Whether the case keeps a core busy on both sides for its whole run (compressed echo streams:
/// zlib both ways). Dozens at once only queue behind each other, until 1000 small round trips
/// miss Autobahn's 60 s timer and the verdict depends on --jobs: the runner runs a few at once.
bool cpu_heavy(const case_def& c);

/// The largest frame or message case `c` accepts from the peer, `run_limit` at most: 1 MiB
/// more than the largest payload it expects (an echo stream's message size included), since a
/// larger one fails it either way; `run_limit` for a case that takes any payload (a bomb's
/// echo). A frame is buffered whole until it is complete, so a peer sending 60 MiB frames on
/// every connection costs a run of 64 cases in flight (or a crowd of 1,000) about a mebibyte
/// each, not 60, and the run's memory budget covers it (memory_weight).
std::uint64_t receive_limit(const case_def& c, std::uint64_t run_limit);

/// How a case shares the target with others (only timing depends on it, never what is sent
/// or judged). Most cases share it, many at once. A case that loads the target (loads_target,
/// a crowd of connections, a size search up to 64 MiB) runs alone, after the others: beside
/// it, their 1 s timers would measure its load. A case that holds a connection for seconds
/// while sending next to nothing (a handshake trickled one octet per second) runs in the
/// background: it starts first and ends whenever it ends, and no case waits for it.
/// How a case shares the run: `background` cases wait on timers beside the others, `shared`
/// ones run in the concurrency window, `alone` ones with nothing but background ones beside
/// them, `last` ones after every other case (checks across the run).
enum class load_class : std::uint8_t { background, shared, alone, last };
load_class load_of(const case_def& c);

/// The case's compressed echo stream, if it has one.
const echo_stream* compressed_echo(const case_def& c);

/// The octets the case's script writes after the opening handshake, in order, with our frames
/// masked by keys from `keys` (as the session masks them): seeds for fuzzing the frame decoder.
/// Empty for cases that send no frames of their own (handshake-only cases, procedures).
codec::bytes script_bytes(const case_def& c, codec::mask_source& keys);

/// A size as people read it: "16 MiB", "64 KiB", "1.50 MiB", "125 bytes", "1 byte" (whole
/// kibibytes and mebibytes by their unit, other sizes below 1 MiB in bytes).
std::string size_text(std::uint64_t n);

/// script_bytes() with keys from a fixed seed per case (FNV-1a of its id): the same octets on
/// every machine and in every run, for --export-seeds and the live fuzzer's seeds.
codec::bytes seed_bytes(const case_def& c);

/// "[text 'Hello', pong 4 bytes, ... 3 more]": events as a reason quotes them (at most 8).
std::string describe_events(const std::vector<event>& events);

/// "1.5 s": a duration as reasons and notes say it (one decimal).
std::string format_seconds(seconds s);

} // namespace wsconform::runner
