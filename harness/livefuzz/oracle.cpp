#include "harness/livefuzz/oracle.hpp"

#include "harness/codec/encoder.hpp"
#include "harness/codec/rules.hpp"

namespace wsconform::livefuzz {

using codec::protocol_error;

codec::frame canary_frame(const fuzz_input& in) {
    codec::frame f = codec::text_frame(canary_text);
    f.masked = true;
    f.key = in.canary_key;
    return f;
}

namespace {
expectation::verdict verdict_for(protocol_error e) {
    // The rules table says whether the RFC leaves the server a choice.
    return codec::rule_for(e).must_fail() ? expectation::verdict::must_fail
                                          : expectation::verdict::undecided;
}
} // namespace

expectation expect(codec::byte_view stream) {
    expectation exp;
    {
        // Framing only, as the most lenient server would read it.
        codec::decoder framing({.incoming_mask = codec::masking_rule::any, .check_rules = false});
        framing.feed(stream);
        for (;;) {
            auto r = framing.next();
            if (r.what == codec::decode_result::status::frame)
                continue;
            exp.ends_on_frame =
                r.what == codec::decode_result::status::need_more && framing.buffered() == 0;
            break;
        }
    }
    codec::decoder strict(
        {.incoming_mask = codec::masking_rule::required, .max_payload = judged_message_limit});
    codec::message_assembler assembler(judged_message_limit);
    strict.feed(stream);
    for (;;) {
        auto r = strict.next();
        if (r.what == codec::decode_result::status::need_more)
            return exp;
        if (r.what == codec::decode_result::status::error) {
            auto e = static_cast<protocol_error>(r.error.value());
            exp.what = verdict_for(e);
            exp.rule = e;
            exp.offset = r.frame_offset;
            return exp;
        }
        const auto& f = r.value;
        if (f.op == codec::opcode::close) { // the decoder checked its body
            exp.what = expectation::verdict::closed;
            exp.offset = r.frame_offset;
            return exp;
        }
        if (codec::is_control(f.op)) {
            exp.pings += f.op == codec::opcode::ping;
            continue;
        }
        auto a = assembler.add(f);
        if (a.what == codec::assemble_result::status::error) {
            auto e = static_cast<protocol_error>(a.error.value());
            exp.what = verdict_for(e);
            exp.rule = e;
            exp.offset = r.frame_offset;
            return exp;
        }
        exp.messages += a.what == codec::assemble_result::status::complete;
    }
}

bool sends_canary(const expectation& input_alone) {
    return input_alone.ends_on_frame && input_alone.what != expectation::verdict::closed;
}

reply_checker::reply_checker()
    : decoder_({.incoming_mask = codec::masking_rule::forbidden,
                .max_payload = 64ull * 1024 * 1024,
                .check_close_payload = false}),
      assembler_(64ull * 1024 * 1024) {}

void reply_checker::flag(std::string_view rule, std::string detail) {
    if (!violation_) {
        violation_ = std::string(rule);
        detail_ = std::move(detail);
    }
}

void reply_checker::feed(codec::byte_view data) {
    if (stopped_)
        return;
    decoder_.feed(data);
    for (;;) {
        auto r = decoder_.next();
        if (r.what == codec::decode_result::status::need_more)
            return;
        if (r.what == codec::decode_result::status::error) {
            stopped_ = true;
            auto e = static_cast<protocol_error>(r.error.value());
            if (e != protocol_error::payload_too_big) // our own limit, not the server's fault
                flag(codec::to_string(e), "the server sent a frame that breaks RFC 6455 " +
                                              std::string(codec::rfc_section(e)) + ": " +
                                              r.error.message() + " (at stream offset " +
                                              std::to_string(r.frame_offset) + ")");
            return;
        }
        const auto& f = r.value;
        if (close_received_ && !codec::is_control(f.op)) {
            flag("data_after_close", "the server sent a " + std::string(codec::to_string(f.op)) +
                                         " frame after its Close (RFC 6455 5.5.1)");
            continue;
        }
        switch (f.op) {
        case codec::opcode::close: {
            close_received_ = true;
            codec::close_payload body;
            auto status = codec::parse_close_payload(f.payload, body);
            close_code_ = body.code;
            const auto code = body.code ? std::to_string(*body.code) : std::string("none");
            // Codes of 5000 and above: the RFC defines no range; not judged (7.4.2).
            const auto e = codec::close_payload_error(status);
            if (e == protocol_error::close_length_one)
                flag(codec::to_string(*e),
                     "the server sent a Close with a 1-byte body (RFC 6455 5.5.1)");
            else if (e == protocol_error::close_code_invalid)
                flag(codec::to_string(*e),
                     "the server sent Close code " + code +
                         ", which must never be on the wire (RFC 6455 7.4.1)");
            else if (e == protocol_error::close_reason_invalid)
                flag(codec::to_string(*e),
                     "the server's Close reason is not valid UTF-8 (RFC 6455 5.5.1)");
            break;
        }
        case codec::opcode::ping:
            break; // a server may ping
        case codec::opcode::pong:
            ++pongs_;
            break;
        default: {
            auto a = assembler_.add(f);
            if (a.what == codec::assemble_result::status::error) {
                auto e = static_cast<protocol_error>(a.error.value());
                ++messages_; // it was a message, just not a valid one
                if (e == protocol_error::invalid_utf8)
                    flag(codec::to_string(e),
                         "the server sent a text message that is not valid UTF-8 "
                         "(RFC 6455 8.1), invalid at byte " +
                             std::to_string(a.error_offset));
                stopped_ = true;
                return;
            }
            if (a.what == codec::assemble_result::status::complete) {
                ++messages_;
                if (codec::as_chars(a.value.payload) == canary_text)
                    canary_echoed_ = true;
            }
        }
        }
    }
}

std::string reply_checker::summary() const {
    std::string s = std::to_string(messages_) + (messages_ == 1 ? " message" : " messages");
    if (pongs_)
        s += ", " + std::to_string(pongs_) + (pongs_ == 1 ? " pong" : " pongs");
    if (canary_echoed_)
        s += " (canary echoed)";
    if (close_received_)
        s +=
            ", close " + (close_code_ ? std::to_string(*close_code_) : std::string("without code"));
    return s;
}

bool connection_outcome::abnormal() const {
    if (!connected || !upgraded)
        return true;
    if (canary_echoed || close_received)
        return false;
    // Waiting for the rest of a frame the input left open is what a server should do.
    if (!canary_sent && timed_out && !eof && !reset)
        return false;
    return true; // dropped without a Close, reset, or the canary went unanswered
}

namespace {
/// Close codes that say the input was wrong (§7.4.1): on valid input, a failure. Any other
/// Close is one a server may send at any time: 1009 for a limit of its own, 1001 going away,
/// 1008 a policy, ...
bool blames_the_input(codec::close_code code) {
    return code == codec::close_codes::protocol_error ||
           code == codec::close_codes::unsupported_data ||
           code == codec::close_codes::invalid_payload;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

/// The other half of the oracle: input the rules table calls valid, answered as a conforming
/// server answers it.
std::optional<finding_claim> judge_valid(const expectation& exp, const connection_outcome& o) {
    auto dropped = [](std::string what) {
        return finding_claim{{"dropped-valid", ""}, std::move(what)};
    };
    if (exp.what == expectation::verdict::closed) {
        // §5.5.1: "If an endpoint receives a Close frame and did not previously send a Close
        // frame, the endpoint MUST send a Close frame in response."
        if (!o.close_received && (o.eof || o.reset))
            return dropped(std::string("the input is valid up to a Close (stream offset ") +
                           std::to_string(exp.offset) + "), which the server MUST answer with a " +
                           "Close (RFC 6455 5.5.1), but it " +
                           (o.reset ? "reset the connection" : "closed TCP") + " without one");
        return std::nullopt;
    }
    if (exp.what != expectation::verdict::none || !o.canary_sent)
        return std::nullopt; // undecided or must_fail: not valid; no canary: nothing to wait for
    const std::string input =
        "the input is valid by RFC 6455 (" +
        plural(exp.messages > 0 ? exp.messages - 1 : 0, "message", "messages") + ", " +
        plural(exp.pings, "ping", "pings") + ", then the canary)";
    if (o.canary_echoed) {
        // §5.5.3: several pings may get one pong, for the latest; none is not allowed (§5.5.2:
        // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response").
        if (exp.pings > 0 && o.pongs == 0)
            return finding_claim{{"unanswered-valid", ""},
                                 input + ", but the server echoed the canary and sent no pong "
                                         "(RFC 6455 5.5.2 MUST)"};
        return std::nullopt;
    }
    if (o.close_received) {
        if (o.close_code && blames_the_input(*o.close_code))
            return dropped(input + ", but the server failed the connection with Close " +
                           std::to_string(*o.close_code) + " (" +
                           std::string(codec::close_code_name(*o.close_code)) + ")");
        return std::nullopt; // a Close it may send: a limit (1009), going away, ...
    }
    if (o.eof || o.reset)
        return dropped(input + ", but the server " +
                       (o.reset ? "reset the connection" : "closed TCP without a Close frame") +
                       " before it echoed the canary");
    if (o.timed_out)
        return dropped(input + ", but the server did not echo the canary (nor close) within "
                               "the reply timeout");
    return std::nullopt;
}
} // namespace

std::optional<finding_claim> judge(const expectation& exp, const connection_outcome& o) {
    if (o.reply_violation)
        return finding_claim{{"bad-reply", *o.reply_violation}, o.reply_detail};
    if (exp.what == expectation::verdict::must_fail && o.canary_sent && o.canary_echoed) {
        auto rule = std::string(codec::to_string(exp.rule));
        return finding_claim{{"kept-open", rule},
                             "the input breaks RFC 6455 " +
                                 std::string(codec::rfc_section(exp.rule)) + " (" +
                                 codec::make_error_code(exp.rule).message() + ", stream offset " +
                                 std::to_string(exp.offset) +
                                 "), which the server MUST answer by failing the connection, but "
                                 "it kept the connection and echoed the canary message sent "
                                 "after it"};
    }
    return judge_valid(exp, o);
}

bool named_by_trigger(std::string_view kind) {
    return kind == "crash" || kind == "hang" || kind == "dropped-valid" ||
           kind == "unanswered-valid";
}

std::string trigger_tag(const fuzz_step& s) {
    // Raw bytes are read for the header fields they carry, so a truncated header and a whole
    // frame with the same fields get the same tag.
    struct header_fields {
        bool fin;
        std::uint8_t rsv;
        codec::opcode op;
        bool masked;
        std::uint8_t length_field; ///< 0-125, 126 (16-bit), 127 (64-bit)
        bool lie;
    };
    header_fields h{};
    if (s.is_frame()) {
        const auto& f = s.frame();
        const auto size = codec::header_size(f) - (f.masked ? 4 : 0);
        h = {f.fin,
             f.rsv,
             f.op,
             f.masked,
             static_cast<std::uint8_t>(size == 4    ? 126
                                       : size == 10 ? 127
                                                    : 0),
             f.declared_length && *f.declared_length != f.payload.size()};
    } else {
        const auto& raw = s.raw();
        if (raw.size() < 2)
            return "raw";
        h = {(raw[0] & 0x80) != 0,
             static_cast<std::uint8_t>((raw[0] >> 4) & 7),
             codec::opcode_from_nibble(raw[0]),
             (raw[1] & 0x80) != 0,
             static_cast<std::uint8_t>(raw[1] & 0x7f),
             false};
    }
    std::string tag;
    auto add = [&](std::string_view part) {
        tag += tag.empty() ? "" : "+";
        tag += part;
    };
    if (h.op != codec::opcode::binary)
        add(codec::to_string(h.op));
    if (!h.fin)
        add("nofin");
    if (h.rsv)
        add("rsv" + std::to_string(h.rsv));
    if (!h.masked)
        add("unmasked");
    if (h.length_field == 126)
        add("len16");
    else if (h.length_field == 127)
        add("len64");
    if (h.lie)
        add("lie");
    return tag.empty() ? "frame" : tag;
}

} // namespace wsconform::livefuzz
