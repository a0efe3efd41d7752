// Browser mode's source of clients without a browser: the page is served, /next hands out the
// URL of a case the runner started, and that URL's connection reaches the case on the runner's
// executor; a URL nobody opens ends in a reason. Blocking sockets play the page.

#include "harness/clients/browser_source.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <future>

namespace {

using namespace wsconform;
namespace asio = boost::asio;
using asio::ip::tcp;

TEST(BrowserAgent, ShortNamesFromUserAgents) {
    EXPECT_EQ(clients::browser_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
                                     "like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"),
              "HeadlessChrome/156");
    EXPECT_EQ(clients::browser_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
                                     "like Gecko) Chrome/120.0.6099.71 Safari/537.36"),
              "Chrome/120");
    EXPECT_EQ(clients::browser_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                                     "Firefox/128.0"),
              "Firefox/128");
    EXPECT_EQ(
        clients::browser_agent("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, "
                               "like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61"),
        "Edge/120");
    EXPECT_EQ(clients::browser_agent("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like "
                                     "Gecko) Version/17.2 Safari/605.1.15"),
              "Safari/17");
    EXPECT_EQ(clients::browser_agent(""), "browser");
}

/// One HTTP exchange on a fresh connection: the whole response (the server closes).
std::string http_exchange(unsigned short port, const std::string& request) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(s, asio::buffer(request));
    std::string response;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(response), ec);
    return response;
}

std::string get(unsigned short port, const std::string& target) {
    return http_exchange(port, "GET " + target +
                                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Mozilla/5.0 "
                                   "HeadlessChrome/156.0.1 Safari/537.36\r\n\r\n");
}

std::string body_of(const std::string& response) {
    return response.substr(response.find("\r\n\r\n") + 4);
}

TEST(BrowserSource, HandsTheCaseUrlToThePageAndItsConnectionToTheCase) {
    clients::browser_settings settings;
    settings.poll_wait = std::chrono::seconds(5);
    settings.connect_wait = std::chrono::seconds(5);
    clients::browser_source source(settings);
    std::string error;
    ASSERT_TRUE(source.open(error)) << error;
    const auto url = source.page_url();
    ASSERT_TRUE(url.starts_with("http://127.0.0.1:"));
    const auto port = static_cast<unsigned short>(std::stoi(url.substr(17)));

    auto page = get(port, "/");
    EXPECT_TRUE(page.starts_with("HTTP/1.1 200 OK\r\n"));
    EXPECT_NE(page.find("new WebSocket"), std::string::npos);

    // The page's first poll: nothing to run yet, but it is seen (with its browser).
    auto first = boost::json::parse(body_of(get(port, "/next?v=0"))).as_object();
    EXPECT_TRUE(source.wait_for_page());
    EXPECT_EQ(source.agent(), "HeadlessChrome/156");
    const auto seen = first.at("v").as_int64();

    asio::io_context io;
    source.attach(io.get_executor());
    runner::case_def c;
    c.id = "1.1.1";
    auto attempt = source.start(c);
    // The page asks again: it gets the case's URL.
    auto next = boost::json::parse(body_of(get(port, "/next?v=" + std::to_string(seen))));
    const auto& urls = next.at("urls").as_array();
    ASSERT_EQ(urls.size(), 1u);
    const std::string case_url(urls[0].as_string());
    ASSERT_TRUE(case_url.starts_with("ws://127.0.0.1:"));
    ASSERT_TRUE(case_url.ends_with("/1.1.1"));
    const auto path = case_url.substr(case_url.find('/', 5));

    // Its WebSocket's request comes to the case (a thread plays the browser).
    auto browser = std::async(std::launch::async, [&] {
        return http_exchange(port, "GET " + path +
                                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                       "Connection: Upgrade\r\n\r\n");
    });
    std::optional<runner::accepted_connection> got;
    std::string why;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            got = co_await attempt->connection(why);
            if (got)
                got->stream.close();
        },
        asio::detached);
    io.run();
    ASSERT_TRUE(got) << why;
    EXPECT_EQ(got->request.target, path);
    browser.wait();

    // A case whose URL is never opened: a reason, not a hang.
    io.restart();
    c.id = "1.1.2";
    settings.connect_wait = std::chrono::milliseconds(300);
    clients::browser_source quiet(settings);
    ASSERT_TRUE(quiet.open(error)) << error;
    quiet.attach(io.get_executor());
    auto lost = quiet.start(c);
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { got = co_await lost->connection(why); },
        asio::detached);
    io.run();
    EXPECT_FALSE(got);
    EXPECT_NE(why.find("the page did not ask for the case within 0.3 s"), std::string::npos) << why;
    source.detach();
    quiet.detach();
}

} // namespace
