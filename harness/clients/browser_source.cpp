#include "harness/clients/browser_source.hpp"

#include "harness/runner/timing.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace wsconform::clients {

/// The page, compiled in from browser_page.html (cmake/Embed.cmake).
std::string_view browser_page();

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::string path_of(const std::string& target) {
    return target.substr(0, target.find('?'));
}

std::uint64_t query_number(const std::string& target, std::string_view name) {
    auto q = target.find('?');
    if (q == std::string::npos)
        return 0;
    std::string_view rest(target);
    rest.remove_prefix(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
            std::uint64_t n = 0;
            auto value = pair.substr(name.size() + 1);
            std::from_chars(value.data(), value.data() + value.size(), n);
            return n;
        }
        if (amp == std::string_view::npos)
            break;
        rest.remove_prefix(amp + 1);
    }
    return 0;
}

/// A 200 with `body`, then the connection closed (each request of the page is its own).
asio::awaitable<void> respond(net::transport& stream, std::string_view type,
                              std::string_view body) {
    std::string text = "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(type) +
                       "\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    text.append(body);
    co_await stream.write(codec::to_bytes(text));
    stream.shutdown_send();
    stream.close();
}

} // namespace

std::string browser_agent(std::string_view ua) {
    // Most specific first: Edge and Opera also say Chrome, Chrome also says Safari.
    const std::pair<std::string_view, std::string_view> products[] = {
        {"Edg/", "Edge/"},          {"OPR/", "Opera/"},
        {"Firefox/", "Firefox/"},   {"HeadlessChrome/", "HeadlessChrome/"},
        {"Chromium/", "Chromium/"}, {"Chrome/", "Chrome/"},
        {"Version/", "Safari/"}};
    for (auto [token, name] : products) {
        auto at = ua.find(token);
        if (at == std::string_view::npos)
            continue;
        auto version = ua.substr(at + token.size());
        auto end = version.find_first_not_of("0123456789");
        return std::string(name) + std::string(version.substr(0, end));
    }
    auto first = ua.substr(0, ua.find(' '));
    return first.empty() ? std::string("browser") : std::string(first);
}

/// One case's WebSocket, opened by the page.
class browser_attempt : public runner::client_attempt {
  public:
    browser_attempt(browser_source& source, std::string path,
                    std::shared_ptr<browser_source::slot> s)
        : source_(source), path_(std::move(path)), slot_(std::move(s)) {}
    ~browser_attempt() override { source_.release(path_); }
    browser_attempt(const browser_attempt&) = delete;
    browser_attempt& operator=(const browser_attempt&) = delete;

    asio::awaitable<std::optional<runner::accepted_connection>>
    connection(std::string& why) override {
        {
            std::lock_guard lock(source_.mutex_);
            if (slot_->connection) // it came before this wait began
                co_return take_locked();
        }
        asio::steady_timer limit(co_await asio::this_coro::executor,
                                 runner::to_steady(source_.settings_.connect_wait));
        co_await (slot_->arrived.async_wait(nothrow) || limit.async_wait(nothrow));
        std::lock_guard lock(source_.mutex_);
        if (slot_->connection)
            co_return take_locked();
        const auto wait = runner::format_seconds(source_.settings_.connect_wait);
        if (slot_->handed_out) {
            why = "the browser did not open the case's WebSocket within " + wait +
                  " (its page got the URL)";
        } else {
            const double since =
                std::chrono::duration<double>(browser_source::clock::now() - source_.last_poll_)
                    .count();
            why = "the page did not ask for the case within " + wait + " (it last asked " +
                  std::to_string(static_cast<long>(since)) +
                  " s before: was it closed, or is its tab in the background?)";
        }
        co_return std::nullopt;
    }

    asio::awaitable<std::optional<runner::client_exit>> ended() override {
        co_return std::nullopt; // the browser is not ours to judge by how it exits
    }

  private:
    std::optional<runner::accepted_connection> take_locked() {
        auto c = std::move(slot_->connection);
        slot_->connection.reset();
        return c;
    }

    browser_source& source_;
    std::string path_;
    std::shared_ptr<browser_source::slot> slot_;
};

browser_source::browser_source(browser_settings settings) : settings_(std::move(settings)) {
    bell_.expires_at(asio::steady_timer::time_point::max());
}

browser_source::~browser_source() {
    if (!thread_.joinable())
        return;
    asio::post(io_, [this] {
        stopping_ = true;
        listener_->stop();
        bell_.cancel(); // the waiting /next requests answer now
    });
    {
        // Answers in flight get a moment; a request being read is not waited for.
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(1), [&] { return io_done_; });
    }
    io_.stop();
    thread_.join();
}

bool browser_source::open(std::string& error) {
    listener_.emplace(io_.get_executor(), settings_.host, settings_.port, error);
    if (!error.empty()) {
        listener_.reset();
        return false;
    }
    listener_->set_other_handler([this](runner::accepted_connection c) -> asio::awaitable<void> {
        return serve(std::move(c));
    });
    listener_->start();
    thread_ = std::thread([this] {
        io_.run();
        std::lock_guard lock(mutex_);
        io_done_ = true;
        changed_.notify_all();
    });
    return true;
}

