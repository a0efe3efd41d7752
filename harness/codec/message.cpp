#include "harness/codec/message.hpp"

namespace wsconform::codec {

assemble_result message_assembler::add(const frame& f) {
    assemble_result r;
    if (f.op != opcode::continuation) {
        active_ = true;
        current_ = {};
        current_.binary = f.op == opcode::binary;
        utf8_.reset();
    }
    if (current_.payload.size() + f.payload.size() > max_message_) {
        r.what = assemble_result::status::error;
        r.error = make_error_code(protocol_error::payload_too_big);
        r.error_offset = max_message_;
        active_ = false;
        return r;
    }
    current_.payload.insert(current_.payload.end(), f.payload.begin(), f.payload.end());
    ++current_.frames;
    if (!current_.binary && (!utf8_.feed(f.payload) || (f.fin && !utf8_.finish()))) {
        r.what = assemble_result::status::error;
        r.error = make_error_code(protocol_error::invalid_utf8);
        r.error_offset = utf8_.error_offset();
        active_ = false;
        return r;
    }
    if (f.fin) {
        r.what = assemble_result::status::complete;
        r.value = std::move(current_);
        current_ = {};
        active_ = false;
    }
    return r;
}

} // namespace wsconform::codec
