/// wsconform-server: the reference RFC 6455 echo server (Boost.Beast, C++20 coroutines).
///
///   wsconform-server [--host 127.0.0.1] [--port 0] [--tls] [--threads N] [--allowed-origin O]
///
/// Prints exactly one line, `listening ws://HOST:PORT/` (or `wss://`), once the socket listens,
/// then echoes every text/binary message with its type until SIGINT/SIGTERM (exit status 0).
///
/// Protocol strictness is Beast's: it validates UTF-8 incrementally (fails fast with 1007),
/// RSV bits, opcodes, control-frame rules, masking and close codes (1002), answers pings
/// (also between the fragments of a message), echoes a peer's close code, and after a close
/// handshake or a protocol failure shuts the TCP connection down from the server side (sends
/// FIN at once, then waits at most 5 s for the peer's FIN before closing:
/// beast_peers/bounded_teardown.hpp).

#include "beast_peers/bounded_teardown.hpp"
#include "beast_peers/tls_context.hpp"
#include "beast_peers/utf8_check.hpp"
#include "server/tls_identity.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;
/// Streams with the bounded teardown, whose errors are reported (Beast's rule; a session ends
/// whatever its last operation completed with).
using tcp_stream =
    wsconform::beast_peers::tcp_stream<wsconform::beast_peers::teardown_errors::reported>;
using tls_stream =
    wsconform::beast_peers::tls_stream<wsconform::beast_peers::teardown_errors::reported>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto response_write_timeout = 5s;
constexpr std::string_view server_name = "wsconform-reference/0.1";
constexpr std::size_t max_request_head = 16U * 1024U;

// ---------------------------------------------------------------------------------------------
// Command line

struct options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    bool tls = false;
    /// One per core: compressed echoes (12.x, 13.x) keep a core busy per connection.
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    /// When set, a handshake whose Origin is present and differs is refused with 403 (RFC 6455
    /// §10.2); so is one with several Origin headers.
    std::string allowed_origin;
    /// When set ("Name: value"), a handshake without exactly this header is refused with 401
    /// (a stand-in for cookie or token authentication, RFC 6455 §10.5).
    std::string required_header;
    /// Larger messages are refused with close 1009 (RFC 6455 §7.4.1). 16 MiB: the largest
    /// message Autobahn's 9.x cases send.
    std::uint64_t max_message_size = 16U * 1024U * 1024U;
    /// A client must complete TLS and send its request head within this (slow-loris guard).
    std::chrono::seconds handshake_timeout{5};
    /// zlib level of the echoes' permessage-deflate compression. 1, not Beast's 8: the level
    /// does not matter for conformance, and 12.x/13.x push ~11 GB through zlib each way.
    int deflate_level = 1;
};

void usage(std::ostream& os) {
    os << "usage: wsconform-server [--host ADDR] [--port N] [--tls] [--threads N]\n"
          "  --host ADDR   address to listen on (default 127.0.0.1)\n"
          "  --port N      TCP port, 0 picks a free one (default 0)\n"
          "  --tls         serve wss:// with an in-memory self-signed certificate\n"
          "  --threads N   io_context worker threads (default: one per core)\n"
          "  --allowed-origin ORIGIN  refuse (403) handshakes from any other Origin\n"
          "  --require-header 'Name: value'  refuse (401) handshakes without this header\n"
          "  --max-message-size N  refuse larger messages with close 1009 (default 16777216)\n"
          "  --handshake-timeout S seconds a client has for TLS and its request (default 5)\n"
          "  --deflate-level N     zlib level 0-9 of compressed echoes (default 1)\n";
}

template <class T>
bool parse_number(std::string_view text, T& out, T min, T max) {
    T value{};
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value < min || value > max)
        return false;
    out = value;
    return true;
}

