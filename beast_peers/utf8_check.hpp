#pragma once
/// The UTF-8 check of text messages that Beast 1.81 leaves out, for the reference peers.
///
/// Beast 1.81 skips its end-of-message UTF-8 check when the last frame of a fragmented text
/// message is empty (found by wsconform fuzz-live; corpus/regressions/beast_differential/
/// beast-skips-utf8-check-on-empty-final-fragment.hex). Both peers check every whole text message
/// they read again, and fail the connection with 1007 as RFC 6455 §8.1 requires.

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/detail/utf8_checker.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace wsconform::beast_peers {

/// True if the message `ws` has just read into `message` is text that is not UTF-8.
template <class NextLayer>
bool is_invalid_text(const boost::beast::websocket::stream<NextLayer>& ws,
                     boost::asio::const_buffer message) {
    return ws.got_text() && !boost::beast::websocket::detail::check_utf8(
                                static_cast<const char*>(message.data()), message.size());
}

} // namespace wsconform::beast_peers
