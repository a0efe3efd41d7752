#pragma once
/// permessage-deflate (RFC 7692): the extension negotiation (§5, §7.1), per-message compression
/// with zlib raw DEFLATE (§7.2), a decompressor with a hard output limit, and a decompression
/// bomb generator. No I/O.

#include "harness/codec/bytes.hpp"
#include "harness/codec/handshake.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsconform::codec {

// ---- Errors ---------------------------------------------------------------------------------

enum class deflate_error {
    malformed_header = 1, ///< element not `token *(";" token ["=" value])` (RFC 6455 §9.1)
    unknown_parameter,    ///< a parameter RFC 7692 does not define for this side (§7)
    duplicate_parameter,  ///< the same parameter twice in one element (§7)
    invalid_window_bits,  ///< not 8..15 written as 1*DIGIT without a leading zero (§7.1.2)
    unexpected_value,     ///< a value on *_no_context_takeover, which takes none (§7.1.1)
    missing_value,        ///< *_max_window_bits without the value it needs here (§7.1.2)
    client_window_bits_not_offered,     ///< response has client_max_window_bits, offer had not
                                        ///< (§7.1.2.2)
    server_window_bits_too_large,       ///< response server_max_window_bits > offered (§7.1.2.1)
    server_window_bits_ignored,         ///< offered server_max_window_bits absent from the
                                        ///< response (§7.1.2.1)
    server_no_context_takeover_ignored, ///< offered server_no_context_takeover absent from
                                        ///< the response (§7.1.1.1)
    selected_twice,         ///< permessage-deflate accepted twice: both claim RSV1 (RFC 7692 §5)
    extension_not_offered,  ///< response selects an extension that was not offered (6455 §9.1)
    inflate_corrupt,        ///< DEFLATE data that cannot be decoded (§7.2.2)
    inflate_incomplete,     ///< message does not end on a DEFLATE block boundary (§7.2.1)
    inflate_limit_exceeded, ///< inflated message larger than the configured limit (6455 §10.4)
};

const std::error_category& deflate_category();

inline std::error_code make_error_code(deflate_error e) {
    return {static_cast<int>(e), deflate_category()};
}

/// "RFC 7692 §7.1.2.1", "RFC 6455 §9.1", ...: the clause that decides the error.
std::string_view rfc_reference(deflate_error e);

// ---- Negotiation (RFC 7692 §5, §7.1) ------------------------------------------------------

/// The four permessage-deflate parameters, as offered or as agreed.
struct deflate_params {
    bool server_no_context_takeover = false;   ///< §7.1.1.1
    bool client_no_context_takeover = false;   ///< §7.1.1.2
    std::optional<int> server_max_window_bits; ///< §7.1.2.1; always has a value when present
    /// §7.1.2.2. Outer: parameter present. Inner: its value. In an offer the parameter may be
    /// present without a value ("I accept a limit in the response"); in a response it must
    /// carry one. Set a bare parameter with `client_max_window_bits.emplace()`.
    std::optional<std::optional<int>> client_max_window_bits;

    friend bool operator==(const deflate_params&, const deflate_params&) = default;
};

/// One Sec-WebSocket-Extensions element, e.g. "permessage-deflate; client_max_window_bits;
/// server_no_context_takeover" (parameters in §7.1 order; no validation, so out-of-range values
/// are written as given).
std::string make_deflate_offer(const deflate_params& offer);
/// The same syntax for a server's response element.
std::string make_deflate_response(const deflate_params& agreed);

/// The result of judging a server's Sec-WebSocket-Extensions response against the offer.
struct deflate_negotiation {
    std::error_code error;                ///< a deflate_error, or empty
    std::optional<deflate_params> agreed; ///< when no error; empty = the server declined
    std::string detail;                   ///< the element or parameter at fault, for reports
    deflate_params offer;                 ///< negotiate_deflate(): the offer it was judged on
};