/// Returns the options, or an exit status if the program should stop (help or bad usage).
std::variant<options, int> parse_args(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= argc)
                return std::nullopt;
            return std::string_view(argv[++i]);
        };
        bool ok = true;
        if (arg == "-h" || arg == "--help") {
            usage(std::cout);
            return 0;
        } else if (arg == "--tls") {
            opt.tls = true;
        } else if (arg == "--host") {
            auto v = value();
            ok = v && !v->empty();
            if (ok)
                opt.host = std::string(*v);
        } else if (arg == "--port") {
            auto v = value();
            ok = v && parse_number<unsigned short>(*v, opt.port, 0, 65535);
        } else if (arg == "--allowed-origin") {
            auto v = value();
            ok = v && !v->empty();
            if (ok)
                opt.allowed_origin = std::string(*v);
        } else if (arg == "--require-header") {
            auto v = value();
            ok = v && v->find(':') != std::string_view::npos && v->front() != ':';
            if (ok)
                opt.required_header = std::string(*v);
        } else if (arg == "--max-message-size") {
            auto v = value();
            ok = v &&
                 parse_number<std::uint64_t>(*v, opt.max_message_size, 1, std::uint64_t{1} << 40);
        } else if (arg == "--handshake-timeout") {
            auto v = value();
            unsigned seconds = 0;
            ok = v && parse_number<unsigned>(*v, seconds, 1, 3600);
            opt.handshake_timeout = std::chrono::seconds(seconds);
        } else if (arg == "--deflate-level") {
            auto v = value();
            ok = v && parse_number<int>(*v, opt.deflate_level, 0, 9);
        } else if (arg == "--threads") {
            auto v = value();
            ok = v && parse_number<unsigned>(*v, opt.threads, 1, 1024);
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "wsconform-server: bad or incomplete argument '" << arg << "'\n";
            usage(std::cerr);
            return 2;
        }
    }
    return opt;
}

// ---------------------------------------------------------------------------------------------
// Opening handshake checks Beast does not make

namespace http = boost::beast::http;

/// True if `c` is in the base64 alphabet (RFC 4648 §4), padding excluded.
constexpr bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/// Beast 1.81 only checks that Sec-WebSocket-Key is non-empty and at most 24 characters; RFC 6455
/// §4.2.1 requires exactly one key whose base64 value decodes to 16 bytes, i.e. 22 base64
/// characters followed by "==". Returns what is wrong, if anything. An absent key is left to
/// Beast, which rejects it.
std::optional<std::string_view> bad_websocket_key(const http::request<http::empty_body>& req) {
    if (req.count(http::field::sec_websocket_key) > 1)
        return "more than one Sec-WebSocket-Key";
    const auto it = req.find(http::field::sec_websocket_key);
    if (it == req.end())
        return std::nullopt; // Beast refuses a request without a key
    if (it->value().empty())
        return "empty Sec-WebSocket-Key";
    const std::string_view key = it->value();
    bool ok = key.size() == 24 && key.substr(22) == "==";
    for (std::size_t i = 0; ok && i < 22; ++i)
        ok = is_base64_char(key[i]);
    if (!ok)
        return "Sec-WebSocket-Key is not the base64 encoding of 16 bytes";
    return std::nullopt;
}

/// HTTP allows a list-valued header to be split over several lines (RFC 9110 §5.3), but Beast
/// 1.81 reads only the first Connection and Upgrade line: join them into one.
void join_list_headers(http::request<http::empty_body>& req) {
    for (auto field : {http::field::connection, http::field::upgrade}) {
        if (req.count(field) < 2)
            continue;
        std::string joined;
        for (auto range = req.equal_range(field); range.first != range.second; ++range.first)
            joined += (joined.empty() ? "" : ", ") + std::string(range.first->value());
        req.set(field, joined);
    }
}

/// Answers the opening handshake with an HTTP error and shuts the connection down.
template <class NextLayer>
asio::awaitable<void> reject(websocket::stream<NextLayer>& ws, http::status status,
                             std::string_view why, bool name_version = false) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::server, server_name);
    if (name_version) // RFC 6455 §4.4: name the versions this server speaks
        res.set(http::field::sec_websocket_version, "13");
    res.set(http::field::content_type, "text/plain");
    res.set(http::field::connection, "close");
    res.body() = std::string(why) + "\n";
    res.prepare_payload();
    beast::get_lowest_layer(ws).expires_after(response_write_timeout);
    co_await http::async_write(ws.next_layer(), res, use_tuple);
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// ---------------------------------------------------------------------------------------------
// WebSocket session

