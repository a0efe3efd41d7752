/// Fuzz target: our decoder against Boost.Beast's WebSocket server, on the same bytes.
///
/// Input: [0] bits 0-2 message limit {1, 125, 126, 1000, 4096, 65536, 1 MiB, 16 MiB}, bit 3
///            the client offers permessage-deflate, bit 4 ... with client_no_context_takeover,
///            bits 5-7 how many bytes Beast gets per read (see chunker)
///        rest: what the client sends after its opening handshake (masked frames)
///
/// Beast (server role, over an in-memory test stream, after a fixed valid handshake) reads
/// messages until it fails, is closed or runs out of input. The codec model does the same
/// with decoder (masks required), message_assembler and, for compressed messages, inflater.
/// Both must agree on the messages (type and bytes, in order) and on the end: input ran out,
/// a Close with the same code, or the connection failed. Known, intentional differences are
/// listed in `known_differences` with the clause that decides them; any other disagreement
/// is a finding.

#include "fuzz/fuzz_support.hpp"
#include "fuzz/reference.hpp"
#include "harness/codec/decoder.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/message.hpp"
#include "harness/codec/utf8.hpp"

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace wsconform::codec;
namespace fz = wsconform::fuzz;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

struct config {
    std::uint64_t limit = 0;
    bool deflate = false;
    bool no_context_takeover = false;
    std::uint8_t read_mode = 0;
};

/// How a side's reading ended.
enum class end_kind : std::uint8_t { input_ended, closed, failed };

struct outcome {
    std::vector<message> messages;
    end_kind end = end_kind::input_ended;
    std::optional<close_code> code;        ///< when closed, if the Close had a body
    std::string why;                       ///< what failed, for the crash report
    boost::system::error_code beast_error; ///< Beast's error, on Beast's side
    std::error_code codec_error;           ///< the codec's error, on the model's side

    // The model's view of where it stopped, to judge differences in when a violation is
    // seen (the codec judges a frame once it is whole, Beast as its bytes arrive).
    std::uint64_t stop_offset = 0;      ///< offset of the frame the model failed or waited at
    bool decoder_failed = false;        ///< the decoder itself refused the frame at stop_offset
    bool failed_in_final_frame = false; ///< the model failed on a frame with FIN set
    /// Input ended while the pending frame's header already breaks a rule.
    bool pending_header_violation = false;
    /// Input ended while the pending text frame's bytes so far are already invalid UTF-8.
    bool pending_invalid_text = false;
    /// Input ended inside a compressed frame (its partial bytes cannot be judged).
    bool pending_compressed = false;
    /// The longest declared length of a compressed frame seen, the pending one included.
    std::uint64_t longest_compressed_frame = 0;
    std::uint64_t limit = 0; ///< the message limit of the run
};

std::string request(const config& c) {
    std::string r = "GET / HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (c.deflate)
        r += c.no_context_takeover
                 ? "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n"
                 : "Sec-WebSocket-Extensions: permessage-deflate\r\n";
    return r + "\r\n";
}

// ---- Beast ----------------------------------------------------------------------------------

constexpr std::uint64_t buffer_bound(std::uint64_t limit) {
    return 2 * limit + 4096;
}

