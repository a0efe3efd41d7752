#pragma once
/// Browser mode: the client under test is a browser's own `WebSocket` API. We serve one page
/// (harness/clients/browser_page.html, compiled in) whose script asks us for the cases' URLs
/// (GET /next, a long poll that answers with the URLs of the cases started since its last
/// answer, the progress, and at the end the summary), opens a WebSocket to each and echoes
/// every message, as Autobahn's testee clients do. A case's connection comes to the same port;
/// how many run at once is the runner's --jobs (the page opens every URL it gets at once).
///
/// The page's side is served from a thread of its own for the whole run, so the page keeps its
/// one URL while the runner's event loop comes and goes (cases run, then confirmations); a
/// case's connection is handed to the runner's executor when it comes.

#include "harness/clients/case_listener.hpp"
#include "harness/runner/client_source.hpp"
#include "harness/runner/runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wsconform::clients {

struct browser_settings {
    std::string host = "127.0.0.1"; ///< where we listen
    unsigned short port = 0;        ///< 0: a free port
    /// From a case's start to its WebSocket's opening request (the page asks for the URL in
    /// between), as this run waits it (scaled).
    std::chrono::duration<double> connect_wait{10};
    /// How long the run waits for the page to be opened (scaled), then gives up.
    std::chrono::duration<double> page_wait{120};
    /// The longest a /next request is held when nothing changed.
    std::chrono::duration<double> poll_wait{20};
};

/// A browser's short name from its User-Agent: "Chrome/156", "HeadlessChrome/156",
/// "Firefox/128", "Edge/120", "Safari/17"; the first product token when none is known.
std::string browser_agent(std::string_view user_agent);

class browser_source : public runner::client_source {
  public:
    explicit browser_source(browser_settings settings);
    ~browser_source() override;
    browser_source(const browser_source&) = delete;
    browser_source& operator=(const browser_source&) = delete;

    /// Listens and serves the page, on a thread of its own; false and `error` when it cannot.
    bool open(std::string& error);
    /// "http://127.0.0.1:PORT/": the URL to open in the browser.
    std::string page_url() const;
    /// Waits until the page's script asked for cases (at most page_wait): false if it never did.
    bool wait_for_page();
    std::chrono::duration<double> page_wait() const { return settings_.page_wait; }
    /// The page's browser (browser_agent of its User-Agent), once it asked for cases.
    std::string agent() const;
    /// The run's progress, shown on the page.
    void progress(const runner::progress& p);
    /// The run is over: the page shows `summary` and where the report is. Waits (a few seconds
    /// at most) until the page was told.
    void finish(const std::string& summary, const std::string& report, int status);

    void attach(boost::asio::any_io_executor ex) override;
    void detach() override;
    std::unique_ptr<runner::client_attempt> start(const runner::case_def& c) override;

    /// A case's reserved path: its connection, once it came. Its timer is on the runner's
    /// executor, and only touched there.
    struct slot {
        explicit slot(boost::asio::any_io_executor ex) : arrived(ex) {
            arrived.expires_at(boost::asio::steady_timer::time_point::max());
        }
        boost::asio::steady_timer arrived; ///< cancelled when `connection` is set
        std::optional<runner::accepted_connection> connection;
        bool handed_out = false; ///< the page got the URL
    };

  private:
    friend class browser_attempt;
    using clock = std::chrono::steady_clock;

    boost::asio::awaitable<void> serve(runner::accepted_connection c);
    boost::asio::awaitable<void> next(runner::accepted_connection c);
    /// Whether `c` is a case's connection (then it is handed over).
    bool hand_over(runner::accepted_connection& c);
    /// Wakes the /next requests that wait (any thread).
    void ring();
    void release(const std::string& path);

    browser_settings settings_;
    boost::asio::io_context io_; ///< the page's side
    std::optional<case_listener> listener_;
    boost::asio::steady_timer bell_{io_}; ///< cancelled when something changed
    std::thread thread_;
    bool stopping_ = false; ///< the page's side is closing (read and set on its thread)

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    // Guarded by mutex_:
    boost::asio::any_io_executor runner_;
    std::map<std::string, std::shared_ptr<slot>> reserved_;
    std::vector<std::string> undelivered_; ///< case URLs the page has not got yet
    std::uint64_t version_ = 1;
    std::uint64_t next_path_ = 0;
    std::string user_agent_;
    bool page_seen_ = false;
    clock::time_point last_poll_{};
    runner::progress progress_{};
    std::string last_case_;
    struct ending {
        std::string summary, report;
        int status = 0;
    };
    std::optional<ending> end_;
    bool end_told_ = false;
    bool io_done_ = false;
};

} // namespace wsconform::clients