/// Reads the HTTP upgrade request (within the expiry the caller armed on the TCP layer), makes
/// the checks Beast does not make, then lets Beast validate and answer it. True once the
/// connection is a WebSocket.
///
/// The request is read here rather than by Beast's async_accept() for two reasons: the key
/// check above, and size: Beast reads the request into its fixed 1536-byte read buffer and fails
/// on larger heads (boostorg/beast#1476). A head of any size up to max_request_head is handed
/// over already parsed; a small one, with whatever bytes followed it, is handed over raw, so
/// that frames sent right behind the request are not lost.
/// RFC 6455 §10.2: a server that serves browsers checks Origin. An Origin other than the
/// allowed one (exact match: browsers send the serialised, lower-case origin) or more than one
/// Origin header is refused; a request without Origin (a non-browser client) is served.
std::optional<std::string_view> bad_origin(const http::request<http::empty_body>& req,
                                           const std::string& allowed) {
    if (allowed.empty())
        return std::nullopt;
    auto count = req.count(http::field::origin);
    if (count > 1)
        return "more than one Origin header";
    if (count == 1 && req[http::field::origin] != allowed)
        return "Origin not allowed";
    return std::nullopt;
}

/// The permessage-deflate offer Beast answers (the first), read as Beast reads it.
websocket::detail::pmd_offer deflate_offer(const http::request<http::empty_body>& req) {
    websocket::detail::pmd_offer offer{};
    websocket::detail::pmd_read(offer, req);
    return offer;
}

/// Offers permessage-deflate at the configured level, with a zlib memory level fit for the
/// window the client lets us compress with. zlib slides its hash table (2^(memLevel + 7)
/// entries) every window's worth of input, and ends a block every 2^(memLevel + 6) symbols:
/// Beast's 4 makes blocks small for a 32 KiB window (+20 % CPU over 12.x), zlib's 8 makes
/// the slides dear for a 512-byte one (13.3, 13.5: +75 %). A table of 8 entries per window
/// byte is the measured best of both.
template <class NextLayer>
void enable_deflate(websocket::stream<NextLayer>& ws, const options& opt,
                    const websocket::detail::pmd_offer& offer) {
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    deflate.compLevel = opt.deflate_level;
    const int window = offer.server_max_window_bits ? offer.server_max_window_bits : 15;
    deflate.memLevel = std::clamp(window - 4, 1, 9);
    ws.set_option(deflate);
}

/// Sets the response decorator: our Server header, and the window bits Beast leaves out. Beast
/// omits server_max_window_bits when it agrees to 15, but RFC 7692 §7.1.2.1 has a server that
/// accepts an offer with the parameter answer with it (Autobahn 13.4, 13.6 offer 15).
template <class NextLayer>
void decorate_response(websocket::stream<NextLayer>& ws, bool restate_window) {
    ws.set_option(
        websocket::stream_base::decorator([restate_window](websocket::response_type& res) {
            res.set(beast::http::field::server, server_name);
            // A refusal ends the connection (we close it after): say so, or a proxy pools it
            // and later sends a request down a connection we have closed (nghttpx then
            // answers 502).
            if (res.result() != http::status::switching_protocols)
                res.set(http::field::connection, "close");
            std::string ext(res[http::field::sec_websocket_extensions]);
            if (restate_window && ext.starts_with("permessage-deflate") &&
                ext.find("server_max_window_bits") == std::string::npos)
                res.set(http::field::sec_websocket_extensions, ext + "; server_max_window_bits=15");
        }));
}