outcome run_beast(const config& c, byte_view client) {
    static constexpr std::array<std::size_t, 8> read_sizes = {0, 1, 2, 3, 7, 16, 100, 1000};
    boost::asio::io_context ioc;
    websocket::stream<beast::test::stream> ws(ioc);
    beast::test::stream peer(ioc); // receives the 101, pongs and Close frames
    ws.next_layer().connect(peer);
    ws.next_layer().append(request(c));
    ws.next_layer().append(std::string_view(as_chars(client)));
    ws.next_layer().close_remote(); // end of input reads as EOF, not as a hang
    if (read_sizes[c.read_mode & 7] != 0)
        ws.next_layer().read_size(read_sizes[c.read_mode & 7]);
    ws.read_message_max(c.limit);
    if (c.deflate) {
        websocket::permessage_deflate pmd;
        pmd.server_enable = true;
        ws.set_option(pmd);
    }
    beast::error_code ec;
    ws.accept(ec);
    FUZZ_CHECK(!ec, "Beast refused the fixed, valid handshake");

    outcome out;
    // Bounded: Beast sizes its reads from a compressed frame's declared length, which
    // read_message_max does not bound, so an unbounded buffer lets one header reserve up to
    // 2^64 bytes (std::bad_alloc; see beast-bad-alloc-on-huge-compressed-frame.hex). Reads
    // of plain messages stay within the limit; only a compressed frame declaring more than
    // buffer_bound(limit) - limit can overflow this bound.
    beast::flat_buffer buffer(static_cast<std::size_t>(buffer_bound(c.limit)));
    for (;;) {
        ws.read(buffer, ec);
        if (ec == websocket::error::closed) {
            out.end = end_kind::closed;
            if (ws.reason().code != websocket::close_code::none)
                out.code = static_cast<close_code>(ws.reason().code);
            return out;
        }
        if (ec == boost::asio::error::eof) {
            out.end = end_kind::input_ended;
            return out;
        }
        if (ec) {
            out.end = end_kind::failed;
            out.why = ec.message();
            out.beast_error = ec;
            return out;
        }
        message m;
        m.binary = ws.got_binary();
        const auto* p = static_cast<const byte*>(buffer.data().data());
        m.payload.assign(p, p + buffer.size());
        out.messages.push_back(std::move(m));
        buffer.consume(buffer.size());
    }
}

// ---- The codec model --------------------------------------------------------------------------

/// A server built from the codec, the way the runner builds a client from it: decoder for the
/// frames, message_assembler for plain messages, inflater for compressed ones (RSV1 on the
/// first frame, RFC 7692 §6).
class codec_server {
  public:
    explicit codec_server(const config& c)
        : c_(c), decoder_(options(c)), assembler_(c.limit), inflater_(inflate_options(c)) {
        out_.limit = c.limit;
    }

    outcome run(byte_view client) {
        decoder_.feed(client);
        for (;;) {
            auto r = decoder_.next();
            out_.stop_offset = decoder_.offset();
            if (r.what == decode_result::status::need_more) {
                out_.end = end_kind::input_ended;
                judge_pending(client.subspan(static_cast<std::size_t>(decoder_.offset())));
                return std::move(out_);
            }
            if (r.what == decode_result::status::error) {
                fail(r.error);
                out_.decoder_failed = true;
                return std::move(out_);
            }
            if (!on_frame(r.value))
                return std::move(out_);
        }
    }

  private:
    static decoder_options options(const config& c) {
        decoder_options o;
        o.incoming_mask = masking_rule::required;
        // Messages are limited, as by read_message_max: compressed ones by what they inflate
        // to, plain ones by the assembler (and judge_pending). The decoder's per-frame limit
        // would also cut control frames, which §5.5 already bounds at 125 bytes.
        o.max_payload = c.deflate ? (std::uint64_t{1} << 63) - 1 // only representability
                                  : std::max<std::uint64_t>(c.limit, 125);
        o.allowed_rsv = c.deflate ? 4 : 0;
        return o;
    }
    static inflater_options inflate_options(const config& c) {
        inflater_options o;
        o.max_message = c.limit;
        o.context_takeover = !c.no_context_takeover;
        return o;
    }

    void fail(std::error_code ec) {
        out_.end = end_kind::failed;
        out_.why = ec.message();
        out_.codec_error = ec;
    }
    void fail(std::string why) {
        out_.end = end_kind::failed;
        out_.why = std::move(why);
    }

    /// false when the connection ends here (out_ is final).
    bool on_frame(const frame& f) {
        out_.failed_in_final_frame = f.fin; // read only when this frame fails
        if (f.rsv1() && (is_control(f.op) || f.op == opcode::continuation)) {
            fail("RSV1 on a control or continuation frame (RFC 7692 §6.1)");
            return false;
        }
        switch (f.op) {
        case opcode::ping:
        case opcode::pong:
            return true;
        case opcode::close: {
            close_payload body;
            parse_close_payload(f.payload, body); // the decoder already judged it
            out_.end = end_kind::closed;
            out_.code = body.code;
            return false;
        }
        default:
            break;
        }
        if (f.op != opcode::continuation)
            compressed_ = f.rsv1();
        return compressed_ ? compressed_frame(f) : plain_frame(f);
    }