/// Client side: parses every Sec-WebSocket-Extensions value of a response (several header
/// lines, comma-separated elements, quoted-string values: RFC 6455 §9.1) and checks it against
/// the single permessage-deflate `offer` the client sent (RFC 7692 §7: the client fails the
/// connection on any error). Elements naming one of `other_offered` are skipped, any other
/// extension is extension_not_offered. Names compare case-insensitively.
///
/// A client_max_window_bits value in the response is returned as the server wrote it; when the
/// offer carried a value too, the client compresses with the smaller of the two (§7.1.2.2).
deflate_negotiation parse_deflate_response(std::span<const std::string> header_values,
                                           const deflate_params& offer,
                                           std::span<const std::string> other_offered = {});
/// Same, reading the Sec-WebSocket-Extensions lines out of a response's headers.
deflate_negotiation parse_deflate_response(const std::vector<header_field>& headers,
                                           const deflate_params& offer,
                                           std::span<const std::string> other_offered = {});

/// One permessage-deflate offer from a client request.
struct deflate_offer {
    deflate_params params; ///< what was parsed up to the first error
    std::error_code error; ///< why a server must decline this offer (§7), or empty
    std::string detail;
};

/// Server side: every permessage-deflate element of a request's Sec-WebSocket-Extensions
/// values, in order (RFC 7692 §5: several offers, most preferred first). Other extensions are
/// skipped. Offers use the same error kinds as responses, with the offer rules:
/// client_max_window_bits may be bare, server_max_window_bits needs a value.
std::vector<deflate_offer> parse_deflate_offers(std::span<const std::string> header_values);

/// Client side with several offers (§5: most preferred first; Autobahn's 13.7 makes three):
/// the response is judged against each offer without an error, in order, and the first one it
/// answers correctly is the one agreed (`offer`). When it answers none, the error is the one
/// against the first offer. No valid offer: nothing agreed, no error.
deflate_negotiation negotiate_deflate(const std::vector<header_field>& response_headers,
                                      std::span<const deflate_offer> offers,
                                      std::span<const std::string> other_offered = {});

/// How one direction's compressor and decompressor are set up.
struct deflate_stream_config {
    int window_bits = 15;         ///< LZ77 window, 2^bits bytes (8..15)
    bool context_takeover = true; ///< keep the window from one message to the next
    friend bool operator==(const deflate_stream_config&, const deflate_stream_config&) = default;
};

enum class deflate_role : std::uint8_t { client, server };

/// The settings for the messages `self` sends under agreed parameters (absent window bits =
/// 15, §7.1.2). This uses the agreed window; a client whose offer carried a value as well
/// wants client_sending_config().
deflate_stream_config sending_config(const deflate_params& agreed, deflate_role self);
/// A client's sending_config(), also bound by a client_max_window_bits value in its own offer:
/// the smaller of that and the response's binds it (§7.1.2.2).
deflate_stream_config client_sending_config(const deflate_params& agreed,
                                            const deflate_params& offer);
/// The settings for the messages `self` receives (the peer's sending_config).
deflate_stream_config receiving_config(const deflate_params& agreed, deflate_role self);

// ---- Compression (RFC 7692 §7.2.1) -------------------------------------------------------

struct deflater_options {
    /// 8..15. zlib's raw deflate refuses 8 (its 256-byte window is broken, zlib issue #171),
    /// so 8 compresses with 9; that is still safe for a peer that inflates with 256 bytes,
    /// because zlib never emits a distance above window - 262 = 250 (MAX_DIST) for 9 bits.
    int window_bits = 15;
    bool context_takeover = true;
    int level = -1; ///< zlib level 0..9, -1 = zlib's default (6)
    int mem_level = 8;
};

/// Compresses whole messages. Owns a zlib stream; movable, not copyable. Bad options throw
/// std::invalid_argument (a programming error, not a peer's).
class deflater {
  public:
    explicit deflater(const deflater_options& options = {});
    ~deflater();
    deflater(deflater&&) noexcept;
    deflater& operator=(deflater&&) noexcept;
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    /// The payload of one compressed message: DEFLATE with Z_SYNC_FLUSH and the trailing
    /// 0x00 0x00 0xff 0xff removed (§7.2.1). An empty message gives 0x00 (§7.2.3.6).
    bytes compress_message(byte_view message);

    /// The window zlib really uses (9 when 8 was asked for).
    int window_bits() const { return std::max(options_.window_bits, 9); }
    /// The options it was made with.
    const deflater_options& options() const { return options_; }

  private:
    struct stream;
    std::unique_ptr<stream> z_;
    deflater_options options_;
};