template <class NextLayer>
asio::awaitable<bool> opening_handshake(websocket::stream<NextLayer>& ws, const options& opt) {
    constexpr std::size_t beast_read_buffer = 1536; // websocket::stream::tcp_frame_size

    std::string head; // the request head, plus any bytes that arrived behind it
    auto [ec, head_size] = co_await asio::async_read_until(
        ws.next_layer(), asio::dynamic_buffer(head, max_request_head), "\r\n\r\n", use_tuple);
    if (ec == asio::error::not_found) {
        co_await reject(ws, http::status::request_header_fields_too_large,
                        "request head too large");
        co_return false;
    }
    if (ec)
        co_return false;

    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_request_head));
    parser.put(asio::buffer(head.data(), head_size), ec);
    if (ec || !parser.is_done()) {
        co_await reject(ws, http::status::bad_request, "malformed HTTP request");
        co_return false;
    }
    auto& req = parser.get();
    if (auto why = bad_websocket_key(req)) {
        co_await reject(ws, http::status::bad_request, *why);
        co_return false;
    }
    // Beast answers a missing version with a bare 400; RFC 6455 §4.4 wants the supported
    // version named, as for an unsupported one.
    if (req.find(http::field::sec_websocket_version) == req.end() && websocket::is_upgrade(req)) {
        co_await reject(ws, http::status::upgrade_required, "Sec-WebSocket-Version missing", true);
        co_return false;
    }
    if (!opt.required_header.empty()) {
        auto colon = opt.required_header.find(':');
        auto name = std::string_view(opt.required_header).substr(0, colon);
        auto value = std::string_view(opt.required_header).substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        if (req[name] != value) {
            co_await reject(ws, http::status::unauthorized, "credentials required");
            co_return false;
        }
    }
    if (auto why = bad_origin(req, opt.allowed_origin)) {
        co_await reject(ws, http::status::forbidden, *why);
        co_return false;
    }
    join_list_headers(req);
    auto offer = deflate_offer(req);
    enable_deflate(ws, opt, offer);
    decorate_response(ws, offer.accept && offer.server_max_window_bits != 0);

    beast::get_lowest_layer(ws).expires_never(); // the websocket stream's timeouts take over
    if (head.size() == head_size) {
        std::tie(ec) = co_await ws.async_accept(req, use_tuple);
    } else if (head.size() <= beast_read_buffer) {
        // Frames came right behind the request: hand Beast the (normalised) head and those
        // bytes together, so none are lost.
        std::ostringstream normalised;
        normalised << req.base();
        auto raw = normalised.str() + head.substr(head_size);
        std::tie(ec) = co_await ws.async_accept(asio::buffer(raw), use_tuple);
    } else {
        co_await reject(ws, http::status::request_header_fields_too_large,
                        "request head too large to be followed by frames before the response");
        co_return false;
    }
    co_return !ec;
}

/// Configures the stream, performs the opening handshake and echoes messages until the
/// connection ends. Returns on a normal close, a protocol failure (Beast has then already sent
/// the close frame with the right code and torn the connection down) or an I/O error.
template <class NextLayer>
asio::awaitable<void> serve_websocket(websocket::stream<NextLayer>& ws, const options& opt) {
    // Suggested server timeouts, but a short opening/closing handshake timeout and no idle
    // timeout or keep-alive pings: the server must never send frames the client did not ask for.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = opt.handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    ws.read_message_max(opt.max_message_size); // also bounds inflated messages
    ws.auto_fragment(false);                   // echo each message as one frame
    // A compressed echo goes out one frame per write buffer: 64 KiB frames, not Beast's 4 KiB,
    // save both sides a frame and a system call per 4 KiB in 12.x/13.x.
    ws.write_buffer_bytes(64 * 1024);

    if (!co_await opening_handshake(ws, opt))
        co_return;

    // Strictly sequential read -> write: echoes keep the order of the messages, and a close or
    // ping that follows a large message is only processed after its echo has been written.
    beast::flat_buffer buffer;
    for (;;) {
        [[maybe_unused]] auto [rec, nread] = co_await ws.async_read(buffer, use_tuple);
        if (rec)
            co_return; // websocket::error::closed, a protocol error, or an I/O error
        // The check Beast 1.81 leaves out for some messages (beast_peers/utf8_check.hpp).
        if (wsconform::beast_peers::is_invalid_text(ws, buffer.data())) {
            [[maybe_unused]] auto [cec] =
                co_await ws.async_close(websocket::close_code::bad_payload, use_tuple);
            co_return;
        }
        ws.text(ws.got_text());
        [[maybe_unused]] auto [wec, nwritten] = co_await ws.async_write(buffer.data(), use_tuple);
        if (wec)
            co_return;
        buffer.consume(buffer.size());
    }
}

asio::awaitable<void> plain_session(tcp::socket socket, const options& opt) {
    websocket::stream<tcp_stream> ws(std::move(socket));
    beast::get_lowest_layer(ws).expires_after(opt.handshake_timeout); // for the request head
    co_await serve_websocket(ws, opt);
}