    /// What the bytes of the frame the input ended in already show (see outcome).
    void judge_pending(byte_view rest) {
        const auto h = fz::ref::parse_header(rest);
        if (!h || !h->complete)
            return;
        fz::ref::frame_rules rules;
        rules.incoming = fz::ref::frame_rules::mask::required;
        rules.allowed_rsv = c_.deflate ? 4 : 0;
        rules.max_payload = decoder_.options().max_payload;
        const bool continuation = h->op == 0;
        bool broken = !fz::ref::judge_frame(rest, rules, decoder_.in_message()).errors.empty();
        // RFC 7692 §6.1: RSV1 only on the first frame of a data message.
        broken = broken || ((h->rsv & 4) != 0 && (h->control() || continuation));
        const bool compressed = h->data_start() ? (h->rsv & 4) != 0 : continuation && compressed_;
        // The message limit, on uncompressed data.
        if (!compressed && (h->data_start() || continuation)) {
            const std::uint64_t so_far = continuation ? assembled_ : 0;
            broken = broken || h->length > c_.limit || so_far + h->length > c_.limit;
        }
        out_.pending_header_violation = broken;
        out_.pending_compressed = !broken && compressed;
        if (compressed)
            out_.longest_compressed_frame = std::max(out_.longest_compressed_frame, h->length);
        const bool text = h->op == 1 || (continuation && !binary_);
        if (!broken && !compressed && text) {
            bytes sofar = text_;
            const auto part = rest.subspan(h->size);
            for (std::size_t i = 0; i < part.size(); ++i)
                sofar.push_back(static_cast<byte>(part[i] ^ h->key[i % 4]));
            out_.pending_invalid_text = fz::ref::check_utf8(sofar).first_bad != fz::ref::npos;
        }
    }

    bool plain_frame(const frame& f) {
        if (f.op != opcode::continuation) {
            binary_ = f.op == opcode::binary;
            text_.clear();
            assembled_ = 0;
        }
        assembled_ += f.payload.size();
        if (!binary_)
            text_.insert(text_.end(), f.payload.begin(), f.payload.end());
        auto r = assembler_.add(f);
        if (r.what == assemble_result::status::error) {
            fail(r.error);
            return false;
        }
        if (r.what == assemble_result::status::complete)
            out_.messages.push_back(std::move(r.value));
        return true;
    }

    bool compressed_frame(const frame& f) {
        out_.longest_compressed_frame =
            std::max<std::uint64_t>(out_.longest_compressed_frame, f.payload.size());
        if (f.op != opcode::continuation) {
            binary_ = f.op == opcode::binary;
            utf8_.reset();
            checked_ = 0;
        }
        if (auto ec = inflater_.feed(f.payload)) {
            fail(ec);
            return false;
        }
        if (f.fin) {
            if (auto ec = inflater_.finish()) {
                fail(ec);
                return false;
            }
        }
        // Text is judged frame by frame as it is inflated, as a fail-fast endpoint does (§8.1).
        if (!binary_) {
            const byte_view inflated = inflater_.message();
            const bool ok = utf8_.feed(inflated.subspan(checked_)) && (!f.fin || utf8_.finish());
            checked_ = inflated.size();
            if (!ok) {
                fail("compressed text message is not UTF-8");
                return false;
            }
        }
        if (!f.fin)
            return true;
        message m;
        m.binary = binary_;
        m.payload = inflater_.take_message();
        out_.messages.push_back(std::move(m));
        return true;
    }

    config c_;
    decoder decoder_;
    message_assembler assembler_;
    inflater inflater_;
    utf8_validator utf8_;     ///< compressed text, as it is inflated
    std::size_t checked_ = 0; ///< inflated bytes of this message already validated
    bool compressed_ = false;
    bool binary_ = false;
    std::uint64_t assembled_ = 0; ///< bytes of the uncompressed message so far
    bytes text_;                  ///< the uncompressed text message so far
    outcome out_;
};

// ---- Comparing ----------------------------------------------------------------------------

const char* to_string(end_kind e) {
    switch (e) {
    case end_kind::input_ended:
        return "input ended";
    case end_kind::closed:
        return "closed";
    case end_kind::failed:
        return "failed";
    }
    return "?";
}

// Messages compare by type and bytes: Beast does not say how many frames carried one.
bool same_message(const message& x, const message& y) {
    return x.binary == y.binary && x.payload == y.payload;
}