// ---- Decompression (RFC 7692 §7.2.2) -----------------------------------------------------

/// Receives inflated bytes in chunks of at most inflater_options::chunk.
using inflate_sink = std::function<void(byte_view)>;

struct inflater_options {
    /// 8..15: the window the peer agreed to compress with. zlib rejects a distance only when
    /// it reaches past the history it holds (this window plus the current output chunk), so a
    /// peer exceeding the agreed window is caught when it refers back across messages or
    /// chunks, not always within one chunk.
    int window_bits = 15;
    bool context_takeover = true;
    /// Largest inflated message; one byte more is inflate_limit_exceeded. The first `limit`
    /// bytes are delivered; at most one chunk is ever inflated beyond them, and never stored.
    std::uint64_t max_message = 64ull * 1024 * 1024;
    std::size_t chunk = 16 * 1024; ///< output buffer size
};

/// Decompresses messages fed fragment by fragment. Without a sink, a message's bytes collect
/// in message(); with one, they go to the sink and only their count is kept, so a 1 GiB bomb
/// can be inflated in constant memory. Errors are sticky until reset().
///
/// Strictness: after a message's data and the 0x00 0x00 0xff 0xff tail, DEFLATE must stand at
/// a block boundary (or the end of a BFINAL block) - otherwise inflate_incomplete. Data after a
/// BFINAL block continues as a new DEFLATE stream that keeps the LZ77 window (§7.2.3.4).
class inflater {
  public:
    explicit inflater(const inflater_options& options = {}, inflate_sink sink = {});
    ~inflater();
    inflater(inflater&&) noexcept;
    inflater& operator=(inflater&&) noexcept;
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;

    /// Inflates one fragment of the current message (the first call starts a message).
    std::error_code feed(byte_view compressed);
    /// Ends the message: appends 0x00 0x00 0xff 0xff, inflates, checks the block boundary,
    /// and drops the window when there is no context takeover.
    std::error_code finish();
    /// feed(payload) + finish(); the message is in message() (or went to the sink).
    std::error_code inflate_message(byte_view payload);

    /// The current or last finished message (empty when a sink is used).
    const bytes& message() const { return message_; }
    bytes take_message() { return std::exchange(message_, {}); }
    /// Inflated bytes of the current or last message, also counted with a sink.
    std::uint64_t message_size() const { return message_size_; }
    /// Bytes held in this object's buffers (message + output chunk); zlib's own state and
    /// window (at most ~44 KiB) are not counted.
    std::size_t retained_bytes() const;
    /// The last error with its particulars ("inflated message exceeds limit 1024 bytes", zlib's
    /// reason for corrupt data, the compressed offset), or empty.
    const std::string& error_detail() const { return error_detail_; }
    std::error_code error() const { return error_; }
    /// A fresh stream: window, message and error cleared.
    void reset();

  private:
    std::error_code run(byte_view in);
    std::error_code fail(deflate_error e, std::string detail);
    void restart_keeping_window();

    struct stream;
    std::unique_ptr<stream> z_;
    inflater_options options_;
    inflate_sink sink_;
    bytes out_;
    bytes message_;
    std::uint64_t message_size_ = 0;
    std::uint64_t message_in_ = 0; ///< compressed bytes of this message so far
    bool in_message_ = false;
    bool at_boundary_ = true; ///< DEFLATE stands between blocks or streams
    std::error_code error_;
    std::string error_detail_;
};

// ---- Decompression bomb ----------------------------------------------------------------

/// A permessage-deflate payload (tail already removed, §7.2.1) that inflates to exactly
/// `inflated_size` zero bytes, built directly rather than by compressing (zlib needs ~1 s per
/// GiB). One dynamic-Huffman block: a literal 0, then matches of length 258 at distance 1
/// whose codes are 1 bit each, so 2 bits per 258 bytes: 1032:1, DEFLATE's maximum. 1 GiB
/// takes 1,040,462 bytes. Inflates with any window size and leaves the stream at a block
/// boundary, so it works with and without context takeover.
bytes make_deflate_bomb(std::uint64_t inflated_size);

} // namespace wsconform::codec

template <>
struct std::is_error_code_enum<wsconform::codec::deflate_error> : std::true_type {};
