#pragma once
/// A byte stream carried inside another protocol's connection, such as an HTTP/2 stream opened
/// with an extended CONNECT (RFC 8441): what a transport needs to run a WebSocket over it. Its
/// endings map to TCP's (RFC 8441 §5): the peer's END_STREAM reads as end of stream (eof), a
/// reset as an error that names it.

#include "harness/codec/bytes.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <span>
#include <string>
#include <utility>

namespace wsconform::net {

class tunnel {
  public:
    virtual ~tunnel() = default;
    /// Writes all of `data`; returns once it is handed on (bounded by the carrier's flow
    /// control, so a peer that stops reading stops the writer).
    virtual boost::asio::awaitable<boost::system::error_code> write(codec::byte_view data) = 0;
    /// What arrived, or eof once the peer ended its side, or the error that ended the stream.
    virtual boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read_some(std::span<codec::byte> buffer) = 0;
    /// Ends our side in order, after what was written (TCP's FIN; END_STREAM).
    virtual void shutdown_send() = 0;
    /// Ends the stream at once: in order when both sides are done, else aborted (TCP's close;
    /// RST_STREAM(CANCEL)). Pending reads end with operation_aborted.
    virtual void close() = 0;
    virtual bool is_open() const = 0;
    /// How the stream ended when not in order (RFC 8441 §5: the peer's END_STREAM, which a
    /// RST_STREAM(NO_ERROR) may follow, RFC 9113 §8.1), in words: "the server reset the stream
    /// (RST_STREAM CANCEL)", a GOAWAY, the connection lost. Empty while it has not ended, and
    /// when it ended in order or by our own close().
    virtual std::string abnormal_end() const = 0;
    /// The connection carrying the stream ended (lost, a GOAWAY, a connection error), taking
    /// every stream on it along: what ended this one may have been another's doing.
    virtual bool carrier_lost() const = 0;
};

} // namespace wsconform::net