std::string browser_source::page_url() const {
    if (!listener_)
        return {};
    auto ws = listener_->base_url(); // "ws://host:port"
    return "http" + ws.substr(2) + "/";
}

bool browser_source::wait_for_page() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, runner::to_steady(settings_.page_wait),
                             [&] { return page_seen_; });
}

std::string browser_source::agent() const {
    std::lock_guard lock(mutex_);
    return browser_agent(user_agent_);
}

void browser_source::progress(const runner::progress& p) {
    {
        std::lock_guard lock(mutex_);
        // The counts only: the case and result pointed to are the runner's.
        progress_ = {.done = p.done, .total = p.total, .failed = p.failed};
        last_case_ = p.last ? p.last->id : std::string();
        ++version_;
    }
    ring();
}

void browser_source::finish(const std::string& summary, const std::string& report, int status) {
    std::unique_lock lock(mutex_);
    end_ = ending{summary, report, status};
    ++version_;
    asio::post(io_, [this] { bell_.cancel(); });
    // A page that stopped asking long ago is not waited for.
    if (!page_seen_ || clock::now() - last_poll_ > runner::to_steady(settings_.poll_wait * 2))
        return;
    changed_.wait_for(lock, std::chrono::seconds(5), [&] { return end_told_; });
}

void browser_source::attach(asio::any_io_executor ex) {
    std::lock_guard lock(mutex_);
    runner_ = ex;
}

void browser_source::detach() {
    std::lock_guard lock(mutex_);
    runner_ = {};
}

std::unique_ptr<runner::client_attempt> browser_source::start(const runner::case_def& c) {
    std::string path;
    std::shared_ptr<slot> s;
    {
        std::lock_guard lock(mutex_);
        path = "/" + std::to_string(++next_path_) + "/" + c.id;
        s = std::make_shared<slot>(runner_);
        reserved_.emplace(path, s);
        undelivered_.push_back(listener_->base_url() + path);
        ++version_;
    }
    ring();
    return std::make_unique<browser_attempt>(*this, path, std::move(s));
}

void browser_source::release(const std::string& path) {
    std::lock_guard lock(mutex_);
    reserved_.erase(path);
    const auto url = listener_->base_url() + path;
    std::erase(undelivered_, url);
}

void browser_source::ring() {
    asio::post(io_, [this] { bell_.cancel(); });
}

bool browser_source::hand_over(runner::accepted_connection& c) {
    std::lock_guard lock(mutex_);
    auto it = reserved_.find(path_of(c.request.target));
    if (it == reserved_.end() || it->second->connection || !runner_)
        return false;
    // The connection moves to the runner's event loop: its descriptor is registered there.
    if (!c.stream.move_to(runner_))
        return true; // gone: the case's wait ends with its connect wait
    it->second->connection = std::move(c);
    // The timer is the runner's: cancelled there (posted under the lock, so the case is alive).
    asio::post(runner_, [s = it->second] { s->arrived.cancel(); });
    return true;
}

asio::awaitable<void> browser_source::serve(runner::accepted_connection c) {
    if (hand_over(c))
        co_return;
    const auto path = path_of(c.request.target);
    if (path == "/" || path == "/index.html") {
        co_await respond(c.stream, "text/html; charset=utf-8", browser_page());
    } else if (path == "/next") {
        co_await next(std::move(c));
    } else if (std::count(path.begin(), path.end(), '/') >= 2) {
        std::string why = "no case waits for " + path + " (its browser came too late)";
        co_await refuse(c.stream, 404, why);
    } else {
        std::string why = "not found: open " + page_url() + " to test this browser";
        co_await refuse(c.stream, 404, why);
    }
}

asio::awaitable<void> browser_source::next(runner::accepted_connection c) {
    const auto seen = query_number(c.request.target, "v");
    {
        std::lock_guard lock(mutex_);
        if (!page_seen_)
            user_agent_ = c.request.get("User-Agent").value_or("");
        page_seen_ = true;
        last_poll_ = clock::now();
        changed_.notify_all();
    }
    // Held until something changed since the page's version `seen`, or poll_wait passed.
    asio::steady_timer limit(io_, runner::to_steady(settings_.poll_wait));
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (version_ > seen || end_ || stopping_)
                break;
        }
        auto woken = co_await (bell_.async_wait(nothrow) || limit.async_wait(nothrow));
        if (woken.index() == 1)
            break;
    }
    std::string body;
    {
        std::lock_guard lock(mutex_);
        boost::json::array urls;
        for (const auto& url : undelivered_) {
            urls.emplace_back(url);
            auto path = url.substr(listener_->base_url().size());
            if (auto it = reserved_.find(path); it != reserved_.end())
                it->second->handed_out = true;
        }
        undelivered_.clear();
        boost::json::object o{{"v", version_},
                              {"urls", std::move(urls)},
                              {"progress",
                               {{"done", progress_.done},
                                {"total", progress_.total},
                                {"failed", progress_.failed},
                                {"last", last_case_}}}};
        if (end_) {
            o["done"] = true;
            o["summary"] = end_->summary;
            o["report"] = end_->report;
            o["status"] = end_->status;
            end_told_ = true;
            changed_.notify_all();
        }
        last_poll_ = clock::now();
        body = boost::json::serialize(o);
    }
    co_await respond(c.stream, "application/json", body);
}

} // namespace wsconform::clients