/// `prefix` is where `longer` started: same messages, in order, and maybe more after them.
bool is_prefix(const std::vector<message>& prefix, const std::vector<message>& longer) {
    return prefix.size() <= longer.size() &&
           std::equal(prefix.begin(), prefix.end(), longer.begin(), same_message);
}

bool agree(const outcome& ours, const outcome& theirs) {
    return ours.messages.size() == theirs.messages.size() &&
           is_prefix(ours.messages, theirs.messages) && ours.end == theirs.end &&
           (ours.end != end_kind::closed || ours.code == theirs.code);
}

// ---- Known differences ----------------------------------------------------------------------
//
// Disagreements that are understood, each with the clause that decides it. Each predicate is
// as narrow as the situation allows: it names the error on each side and requires the
// messages before the divergence to be the same. Anything else is a finding.

struct known_difference {
    const char* name;
    const char* decided_by;
    bool (*applies)(const outcome& ours, const outcome& theirs, byte_view client, const config& c);
};

bool same_messages(const outcome& ours, const outcome& theirs) {
    return ours.messages.size() == theirs.messages.size() &&
           is_prefix(ours.messages, theirs.messages);
}

/// Beast judges a frame only once its header and masking key, and for a control frame its
/// whole payload, are there (websocket/impl/stream_impl.hpp, parse_fh).
bool beast_has_read_header(byte_view client, std::uint64_t offset) {
    const auto rest = client.subspan(static_cast<std::size_t>(offset));
    const auto h = fz::ref::parse_header(rest);
    return h && h->complete && (!h->control() || rest.size() - h->size >= h->length);
}

bool beast_failed_with(const outcome& theirs, std::initializer_list<websocket::error> errors) {
    return theirs.end == end_kind::failed &&
           std::any_of(errors.begin(), errors.end(),
                       [&](websocket::error e) { return theirs.beast_error == e; });
}

