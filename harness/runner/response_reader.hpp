#pragma once
/// Reads a server's answer to an opening handshake until its HTTP header is complete: the one
/// read loop of the project's client side (the cases' sessions and the live fuzzer). The
/// caller owns the deadline: it closes the transport when time is up, which ends the read.

#include "harness/codec/handshake.hpp"
#include "harness/net/transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace wsconform::runner {

struct response_reading {
    enum class outcome : std::uint8_t {
        complete,  ///< `response` holds the header; `data` may hold frames after it
        malformed, ///< not HTTP: `parse_error` says why
        ended,     ///< the connection ended (or was closed) first: `error`
    };
    outcome what = outcome::ended;
    std::string data; ///< every byte read
    codec::upgrade_response response;
    std::string parse_error;
    boost::system::error_code error;
};

boost::asio::awaitable<response_reading> read_response(net::transport& t);

} // namespace wsconform::runner
