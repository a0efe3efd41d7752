#include "harness/runner/response_reader.hpp"

#include <array>

namespace wsconform::runner {

boost::asio::awaitable<response_reading> read_response(net::transport& t) {
    response_reading r;
    std::array<codec::byte, 4096> buf{};
    for (;;) {
        auto [ec, n] = co_await t.read_some(buf);
        r.data.append(reinterpret_cast<const char*>(buf.data()), n);
        auto status = codec::parse_response(r.data, r.response, &r.parse_error);
        if (status == codec::response_parse_status::complete) {
            r.what = response_reading::outcome::complete;
            co_return r;
        }
        if (status == codec::response_parse_status::malformed) {
            r.what = response_reading::outcome::malformed;
            co_return r;
        }
        if (ec) {
            r.error = ec;
            co_return r;
        }
    }
}

} // namespace wsconform::runner