constexpr known_difference known_differences[] = {
    {"Close code 1014: the codec accepts it, Beast 1.81 refuses it as reserved",
     "IANA WebSocket Close Code Number Registry (RFC 6455 §11.7) registered 1014 (Bad "
     "Gateway) in 2015; §7.4.2 reserves 1000-2999 for such registrations. The codec is right; "
     "Beast's table predates the registration.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::closed && ours.code == close_code{1014} &&
                theirs.end == end_kind::failed &&
                theirs.beast_error == websocket::error::bad_close_code &&
                ours.messages.size() == theirs.messages.size() &&
                is_prefix(ours.messages, theirs.messages);
     }},
    {"Close codes 5000 and above: the codec fails the connection (close_code_undefined), "
     "Beast accepts the Close",
     "RFC 6455 §7.4.2 defines the ranges only up to 4999 and says nothing of higher codes; "
     "either reading is defensible (the codec reports them as undefined, see close_code.hpp).",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::failed &&
                ours.codec_error == protocol_error::close_code_undefined &&
                theirs.end == end_kind::closed && theirs.code && *theirs.code >= 5000 &&
                same_messages(ours, theirs);
     }},
    {"A 64-bit length with the most significant bit set on a compressed frame: the codec "
     "fails it, Beast 1.81 accepts the header and waits for ~2^63 bytes",
     "RFC 6455 §5.2: the most significant bit MUST be 0. Beast never checks it; for plain "
     "frames its message limit catches such lengths, but compressed frames are limited only "
     "by what they inflate to. The codec is right.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::failed &&
                ours.codec_error == protocol_error::length_msb_set &&
                theirs.end == end_kind::input_ended && same_messages(ours, theirs);
     }},
    {"A compressed frame declaring more than the read buffer may hold: Beast fails with "
     "buffer_overflow when it sizes a read from the declared length; the codec limits only "
     "what the frames inflate to",
     "RFC 6455 §10.4 leaves limits to the implementation. Without the bounded buffer Beast "
     "1.81 tries to allocate the declared length (std::bad_alloc for ~2^63): a Beast finding.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return beast_failed_with(theirs, {websocket::error::buffer_overflow}) &&
                ours.longest_compressed_frame > buffer_bound(ours.limit) - ours.limit &&
                is_prefix(theirs.messages, ours.messages);
     }},
    {"A fragmented text message whose last frame is empty and whose text ends inside a code "
     "point: Beast delivers it, the codec fails it",
     "RFC 6455 §8.1: a text message that is not valid UTF-8 fails the connection. Beast 1.81 "
     "skips its end-of-message UTF-8 check when the final frame has no payload. The codec "
     "is right.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         if (ours.end != end_kind::failed || ours.codec_error != protocol_error::invalid_utf8 ||
             !is_prefix(ours.messages, theirs.messages) ||
             theirs.messages.size() == ours.messages.size())
             return false;
         const message& m = theirs.messages[ours.messages.size()];
         const auto verdict = fz::ref::check_utf8(m.payload);
         return !m.binary && verdict.first_bad == fz::ref::npos && verdict.ends_inside;
     }},
    {"client_no_context_takeover agreed, and a compressed message refers back into the "
     "previous one: the codec starts each message with an empty window and fails it as "
     "corrupt, Beast 1.81 keeps its window and decodes it",
     "RFC 7692 §7.1.1.2: with client_no_context_takeover the client MUST start each message "
     "with an empty LZ77 window, so the input is a violation; the codec catches it, Beast "
     "does not reset its inflater (see beast-keeps-window-despite-no-context-takeover.hex).",
     [](const outcome& ours, const outcome& theirs, byte_view client, const config& c) {
         // Beast delivers the message, or has not seen its end when the input runs out.
         if (!c.no_context_takeover || ours.codec_error != deflate_error::inflate_corrupt ||
             !is_prefix(ours.messages, theirs.messages) ||
             (theirs.messages.size() == ours.messages.size() &&
              theirs.end != end_kind::input_ended))
             return false;
         // Verified: with the window kept, the model no longer finds that message corrupt
         // (it may still find it incomplete, another listed difference).
         config kept = c;
         kept.no_context_takeover = false;
         const outcome again = codec_server(kept).run(client);
         return again.messages.size() > ours.messages.size() ||
                (again.messages.size() == ours.messages.size() &&
                 again.codec_error != deflate_error::inflate_corrupt);
     }},
    {"The codec fails a message at a frame it has whole (corrupt or oversized DEFLATE data, "
     "invalid text); Beast, whose inflater wants more input before it decodes the last "
     "bits, runs out of input first",
     "RFC 7692 §7.2.2 and RFC 6455 §8.1 decide that the message fails, not when. Verified: "
     "the message completed by an empty final frame makes Beast fail too.",
     [](const outcome& ours, const outcome& theirs, byte_view client, const config& c) {
         if (ours.end != end_kind::failed || ours.decoder_failed || ours.failed_in_final_frame ||
             theirs.end != end_kind::input_ended || !same_messages(ours, theirs))
             return false;
         bytes completed(client.begin(),
                         client.begin() + static_cast<std::ptrdiff_t>(ours.stop_offset));
         for (byte b : {0x80, 0x80, 0x00, 0x00, 0x00, 0x00}) // empty masked final continuation
             completed.push_back(b);
         return run_beast(c, completed).end == end_kind::failed;
     }},
    {"A compressed message with a final (BFINAL=1) DEFLATE block: Beast fails with "
     "'unexpected end of deflate stream', the codec inflates it",
     "RFC 7692 §7.2.3.4 shows a BFINAL block as a valid way to end a message (§7.2.2: the "
     "appended 00 00 ff ff then follows the end of the stream). Beast deviates; the codec is "
     "right and keeps the LZ77 window for the next message.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return theirs.end == end_kind::failed &&
                theirs.beast_error == beast::zlib::error::end_of_stream &&
                is_prefix(theirs.messages, ours.messages);
     }},
    {"A compressed message whose DEFLATE data stops inside a block: the codec fails it, Beast "
     "delivers a message made up of its own appended 00 00 ff ff tails",
     "RFC 7692 §7.2.2 appends the four octets once, §7.2.1 has every message end on a block "
     "boundary: the codec fails the connection (inflate_incomplete). Beast re-appends the "
     "tail while inflate produces output, fabricating up to 64 KiB from a 5-byte payload.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::failed &&
                ours.codec_error == deflate_error::inflate_incomplete &&
                is_prefix(ours.messages, theirs.messages);
     }},
    // When a violation is seen. Both sides fail the same frames; they differ only when the
    // input ends inside the offending frame. Not decided by the RFC (§5.2, §8.1 say what
    // fails, not after how many bytes); each entry checks that the side still waiting had
    // the violation in view.
    {"The input ends inside a frame whose header breaks a rule: Beast fails at the header, "
     "the codec waits for the whole frame (decoder_options::allowed_rsv cannot say 'RSV1 on "
     "the first data frame only', so RSV1 on control and continuation frames, RFC 7692 §6.1, "
     "and the message limit are judged by the model once the frame is whole)",
     "RFC 6455 §5.2/§10.4 and RFC 7692 §6.1 decide that the frame fails, not when.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::input_ended && ours.pending_header_violation &&
                theirs.end == end_kind::failed && same_messages(ours, theirs);
     }},
    {"The input ends inside a text frame whose bytes so far are not UTF-8: Beast fails as "
     "they arrive, the codec's assembler once the frame is whole",
     "RFC 6455 §8.1 (fail on invalid UTF-8) leaves the granularity open.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         return ours.end == end_kind::input_ended && ours.pending_invalid_text &&
                beast_failed_with(theirs, {websocket::error::bad_frame_payload}) &&
                same_messages(ours, theirs);
     }},
    {"The input ends inside a compressed frame on which Beast, inflating as bytes arrive, "
     "already failed (corrupt data, limit or UTF-8); the codec inflates whole frames. "
     "Unverified: the partial DEFLATE data cannot be judged without the inflater's state",
     "RFC 7692 §7.2.2 and RFC 6455 §10.4 decide that the message fails, not when.",
     [](const outcome& ours, const outcome& theirs, byte_view, const config&) {
         const bool inflate_error =
             &theirs.beast_error.category() ==
                 &beast::zlib::make_error_code(beast::zlib::error::need_buffers).category() ||
             beast_failed_with(
                 theirs, {websocket::error::message_too_big, websocket::error::bad_frame_payload});
         return ours.end == end_kind::input_ended && ours.pending_compressed &&
                theirs.end == end_kind::failed && inflate_error && same_messages(ours, theirs);
     }},
    {"The codec fails a frame from its first header bytes; the input ends before Beast has "
     "the header and masking key (or a control frame's payload) it waits for before judging",
     "RFC 6455 §5.2 decides that the frame fails, not when.",
     [](const outcome& ours, const outcome& theirs, byte_view client, const config&) {
         return ours.end == end_kind::failed && ours.decoder_failed &&
                theirs.end == end_kind::input_ended &&
                !beast_has_read_header(client, ours.stop_offset) && same_messages(ours, theirs);
     }},
};

