#include "harness/protocol/connection.hpp"

#include <random>
#include <utility>

namespace wsconform::protocol {

using codec::opcode;
using codec::protocol_error;

namespace {

codec::decoder_options decoder_options_for(const connection_options& o) {
    codec::decoder_options d;
    // §5.1: "a client MUST mask all frames that it sends to the server"; "A server MUST NOT
    // mask any frames that it sends to the client."
    d.incoming_mask =
        o.side == role::server ? codec::masking_rule::required : codec::masking_rule::forbidden;
    d.max_payload = o.max_frame;
    d.allowed_rsv = o.deflate ? codec::rsv1_bit : 0;
    // The Close body is judged here, after its code is recorded (a wrong code is reported as
    // such, not as an undecodable frame).
    d.check_close_payload = false;
    return d;
}

codec::deflate_role deflate_side(role r) {
    return r == role::client ? codec::deflate_role::client : codec::deflate_role::server;
}

std::string rfc6455(codec::protocol_error e) {
    return "RFC 6455 " + std::string(codec::rfc_section(e));
}

} // namespace

connection::connection(connection_options options)
    : options_(std::move(options)), decoder_(decoder_options_for(options_)),
      assembler_(options_.max_message),
      keys_(options_.mask_seed ? options_.mask_seed : std::random_device{}()) {
    if (options_.deflate) {
        const auto& agreed = *options_.deflate;
        auto sending = options_.side == role::client && options_.deflate_offer
                           ? codec::client_sending_config(agreed, *options_.deflate_offer)
                           : codec::sending_config(agreed, deflate_side(options_.side));
        deflater_.emplace(codec::deflater_options{.window_bits = sending.window_bits,
                                                  .context_takeover = sending.context_takeover});
        auto receiving = codec::receiving_config(agreed, deflate_side(options_.side));
        inflater_.emplace(codec::inflater_options{.window_bits = receiving.window_bits,
                                                  .context_takeover = receiving.context_takeover,
                                                  .max_message = options_.max_message});
    }
}

// --- input -----------------------------------------------------------------------------------

void connection::receive_data(byte_view data) {
    if (state_ == state::closed || stream_broken_)
        return;
    decoder_.feed(data);
    process();
}

void connection::process() {
    while (!stream_broken_ && state_ != state::closed) {
        auto r = decoder_.next_view();
        if (r.what == codec::decode_result::status::need_more)
            return;
        if (r.what == codec::decode_result::status::error) {
            // The byte stream cannot be decoded past a frame-level violation.
            stream_broken_ = true;
            auto e = static_cast<protocol_error>(r.error.value());
            report_protocol(e, r.frame_offset);
            fail(codec::close_code_for(e));
            return;
        }
        const auto& v = r.value;
        if (options_.on_frame_received)
            options_.on_frame_received(v);
        if (v.op == opcode::text || v.op == opcode::binary || v.op == opcode::continuation) {
            on_data(v);
            continue;
        }
        if (options_.deflate && (v.rsv & codec::rsv1_bit)) {
            // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of
            // control frames".
            report(codec::make_error_code(protocol_error::reserved_bits_set), "RFC 7692 6.1",
                   "RSV1 set on a " + std::string(codec::to_string(v.op)) + " frame",
                   decoder_.offset());
            fail(codec::close_codes::protocol_error);
            continue;
        }
        on_frame(v.to_frame());
    }
}

void connection::on_frame(codec::frame f) {
    switch (f.op) {
    case opcode::ping:
        if (close_received_)
            return; // nothing is owed to a peer that closed
        emit({.what = event::kind::ping, .payload = f.payload});
        // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
        // response, unless it already received a Close frame." §5.5.3: an endpoint that has
        // not yet answered an earlier ping "MAY elect to send a Pong frame for only the most
        // recently processed Ping frame": so the backlog is one pong, whatever the peer sends.
        if (options_.auto_pong && !close_sent_)
            owed_pong_ = std::move(f.payload);
        return;
    case opcode::pong:
        if (!close_received_)
            emit({.what = event::kind::pong, .payload = std::move(f.payload)});
        return;
    case opcode::close:
        on_close_frame(f);
        return;
    default:
        return; // data frames go to on_data; reserved opcodes were rejected by the decoder
    }
}

void connection::on_data(const codec::frame_view& v) {
    if (close_received_) {
        // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any more data
        // frames."
        report_protocol(protocol_error::data_after_close, decoder_.offset(),
                        "a " + std::string(codec::to_string(v.op)) + " frame after its Close");
        return;
    }
    const bool first = v.op != opcode::continuation;
    if (options_.deflate) {
        if ((v.rsv & codec::rsv1_bit) && !first) {
            // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of
            // control frames and non-first fragments of a data message."
            report(codec::make_error_code(protocol_error::reserved_bits_set), "RFC 7692 6.1",
                   "RSV1 set on a continuation frame", decoder_.offset());
            fail(codec::close_codes::protocol_error);
            return;
        }
        if (first)
            message_compressed_ = (v.rsv & codec::rsv1_bit) != 0;
    }
    const bool compressed = options_.deflate && message_compressed_;
    if (options_.deliver == connection_options::delivery::whole_messages) {
        auto f = v.to_frame();
        f.rsv &= static_cast<std::uint8_t>(~codec::rsv1_bit);
        if (compressed) {
            // The compressed payload waits for the message's end; the assembler still checks
            // the framing.
            compressed_.insert(compressed_.end(), f.payload.begin(), f.payload.end());
            f.payload.clear();
        }
        auto r = assembler_.add(f);
        if (r.what == codec::assemble_result::status::error) {
            // The frames stay well-formed: keep decoding, the peer's Close still counts.
            auto e = static_cast<protocol_error>(r.error.value());
            report_protocol(e, r.error_offset,
                            "at message offset " + std::to_string(r.error_offset));
            fail(codec::close_code_for(e));
            return;
        }
        if (r.what == codec::assemble_result::status::complete)
            deliver_message(std::move(r.value), compressed);
        return;
    }
    // Chunks: the decoder already checked the fragmentation rules (§5.4).
    if (first) {
        in_message_ = true;
        message_binary_ = v.op == opcode::binary;
        message_size_ = 0;
        utf8_.reset();
    }
    if (!in_message_)
        return; // the message already failed
    bytes data;
    if (compressed) {
        auto ec = inflater_->feed(v.payload);
        if (!ec && v.fin)
            ec = inflater_->finish();
        if (ec) {
            in_message_ = false;
            report_inflate(ec);
            return;
        }
        data = inflater_->take_message();
    } else {
        data.assign(v.payload.begin(), v.payload.end());
    }
    message_size_ += data.size();
    if (message_size_ > options_.max_message) {
        in_message_ = false;
        report_protocol(protocol_error::payload_too_big, decoder_.offset());
        fail(codec::close_code_for(protocol_error::payload_too_big));
        return;
    }
    if (!message_binary_ && (!utf8_.feed(data) || (v.fin && !utf8_.finish()))) {
        in_message_ = false;
        report_protocol(protocol_error::invalid_utf8, utf8_.error_offset(),
                        "at message offset " + std::to_string(utf8_.error_offset()));
        fail(codec::close_code_for(protocol_error::invalid_utf8));
        return;
    }
    if (v.fin)
        in_message_ = false;
    if (failed_by_us_)
        return;
    emit({.what = event::kind::message_chunk,
          .binary = message_binary_,
          .payload = std::move(data),
          .first = first,
          .last = v.fin,
          .compressed = compressed,
          .wire_payload = v.payload.size()});
}

void connection::deliver_message(codec::message m, bool compressed) {
    if (compressed) {
        auto payload = std::exchange(compressed_, {});
        auto ec = inflater_->inflate_message(payload);
        if (ec == codec::deflate_error::inflate_limit_exceeded && options_.keep_uninflatable) {
            // The next message starts on a fresh window: this one's was not kept whole.
            inflater_->reset();
            emit({.what = event::kind::message,
                  .binary = m.binary,
                  .payload = std::move(payload),
                  .compressed = true,
                  .kept_compressed = true});
            return;
        }
        if (ec) {
            report_inflate(ec);
            return;
        }
        m.payload = inflater_->take_message();
        if (!m.binary && !codec::is_valid_utf8(m.payload)) {
            codec::utf8_validator v;
            v.feed(m.payload);
            v.finish();
            report_protocol(protocol_error::invalid_utf8, v.error_offset(),
                            "at inflated message offset " + std::to_string(v.error_offset()));
            fail(codec::close_code_for(protocol_error::invalid_utf8));
            return;
        }
    }
    // Once we failed the connection, nothing more is delivered (§7.1.7).
    if (failed_by_us_)
        return;
    emit({.what = event::kind::message,
          .binary = m.binary,
          .payload = std::move(m.payload),
          .compressed = compressed});
}

void connection::on_close_frame(const codec::frame& f) {
    if (close_received_)
        return; // a second Close is one more frame after its Close: ignored
    codec::close_payload body;
    auto status = codec::parse_close_payload(f.payload, body);
    emit({.what = event::kind::close, .code = body.code, .reason = body.reason});
    if (auto e = codec::close_payload_error(status)) {
        // A bad Close body fails the connection before it counts as a Close: ours (1002, or
        // 1007 for the reason) is then the first, as Autobahn counts it.
        report_protocol(*e, decoder_.offset());
        fail(codec::close_code_for(*e));
    }
    close_received_ = true;
    owed_pong_.reset();
    if (close_sent_) {
        close_handshake_done();
        return;
    }
    if (!options_.auto_close_reply) {
        state_ = state::close_received;
        return;
    }
    // §5.5.1: "If an endpoint receives a Close frame and did not previously send a Close
    // frame, the endpoint MUST send a Close frame in response."
    if (options_.close_reply_code)
        send_close(*options_.close_reply_code);
    else if (body.code)
        send_close(*body.code);
    else
        send_close_body({});
}

void connection::receive_eof() {
    if (state_ == state::closed)
        return;
    const bool mid_frame = decoder_.buffered() > 0 && !stream_broken_;
    state_ = state::closed;
    deadline_.reset();
    emit({.what = event::kind::closed, .clean = clean(), .mid_frame = mid_frame});
}

void connection::deadline_passed(std::uint64_t serial) {
    if (!deadline_ || deadline_->serial != serial || state_ == state::closed)
        return;
    auto what = deadline_->what;
    deadline_.reset();
    if (what == deadline_kind::close_reply)
        close_timed_out_ = true;
    else
        tcp_close_timed_out_ = true;
    drop();
}

// --- what we send ----------------------------------------------------------------------------

void connection::queue(const codec::frame& f) {
    if (options_.on_frame_sent)
        options_.on_frame_sent(f);
    codec::encode(f, out_);
}

void connection::send_frame(codec::frame f, bool as_given) {
    if (state_ == state::closed)
        return;
    flush_pong();
    if (!as_given) {
        f.masked = false;
        if (options_.side == role::client)
            codec::mask(f, keys_);
    }
    queue(f);
}

void connection::send_raw(bytes data) {
    if (state_ == state::closed)
        return;
    flush_pong();
    out_.insert(out_.end(), data.begin(), data.end());
}

void connection::send_message(bool binary, byte_view payload) {
    auto f = codec::make_frame(binary ? opcode::binary : opcode::text,
                               deflater_ ? deflater_->compress_message(payload)
                                         : bytes(payload.begin(), payload.end()));
    if (deflater_)
        f.rsv = codec::rsv1_bit;
    send_frame(std::move(f));
}

void connection::send_ping(byte_view payload) {
    send_frame(codec::make_frame(opcode::ping, bytes(payload.begin(), payload.end())));
}

void connection::send_close(codec::close_code code, std::string_view reason) {
    send_close_body(codec::close_frame(code, reason).payload);
}

void connection::send_close_body(bytes body) {
    if (close_sent_ || state_ == state::closed)
        return;
    flush_pong(); // owed before our Close: after it, no more frames of ours
    close_sent_ = true;
    if (!close_received_)
        closed_by_us_ = true;
    if (body.size() >= 2)
        local_close_code_ = static_cast<codec::close_code>(body[0] << 8 | body[1]);
    send_frame(codec::close_frame_raw(std::move(body)));
    if (close_received_) {
        close_handshake_done();
        return;
    }
    state_ = state::close_sent;
    set_deadline(deadline_kind::close_reply, options_.close_timeout);
}

void connection::fail(codec::close_code code, std::string_view reason) {
    if (state_ == state::closed)
        return;
    failed_by_us_ = true;
    if (close_sent_) {
        drop();
        return;
    }
    send_close(code, reason);
}

void connection::drop() {
    if (state_ == state::closed)
        return;
    dropped_by_us_ = true;
    request_close();
}

void connection::flush_pong() {
    if (!owed_pong_)
        return;
    auto f = codec::make_frame(opcode::pong, std::move(*owed_pong_));
    owed_pong_.reset();
    if (options_.side == role::client)
        codec::mask(f, keys_);
    queue(f);
}

/// Both Close frames are through (§7.1.1): the server closes TCP first; a client gives it
/// tcp_close_timeout to do so.
void connection::close_handshake_done() {
    state_ = state::closed_handshake;
    deadline_.reset();
    if (options_.side == role::server && options_.server_keeps_tcp_open) {
        set_deadline(deadline_kind::tcp_close, *options_.server_keeps_tcp_open);
        return;
    }
    if (options_.side == role::server) {
        // "the server MUST close the underlying TCP connection immediately"
        drop();
        return;
    }
    set_deadline(deadline_kind::tcp_close, options_.tcp_close_timeout);
}

void connection::set_deadline(deadline_kind what, std::chrono::milliseconds after) {
    deadline_ = deadline{what, after, ++deadline_serial_};
}

void connection::request_close() {
    close_requested_ = true;
    deadline_.reset();
}

void connection::set_delivery(connection_options::delivery how) {
    options_.deliver = how;
}

// --- output ----------------------------------------------------------------------------------

bytes connection::data_to_send() {
    flush_pong();
    return std::exchange(out_, {});
}

std::vector<event> connection::events_received() {
    return std::exchange(events_, {});
}

bool connection::clean() const {
    return close_sent_ && close_received_ && !close_timed_out_ && !tcp_close_timed_out_;
}

// --- violations ------------------------------------------------------------------------------

void connection::report(std::error_code error, std::string section, std::string detail,
                        std::uint64_t offset) {
    violation v{error, std::move(section), std::move(detail), offset};
    if (v.detail.empty())
        v.detail = error.message();
    if (!first_violation_)
        first_violation_ = v;
    emit({.what = event::kind::violation, .problem = std::move(v)});
}

void connection::report_protocol(protocol_error e, std::uint64_t offset, std::string detail) {
    auto ec = codec::make_error_code(e);
    report(ec, rfc6455(e), detail.empty() ? ec.message() : ec.message() + ": " + detail, offset);
}

/// A compressed message that does not inflate (RFC 7692 §7.2.2), or inflates beyond our limit
/// (RFC 6455 §10.4: 1009).
void connection::report_inflate(std::error_code ec) {
    auto e = static_cast<codec::deflate_error>(ec.value());
    report(ec, std::string(codec::rfc_reference(e)), inflater_->error_detail(), decoder_.offset());
    fail(e == codec::deflate_error::inflate_limit_exceeded ? codec::close_codes::message_too_big
                                                           : codec::close_codes::protocol_error);
}

} // namespace wsconform::protocol
