#include "harness/http2/shared_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wsconform::http2 {

namespace asio = boost::asio;

shared_connection::shared_connection(net::target_url url, std::shared_ptr<asio::ssl::context> tls,
                                     local_settings settings)
    : url_(std::move(url)), tls_(std::move(tls)), settings_(settings) {}

asio::awaitable<std::pair<std::shared_ptr<connection>, std::string>>
shared_connection::get(std::chrono::milliseconds timeout) {
    if (!opened_) {
        opened_.emplace(co_await asio::this_coro::executor);
        opened_->expires_at(asio::steady_timer::time_point::max());
    }
    if (opening_) {
        // Another case is opening it: its attempt is ours too.
        co_await opened_->async_wait(asio::as_tuple(asio::use_awaitable));
        if (current_ && current_->usable())
            co_return std::pair{current_, std::string{}};
        co_return std::pair{nullptr, last_error_};
    }
    if (current_ && current_->usable())
        co_return std::pair{current_, std::string{}};
    opening_ = true;
    auto [opened, why] = co_await connection::open(url_, tls_, settings_, timeout);
    opening_ = false;
    current_ = std::move(opened);
    last_error_ = why;
    // Wake whoever waited for this attempt; later callers wait for the next one.
    opened_->cancel();
    co_return std::pair{current_, why};
}

void shared_connection::close() {
    if (current_)
        current_->close();
    current_.reset();
}

} // namespace wsconform::http2