void report(const outcome& ours, const outcome& theirs) {
    std::fprintf(stderr, "codec: %zu messages, %s %s %s\n", ours.messages.size(),
                 to_string(ours.end), ours.code ? std::to_string(*ours.code).c_str() : "",
                 ours.why.c_str());
    std::fprintf(stderr, "beast: %zu messages, %s %s %s\n", theirs.messages.size(),
                 to_string(theirs.end), theirs.code ? std::to_string(*theirs.code).c_str() : "",
                 theirs.why.c_str());
    for (std::size_t i = 0; i < std::min(ours.messages.size(), theirs.messages.size()); ++i)
        if (!same_message(ours.messages[i], theirs.messages[i])) {
            std::fprintf(stderr, "first different message: #%zu (%zu vs %zu bytes)\n", i,
                         ours.messages[i].payload.size(), theirs.messages[i].payload.size());
            break;
        }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::input_reader in(byte_view(data, size));
    const byte c0 = in.u8();
    static constexpr std::array<std::uint64_t, 8> limits = {1,    125,   126,      1000,
                                                            4096, 65536, 1u << 20, 16u << 20};
    config c;
    c.limit = limits[c0 & 7];
    c.deflate = (c0 & 8) != 0;
    c.no_context_takeover = (c0 & 16) != 0;
    c.read_mode = static_cast<std::uint8_t>(c0 >> 5);
    const byte_view client = in.rest();

    const outcome theirs = run_beast(c, client);
    const outcome ours = codec_server(c).run(client);

    if (agree(ours, theirs))
        return 0;
    for (const auto& known : known_differences)
        if (known.applies(ours, theirs, client, c))
            return 0;
    report(ours, theirs);
    FUZZ_CHECK(false, "the codec and Beast disagree (and it is not a known difference)");
    return 0;
}
