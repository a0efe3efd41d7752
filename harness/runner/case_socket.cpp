#include "harness/runner/case_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wsconform::runner {

namespace asio = boost::asio;

case_socket::case_socket(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
                         std::size_t recorded_bytes)
    : recorder_(recorded_bytes), transport_(ex, std::move(tls), &recorder_), released_(ex) {}

void case_socket::close() {
    if (closed_ && !draining_)
        return;
    closed_ = true;
    draining_ = false;
    queued_.clear();
    transport_.close();
}

void case_socket::close_after_sending() {
    if (closed_)
        return;
    closed_ = true;
    draining_ = true;
    if (!held_) // no writer: nothing is queued
        close();
}

void case_socket::enqueue(codec::bytes data) {
    if (closed_ || data.empty())
        return;
    queued_.push_back(std::move(data));
    if (!held_) {
        held_ = true;
        asio::co_spawn(released_.get_executor(), write_queued(shared_from_this()), asio::detached);
    }
}

asio::awaitable<void> case_socket::write_queued(std::shared_ptr<case_socket> self) {
    co_await self->send_queued();
    self->release();
}

asio::awaitable<bool> case_socket::send_queued() {
    while (!queued_.empty() && (!closed_ || draining_)) {
        auto data = std::move(queued_.front());
        queued_.pop_front();
        if (co_await transport_.write(data)) {
            queued_.clear();
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<bool> case_socket::take() {
    while (held_ && !closed_) {
        released_.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await released_.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec; // cancelled by release()
    }
    if (closed_)
        co_return false;
    held_ = true;
    co_return true;
}

void case_socket::release() {
    held_ = false;
    released_.cancel();
    if (draining_ && queued_.empty())
        close();
}

} // namespace wsconform::runner
