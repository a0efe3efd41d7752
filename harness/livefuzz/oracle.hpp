#pragma once
/// What the fuzzer may conclude from what a server did. Three sources of evidence:
///
/// - the client's stream, judged with our decoder in the server role (`expect`) against the
///   codec's rules table (codec/rules.hpp): does RFC 6455 say the server MUST fail the
///   connection, and at which byte? Only the rules whose failure the table calls required
///   count (reserved opcode, RSV bits without an extension, an unmasked client frame, control
///   frames longer than 125 bytes or fragmented, continuation without a start, a new data frame
///   inside a fragmented message, invalid UTF-8 in a text message, a close code not allowed on
///   the wire). Where a server may go either way (non-minimal length, the length's top bit, a
///   1-byte Close body, Close codes of 5000 and above, a bad Close reason, size limits), nothing
///   after that point is judged;
/// - the server's stream, judged with our decoder in the client role (`reply_checker`): a
///   masked frame, RSV bits, a bad close code, invalid UTF-8 in a text message it sends, ...;
/// - the canary: a text frame sent after the input. A server that echoes it after the input
///   broke a MUST-fail rule kept a connection it had to fail. After an input the rules call
///   valid it is the other way round: a conforming server echoes the canary (after the
///   messages before it), answers pings and stays connected, so one that drops or fails the
///   connection (or closes it saying the input was wrong) has a bug (`dropped-valid`), and one that
///   keeps the connection but leaves every ping unanswered has another (`unanswered-valid`). A
///   valid Close in the input must be answered with a Close (§5.5.1).
///
/// Crashes and hangs are seen by the campaign: a fresh connection no longer gets its echo.

#include "harness/codec/decoder.hpp"
#include "harness/codec/message.hpp"
#include "harness/livefuzz/input.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace wsconform::livefuzz {

/// The payload of the canary text frame.
inline constexpr std::string_view canary_text = "wsconform-livefuzz-canary";

/// The canary frame of an input (masked with the input's canary key).
codec::frame canary_frame(const fuzz_input& in);

/// The largest message (and frame) whose answer is judged: a server may enforce a limit of its
/// own (§10.4, the rules table's `limit`), and 1 MiB is the smallest default among common
/// servers (Python websockets' max_size). Beyond it the stream is `undecided`
/// (payload_too_big); a Close 1009 is accepted whatever the size.
inline constexpr std::uint64_t judged_message_limit = 1024 * 1024;

/// What a conforming server must do with a client stream.
struct expectation {
    enum class verdict : std::uint8_t {
        none,      ///< nothing the server must fail (so far as the stream goes)
        must_fail, ///< `rule` at `offset`: the server MUST fail the connection there
        undecided, ///< `rule` at `offset`: the RFC lets the server fail or carry on; stop judging
        closed,    ///< a valid Close at `offset`: the server reads nothing after it
    };
    verdict what = verdict::none;
    codec::protocol_error rule{};
    std::uint64_t offset = 0;
    /// The stream ends between two frames (as a lenient parser frames it), so a frame sent
    /// after it is read as a frame, not as the rest of a payload.
    bool ends_on_frame = true;
    /// Complete data messages and pings before `offset` (the whole stream for `none`): what a
    /// conforming server echoes and answers (a pong for the latest ping is enough, §5.5.3).
    std::size_t messages = 0;
    std::size_t pings = 0;
};

/// Judges `stream` (the octets after the opening handshake) in the server role.
expectation expect(codec::byte_view stream);

/// Whether to follow the input with the canary: only when the stream ends on a frame boundary
/// and no valid Close came first (otherwise the canary is payload or ignored by design).
bool sends_canary(const expectation& input_alone);

/// Reads the server's stream in the client role and remembers the first violation.
class reply_checker {
  public:
    reply_checker();
    void feed(codec::byte_view data);

    /// The rule of the first RFC 6455 violation in the server's frames ("mask_unexpected",
    /// "close_code_invalid", "data_after_close", ...), and what it was.
    const std::optional<std::string>& violation() const { return violation_; }
    const std::string& violation_detail() const { return detail_; }
    bool canary_echoed() const { return canary_echoed_; }
    bool close_received() const { return close_received_; }
    std::optional<codec::close_code> close_code() const { return close_code_; }
    std::size_t messages() const { return messages_; }
    std::size_t pongs() const { return pongs_; }
    /// One line: what the server sent ("2 messages, close 1002").
    std::string summary() const;

  private:
    void flag(std::string_view rule, std::string detail);

    codec::decoder decoder_;
    codec::message_assembler assembler_;
    std::optional<std::string> violation_;
    std::string detail_;
    bool canary_echoed_ = false;
    bool close_received_ = false;
    std::optional<codec::close_code> close_code_;
    std::size_t messages_ = 0;
    std::size_t pongs_ = 0;
    bool stopped_ = false; ///< the stream cannot be read past an error
};

/// A finding's identity: its kind and the rule (or trigger) involved. Findings with equal
/// signatures are the same bug.
struct signature {
    /// "crash", "hang", "kept-open", "bad-reply", "dropped-valid", "unanswered-valid"
    std::string kind;
    std::string rule; ///< "reserved_opcode", "mask_unexpected", "len64", ...
    std::string text() const { return kind + ":" + rule; }
    friend bool operator==(const signature&, const signature&) = default;
};

/// What one connection showed (filled by the executor).
struct connection_outcome {
    bool connected = false;
    bool upgraded = false;
    std::string failure;  ///< why there was no WebSocket connection, if there was none
    bool refused = false; ///< the TCP connection was refused (nothing listens)
    bool canary_sent = false;
    bool eof = false;       ///< the server closed TCP
    bool reset = false;     ///< the connection ended with an error other than EOF
    bool timed_out = false; ///< we stopped waiting
    std::optional<std::string> reply_violation; ///< reply_checker::violation()
    std::string reply_detail;
    bool canary_echoed = false;
    bool close_received = false;
    std::optional<codec::close_code> close_code;
    std::size_t pongs = 0;
    std::string reply_summary;

    /// The connection did not end the way a live server ends one (no Close and EOF, nor the
    /// canary's echo): worth checking that the server is still there.
    bool abnormal() const;
};

/// A finding on one connection, if the outcome shows one: a protocol violation in the reply,
/// a connection kept open (the canary echoed) that `exp` says had to be failed, or valid input
/// that was not answered as a conforming server answers it. The last two kinds leave the
/// signature's rule empty: like a crash's, it names the trigger, which only the minimised input
/// shows (see named_by_trigger).
struct finding_claim {
    signature sig;
    std::string description;
};
std::optional<finding_claim> judge(const expectation& exp, const connection_outcome& outcome);

/// Kinds whose rule is the trigger_tag of the minimised input's last step ("crash:len64",
/// "dropped-valid:len64"), not a rule the judge names: they are deduplicated by those features
/// and replayed by kind.
bool named_by_trigger(std::string_view kind);

/// The features of a step that can trigger a crash ("len64", "unmasked", "rsv4", "ping",
/// "raw", ...), joined by '+'; "frame" for a plain binary frame.
std::string trigger_tag(const fuzz_step& s);

} // namespace wsconform::livefuzz