asio::awaitable<void> tls_session(tcp::socket socket, ssl::context& ctx, const options& opt) {
    websocket::stream<tls_stream> ws(std::move(socket), ctx);
    auto& tcp_layer = beast::get_lowest_layer(ws);
    tcp_layer.expires_after(opt.handshake_timeout); // TLS handshake and the HTTP request head
    if (auto [ec] = co_await ws.next_layer().async_handshake(ssl::stream_base::server, use_tuple);
        ec)
        co_return;
    co_await serve_websocket(ws, opt);
}

// ---------------------------------------------------------------------------------------------
// Listener

void log_exception(std::exception_ptr e) {
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::cerr << "wsconform-server: session error: " << ex.what() << '\n';
    } catch (...) {
        std::cerr << "wsconform-server: session error: unknown exception\n";
    }
}

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor, ssl::context* tls,
                                  const options& opt) {
    for (;;) {
        // Every connection gets its own strand, so --threads > 1 needs no further locking.
        tcp::socket socket(asio::make_strand(ioc));
        auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
        if (ec == asio::error::operation_aborted)
            co_return;
        if (ec) {
            // E.g. EMFILE under heavy load: back off briefly instead of spinning or exiting.
            std::cerr << "wsconform-server: accept: " << ec.message() << '\n';
            asio::steady_timer backoff(acceptor.get_executor(), 50ms);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto executor = socket.get_executor();
        if (tls != nullptr)
            asio::co_spawn(executor, tls_session(std::move(socket), *tls, opt), log_exception);
        else
            asio::co_spawn(executor, plain_session(std::move(socket), opt), log_exception);
    }
}

tcp::endpoint resolve_listen_endpoint(asio::io_context& ioc, const options& opt) {
    beast::error_code ec;
    auto address = asio::ip::make_address(opt.host, ec);
    if (!ec)
        return {address, opt.port};
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt.host, std::to_string(opt.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve '" + opt.host + "': " + ec.message());
    return results.begin()->endpoint();
}

/// Lets 1000+ concurrent connections through: raise the soft descriptor limit to the hard one.
void raise_fd_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &lim);
    }
}

int run(const options& opt) {
    raise_fd_limit();

    // Declared before the io_context: sessions still pending at shutdown reference it while
    // the io_context destroys them.
    std::optional<ssl::context> tls;
    if (opt.tls) {
        tls.emplace(wsconform::beast_peers::make_tls_context(ssl::context::tls_server));
        wsconform::server::install_self_signed_identity(*tls);
    }

    asio::io_context ioc(static_cast<int>(opt.threads));

    const tcp::endpoint endpoint = resolve_listen_endpoint(ioc, opt);
    tcp::acceptor acceptor(asio::make_strand(ioc));
    beast::error_code ec;
    const auto check = [&ec](const char* what) {
        if (ec)
            throw std::runtime_error(std::string(what) + ": " + ec.message());
    };
    acceptor.open(endpoint.protocol(), ec);
    check("open");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    check("setsockopt(SO_REUSEADDR)");
    acceptor.bind(endpoint, ec);
    check("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    check("listen");

    // Before the line below: whoever reads it may signal us at once.
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });

    const tcp::endpoint local = acceptor.local_endpoint();
    const std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                     : local.address().to_string();
    std::cout << "listening " << (opt.tls ? "wss" : "ws") << "://" << host << ':' << local.port()
              << '/' << std::endl; // std::endl flushes: the caller waits for this line

    asio::co_spawn(acceptor.get_executor(), accept_loop(ioc, acceptor, tls ? &*tls : nullptr, opt),
                   [](std::exception_ptr e) {
                       if (e) {
                           log_exception(e);
                           std::exit(1);
                       }
                   });

    std::vector<std::thread> workers;
    workers.reserve(opt.threads - 1);
    for (unsigned i = 1; i < opt.threads; ++i)
        workers.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : workers)
        t.join();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = parse_args(argc, argv);
    if (const int* status = std::get_if<int>(&parsed))
        return *status;
    try {
        return run(std::get<options>(parsed));
    } catch (const std::exception& e) {
        std::cerr << "wsconform-server: " << e.what() << '\n';
        return 1;
    }
}
