#include "harness/codec/frame.hpp"

#include "harness/codec/utf8.hpp"

#include <sstream>

namespace wsconform::codec {

frame make_frame(opcode op, bytes payload, bool fin) {
    frame f;
    f.op = op;
    f.fin = fin;
    f.payload = std::move(payload);
    return f;
}

frame text_frame(std::string_view text, bool fin) {
    return make_frame(opcode::text, to_bytes(text), fin);
}

frame binary_frame(bytes payload, bool fin) {
    return make_frame(opcode::binary, std::move(payload), fin);
}

frame continuation_frame(bytes payload, bool fin) {
    return make_frame(opcode::continuation, std::move(payload), fin);
}

frame close_frame(close_code code, std::string_view reason) {
    bytes body{static_cast<byte>(code >> 8), static_cast<byte>(code & 0xff)};
    body.insert(body.end(), reason.begin(), reason.end());
    return make_frame(opcode::close, std::move(body));
}

frame close_frame_raw(bytes payload) {
    return make_frame(opcode::close, std::move(payload));
}

std::optional<protocol_error> close_payload_error(close_payload_status status) {
    switch (status) {
    case close_payload_status::ok:
        return std::nullopt;
    case close_payload_status::length_one:
        return protocol_error::close_length_one;
    case close_payload_status::invalid_code:
        return protocol_error::close_code_invalid;
    case close_payload_status::undefined_code:
        return protocol_error::close_code_undefined;
    case close_payload_status::invalid_reason:
        return protocol_error::close_reason_invalid;
    }
    return std::nullopt;
}

close_payload_status parse_close_payload(byte_view body, close_payload& out) {
    out = {};
    if (body.empty())
        return close_payload_status::ok;
    if (body.size() == 1)
        return close_payload_status::length_one;
    out.code = static_cast<close_code>(body[0] << 8 | body[1]);
    auto reason = body.subspan(2);
    out.reason.assign(reason.begin(), reason.end());
    switch (classify(*out.code)) {
    case close_code_class::invalid:
        return close_payload_status::invalid_code;
    case close_code_class::undefined:
        return close_payload_status::undefined_code;
    case close_code_class::valid:
        break;
    }
    if (!is_valid_utf8(reason))
        return close_payload_status::invalid_reason;
    return close_payload_status::ok;
}

std::string describe(const frame& f, std::size_t preview) {
    std::ostringstream os;
    os << to_string(f.op) << (f.fin ? " fin" : " nofin");
    if (f.rsv)
        os << " rsv=" << int(f.rsv);
    os << " len=" << f.header_length();
    if (f.declared_length)
        os << " (payload " << f.payload.size() << ")";
    if (f.masked)
        os << " masked";
    if (f.op == opcode::close) {
        close_payload cp;
        parse_close_payload(f.payload, cp);
        if (cp.code)
            os << " code=" << *cp.code;
    }
    if (!f.payload.empty()) {
        auto shown = byte_view(f.payload).first(std::min(preview, f.payload.size()));
        utf8_validator utf8;
        bool text = utf8.feed(shown);
        if (text && !utf8.at_boundary() && f.payload.size() > preview) {
            // The preview cut a code point of a longer payload: show the text before it.
            auto keep = shown.size();
            while ((shown[keep - 1] & 0xc0) == 0x80)
                --keep;
            shown = shown.first(keep - 1);
        } else {
            text = text && utf8.finish();
        }
        for (byte c : shown)
            if (c < 0x20)
                text = false;
        if (text)
            os << " '" << as_chars(shown) << "'";
        else
            os << " 0x" << to_hex(shown);
        if (f.payload.size() > preview)
            os << " ...";
    }
    return os.str();
}

} // namespace wsconform::codec
