#include "harness/runner/case.hpp"

namespace wsconform::runner {

event text_message(std::string_view text) {
    return text_message(codec::to_bytes(text));
}

event text_message(codec::bytes utf8) {
    event e;
    e.what = event::kind::message;
    e.payload = std::move(utf8);
    return e;
}

event binary_message(codec::bytes payload) {
    event e;
    e.what = event::kind::message;
    e.binary = true;
    e.payload = std::move(payload);
    return e;
}

event pong(codec::bytes payload) {
    event e;
    e.what = event::kind::pong;
    e.payload = std::move(payload);
    return e;
}

event pong(std::string_view payload) {
    return pong(codec::to_bytes(payload));
}

event timeout_marker(std::string tag) {
    event e;
    e.what = event::kind::timeout;
    e.tag = std::move(tag);
    return e;
}

} // namespace wsconform::runner
