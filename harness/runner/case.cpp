#include "harness/runner/case.hpp"

namespace wsconform::runner {

event text_message(std::string_view text) {
    return text_message(codec::to_bytes(text));
}

event text_message(codec::bytes utf8) {
    return {event::kind::message, false, std::move(utf8), {}};
}

event binary_message(codec::bytes payload) {
    return {event::kind::message, true, std::move(payload), {}};
}

event pong(codec::bytes payload) {
    return {event::kind::pong, false, std::move(payload), {}};
}

event pong(std::string_view payload) {
    return pong(codec::to_bytes(payload));
}

event timeout_marker(std::string tag) {
    return {event::kind::timeout, false, {}, std::move(tag)};
}

} // namespace wsconform::runner
