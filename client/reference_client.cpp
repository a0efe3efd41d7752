/// wsconform-client: the reference RFC 6455 echo client (Boost.Beast, C++20 coroutines).
///
///   wsconform-client [options] URL
///   wsconform-client [options] --autobahn ws://HOST:PORT [--agent NAME]
///
/// Exec mode connects to URL (ws:// or wss://), performs the opening handshake for exactly its
/// path and query, and echoes every message with its type until the server closes. Beast answers
/// pings and the closing handshake, validates what the server sends (masking, RSV bits, opcodes,
/// control-frame rules, close codes, UTF-8) and fails the connection with the RFC's close code.
/// Exit status: 0 the connection ended with a closing handshake, 1 it was failed, dropped or
/// refused (one line on stderr says why), 2 usage error.
///
/// Autobahn mode is a testee client for Autobahn|Testsuite's fuzzingserver (and for wsconform's
/// client tests, which speak the same control protocol): /getCaseCount, then
/// /runCase?case=I&agent=A for every case, then /updateReports?agent=A. Exit 0 when all of that
/// ran, whatever the cases' results; 1 when the control server could not be reached.
///
/// Whatever the server sends, every error path returns a value: nothing here asserts on, or
/// throws because of, peer input. Memory is bounded by --max-message (Beast's read_message_max
/// also bounds inflated messages) and the opening handshake by a 10 s timeout.

#include "beast_peers/bounded_teardown.hpp"
#include "beast_peers/tls_context.hpp"
#include "beast_peers/utf8_check.hpp"
#include "client/text.hpp"
#include "harness/codec/deflate.hpp"
#include "harness/codec/handshake.hpp"
#include "harness/net/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/zlib/error.hpp>

#include <CLI/CLI.hpp>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace codec = wsconform::codec;
using tcp = boost::asio::ip::tcp;
using wsconform::client::printable;
using ws_url = wsconform::net::target_url;
using namespace std::chrono_literals;
/// Streams with the bounded teardown, which never fails: an outcome is what the WebSocket came to.
using tcp_stream =
    wsconform::beast_peers::tcp_stream<wsconform::beast_peers::teardown_errors::ignored>;
using tls_stream =
    wsconform::beast_peers::tls_stream<wsconform::beast_peers::teardown_errors::ignored>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view program = "wsconform-client";
constexpr std::string_view user_agent = "wsconform-client/0.1";
/// TCP connect, then TLS and the opening handshake (each its own 10 s).
constexpr auto connect_timeout = 10s;
constexpr auto handshake_timeout = 10s;
/// Autobahn selects 517 cases at most; a larger count is not a number we should loop over.
constexpr unsigned max_case_count = 100000;

// ---------------------------------------------------------------------------------------------
// Command line

struct options {
    std::string url;      ///< exec mode
    std::string autobahn; ///< Autobahn mode: the fuzzingserver's ws://HOST:PORT
    std::string agent = "wsconform-client";
    bool no_deflate = false;
    /// Beast's read_message_max: larger messages, compressed or not, fail the connection with
    /// 1009 (RFC 6455 §7.4.1). 64 MiB: above Autobahn's largest (16 MiB, 9.x).
    std::uint64_t max_message = 64U * 1024U * 1024U;
    std::string ca_file;
    bool insecure = false;
    /// 0: none. Test cases pause for seconds, so the client must not give up on a quiet server
    /// unless asked to.
    unsigned idle_timeout = 0;
};

// ---------------------------------------------------------------------------------------------
// One connection

/// How one connection ended.
struct outcome {
    bool upgraded = false;                                    ///< the opening handshake succeeded
    bool closed = false;                                      ///< it ended with a closing handshake
    websocket::close_code code = websocket::close_code::none; ///< the server's, when closed
    std::string why;                                          ///< when !closed
    std::optional<std::string> first_message;                 ///< when not echoing
};

enum class mode { echo, collect };

outcome failure(std::string why) {
    outcome o;
    o.why = std::move(why);
    return o;
}

bool is_websocket_error(const beast::error_code& ec) {
    return ec.category() == websocket::make_error_code(websocket::error::closed).category();
}

std::string handshake_error(const beast::error_code& ec, const websocket::response_type& res) {
    if (ec == websocket::error::upgrade_declined) {
        std::string why = "the server's response was not a WebSocket upgrade: HTTP " +
                          std::to_string(res.result_int()) + " " + printable(res.reason());
        const auto& body = res.body();
        if (const auto line = std::string_view(body).substr(0, body.find_first_of("\r\n"));
            !line.empty())
            why += " (" + printable(line) + ")";
        return why;
    }
    if (ec == beast::error::timeout)
        return "the opening handshake did not complete within " +
               std::to_string(handshake_timeout.count()) + " s";
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated)
        return "the server closed the connection without answering the opening handshake";
    if (ec == http::error::partial_message)
        return "the server closed the connection in the middle of its handshake response";
    if (is_websocket_error(ec))
        return "the server's response was not a valid WebSocket upgrade: " + ec.message();
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        return "the server's response was not valid HTTP: " + ec.message();
    return "the connection was lost during the opening handshake: " + ec.message();
}

std::string read_error(const beast::error_code& ec, const options& opt) {
    if (ec == websocket::error::message_too_big)
        return "the connection was failed with close code 1009: a message exceeded "
               "--max-message " +
               std::to_string(opt.max_message) + " bytes";
    if (ec == websocket::error::bad_frame_payload)
        return "the connection was failed with close code 1007: a text message was not UTF-8";
    if (is_websocket_error(ec)) // Beast's other read failures all send 1002
        return "the connection was failed with close code 1002: " + ec.message();
    if (ec == beast::error::timeout)
        return opt.idle_timeout != 0 ? "the server sent nothing for --idle-timeout " +
                                           std::to_string(opt.idle_timeout) + " s"
                                     : "the closing handshake timed out";
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
        return "the server closed the connection without a closing handshake";
    return "the connection was dropped without a closing handshake: " + ec.message();
}

bool is_inflate_error(const beast::error_code& ec) {
    return ec.category() == beast::zlib::make_error_code(beast::zlib::error::general).category();
}

/// Beast 1.81 fails the connection without a Close frame when a message cannot be inflated: it
/// only marks the stream failed. RFC 6455 §7.1.7 has an endpoint that fails an established
/// connection send one first ("SHOULD send a Close frame with an appropriate status code"), so
/// this sends it: 1007, as for other data inconsistent with its message, masked with a fresh,
/// unpredictable key (§5.3), written on the layer below the failed stream. Then the bounded wait
/// for the server's FIN that Beast's own teardown would have made.
template <class NextLayer>
asio::awaitable<void> send_close_beast_left_out(websocket::stream<NextLayer>& ws,
                                                std::uint16_t code) {
    std::array<unsigned char, 8> frame{0x88, 0x82}; // FIN + Close; masked, 2-byte payload
    if (RAND_bytes(frame.data() + 2, 4) != 1)
        co_return;
    frame[6] = static_cast<unsigned char>(code >> 8U) ^ frame[2];
    frame[7] = static_cast<unsigned char>(code & 0xFFU) ^ frame[3];
    auto& tcp_layer = beast::get_lowest_layer(ws);
    tcp_layer.expires_after(wsconform::beast_peers::linger_timeout); // the write and the wait
    if (auto [ec, n] = co_await asio::async_write(ws.next_layer(), asio::buffer(frame), use_tuple);
        !ec) {
        beast::error_code ignored;
        tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
        std::array<char, 4096> discard{};
        for (;;) {
            auto [rec, nread] =
                co_await tcp_layer.async_read_some(asio::buffer(discard), use_tuple);
            if (rec)
                break;
        }
    }
    tcp_layer.close();
}

/// The checks RFC 6455 §4.1 and RFC 7692 §7 ask of a client on the server's 101 response that
/// Beast 1.81 does not make, by the codec's parser. Returns why the client must fail the
/// connection, if it must.
std::optional<std::string> check_negotiation(const websocket::response_type& res,
                                             bool offered_deflate) {
    // §4.1: "If the response includes a |Sec-WebSocket-Protocol| header field and this header
    // field indicates the use of a subprotocol that was not present in the client's handshake
    // [...], the client MUST _Fail the WebSocket Connection_." This client offers none.
    if (res.count(http::field::sec_websocket_protocol) != 0)
        return "the server chose a subprotocol the client did not offer";
    std::vector<codec::header_field> headers;
    for (auto [it, end] = res.equal_range(http::field::sec_websocket_extensions); it != end; ++it)
        headers.push_back({"Sec-WebSocket-Extensions", std::string(it->value())});
    if (!offered_deflate) {
        // §4.1: an extension "not present in the client's handshake" fails the connection.
        if (const auto names = codec::extension_names(headers); !names.empty())
            return "the server accepted an extension the client did not offer: '" +
                   printable(names.front()) + "'";
        return std::nullopt;
    }
    // Beast's offer (build_request_pmd; its option allows no other): "permessage-deflate;
    // server_max_window_bits=15; client_max_window_bits=15". RFC 7692 §7.1.2.1: a server that
    // accepts it includes server_max_window_bits, 15 or less.
    codec::deflate_params offer;
    offer.server_max_window_bits = 15;
    offer.client_max_window_bits.emplace(15);
    const auto answer = codec::parse_deflate_response(headers, offer);
    if (answer.error) // the codec's message names the RFC clause; the detail quotes the element
        return answer.error.message() +
               (answer.detail.empty() ? "" : ": " + printable(answer.detail));
    return std::nullopt;
}

/// Opening handshake on a connected (and, for wss, TLS-secured) stream, then the messages.
template <class NextLayer>
asio::awaitable<outcome> run_websocket(websocket::stream<NextLayer>& ws, const ws_url& url,
                                       const options& opt, mode m) {
    // Beast's timeouts replace the TCP layer's from here on (the two must not both be armed).
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = handshake_timeout; // also bounds the closing handshake
    timeouts.idle_timeout = opt.idle_timeout != 0 ? std::chrono::seconds(opt.idle_timeout)
                                                  : websocket::stream_base::none();
    timeouts.keep_alive_pings = false; // the client sends nothing the server did not ask for
    ws.set_option(timeouts);
    if (!opt.no_deflate) {
        // RFC 7692 with Beast's offer, compressing at zlib level 1 with zlib's memory level, as
        // the reference server does (the peer under test is the other side: 12.x/13.x push
        // gigabytes through zlib, and Beast's level 6 with memLevel 4 made a client run of all
        // 517 cases take 13 minutes).
        websocket::permessage_deflate deflate;
        deflate.client_enable = true;
        deflate.compLevel = 1;
        deflate.memLevel = 8;
        ws.set_option(deflate);
    }
    ws.read_message_max(opt.max_message);
    ws.auto_fragment(false); // echo each message as one frame (when not compressed)
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, user_agent); }));

    websocket::response_type res;
    if (auto [ec] = co_await ws.async_handshake(res, url.host_header, url.target, use_tuple); ec)
        co_return failure(handshake_error(ec, res));
    if (auto why = check_negotiation(res, !opt.no_deflate)) {
        // The connection is not established (RFC 6455 §4.1): failing it is closing TCP.
        beast::get_lowest_layer(ws).close();
        co_return failure("the server's response was not a valid WebSocket upgrade: " + *why);
    }

    outcome result;
    result.upgraded = true;
    // Strictly sequential read -> write: echoes keep the order of the messages, and a close or
    // ping that follows a large message is only processed after its echo has been written.
    beast::flat_buffer buffer;
    for (;;) {
        auto [rec, nread] = co_await ws.async_read(buffer, use_tuple);
        if (rec == websocket::error::closed) {
            result.closed = true;
            result.code = static_cast<websocket::close_code>(ws.reason().code);
            co_return result;
        }
        if (is_inflate_error(rec)) {
            co_await send_close_beast_left_out(ws, 1007);
            result.why = "the connection was failed with close code 1007: a compressed message "
                         "could not be inflated (" +
                         rec.message() + ")";
            co_return result;
        }
        if (rec) {
            result.why = read_error(rec, opt);
            co_return result;
        }
        // The check Beast 1.81 leaves out for some messages (beast_peers/utf8_check.hpp).
        if (wsconform::beast_peers::is_invalid_text(ws, buffer.data())) {
            [[maybe_unused]] auto [cec] =
                co_await ws.async_close(websocket::close_code::bad_payload, use_tuple);
            result.why = "the connection was failed with close code 1007: a text message was not "
                         "UTF-8";
            co_return result;
        }
        if (m == mode::collect) {
            if (!result.first_message)
                result.first_message = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            continue;
        }
        ws.text(ws.got_text());
        if (auto [wec, nwritten] = co_await ws.async_write(buffer.data(), use_tuple); wec) {
            result.why = "could not echo a message: " + wec.message();
            co_return result;
        }
        buffer.consume(buffer.size());
    }
}

/// Sets up SNI and certificate verification on a TLS stream before its handshake.
std::optional<std::string> prepare_tls(tls_stream& stream, const ws_url& url, const options& opt) {
    SSL* handle = stream.native_handle();
    boost::system::error_code not_ip;
    (void)asio::ip::make_address(url.host, not_ip);
    // RFC 6066 §3: SNI carries a DNS host name; "Literal IPv4 and IPv6 addresses are not
    // permitted in HostName".
    if (not_ip && SSL_set_tlsext_host_name(handle, url.host.c_str()) != 1)
        return "cannot set the TLS server name '" + printable(url.host) + "'";
    if (opt.insecure)
        return std::nullopt;
    // The chain is verified against the context's trust anchors (verify_peer); this adds the
    // check that the certificate is the host's (RFC 6125; a DNS name, or an IP address SAN).
    int ok = 0;
    if (not_ip) {
        SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set1_host(handle, url.host.c_str());
    } else {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url.host.c_str());
    }
    if (ok != 1)
        return "cannot set up the host name check for '" + printable(url.host) + "'";
    return std::nullopt;
}

/// Connects to the first of the resolved addresses that accepts. Says why not.
asio::awaitable<std::optional<std::string>>
connect_tcp(tcp_stream& stream, const tcp::resolver::results_type& endpoints, const ws_url& url) {
    stream.expires_after(connect_timeout);
    auto [ec, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
    if (ec)
        co_return "cannot connect to " + url.authority() + ": " + ec.message();
    beast::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    co_return std::nullopt;
}

/// Resolves, connects, secures (wss) and runs one WebSocket connection to `url`.
asio::awaitable<outcome> run_connection(const ws_url& url, const options& opt, ssl::context* tls,
                                        mode m) {
    const auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), use_tuple);
    if (rec)
        co_return failure("cannot resolve '" + printable(url.host) + "': " + rec.message());

    if (!url.tls) {
        websocket::stream<tcp_stream> ws(executor);
        if (auto why = co_await connect_tcp(ws.next_layer(), endpoints, url))
            co_return failure(std::move(*why));
        co_return co_await run_websocket(ws, url, opt, m);
    }

    if (tls == nullptr) // main() makes a context whenever a URL is wss
        co_return failure("no TLS context");
    websocket::stream<tls_stream> ws(executor, *tls);
    if (auto why = co_await connect_tcp(ws.next_layer().next_layer(), endpoints, url))
        co_return failure(std::move(*why));
    if (auto why = prepare_tls(ws.next_layer(), url, opt))
        co_return failure(std::move(*why));
    beast::get_lowest_layer(ws).expires_after(handshake_timeout);
    if (auto [ec] = co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_tuple);
        ec) {
        const long verify = SSL_get_verify_result(ws.next_layer().native_handle());
        if (!opt.insecure && verify != X509_V_OK)
            co_return failure(std::string("the server's certificate was not accepted: ") +
                              X509_verify_cert_error_string(verify) +
                              " (--ca FILE trusts another CA)");
        if (ec == beast::error::timeout)
            co_return failure("the TLS handshake did not complete within " +
                              std::to_string(handshake_timeout.count()) + " s");
        co_return failure("the TLS handshake failed: " + ec.message());
    }
    co_return co_await run_websocket(ws, url, opt, m);
}

// ---------------------------------------------------------------------------------------------
// Modes

void complain(std::string_view why) {
    std::cerr << program << ": " << why << '\n';
}

asio::awaitable<int> run_exec(ws_url url, const options& opt, ssl::context* tls) {
    const outcome result = co_await run_connection(url, opt, tls, mode::echo);
    if (result.closed)
        co_return 0;
    complain(result.why);
    co_return 1;
}

/// `base` with the given path (below base's own path, if any) and query.
ws_url control_url(const ws_url& base, std::string_view path_and_query) {
    ws_url u = base;
    std::string prefix = base.target;
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    u.target = prefix + std::string(path_and_query);
    u.text = std::string(u.tls ? "wss://" : "ws://") + u.authority() + u.target;
    return u;
}

/// The loop of Autobahn's testee clients (fuzzingserver control protocol): the count, every
/// case (a failed case does not stop the loop), then the reports.
asio::awaitable<int> run_autobahn(ws_url base, const options& opt, ssl::context* tls) {
    const std::string agent = wsconform::client::percent_encode(opt.agent);

    const ws_url count_url = control_url(base, "/getCaseCount");
    const outcome count_result = co_await run_connection(count_url, opt, tls, mode::collect);
    if (!count_result.first_message) {
        complain("no case count from " + count_url.text + ": " +
                 (count_result.why.empty() ? "the server sent no message" : count_result.why));
        co_return 1;
    }
    const auto count =
        wsconform::client::parse_case_count(*count_result.first_message, max_case_count);
    if (!count) {
        complain("the case count from " + count_url.text + " is not a number up to " +
                 std::to_string(max_case_count) + ": '" + printable(*count_result.first_message) +
                 "'");
        co_return 1;
    }

    for (unsigned i = 1; i <= *count; ++i) {
        const ws_url case_url =
            control_url(base, "/runCase?case=" + std::to_string(i) + "&agent=" + agent);
        const outcome r = co_await run_connection(case_url, opt, tls, mode::echo);
        std::cout << "case " << i << '/' << *count << ": ";
        if (r.closed)
            std::cout << "closed (" << static_cast<unsigned>(r.code) << ")\n";
        else
            std::cout << r.why << '\n';
        std::cout.flush();
    }

    const ws_url reports_url = control_url(base, "/updateReports?agent=" + agent);
    const outcome reports = co_await run_connection(reports_url, opt, tls, mode::collect);
    if (!reports.upgraded) {
        complain("could not ask for the reports at " + reports_url.text + ": " + reports.why);
        co_return 1;
    }
    co_return 0;
}

/// Usage error: one line, exit 2.
int usage_error(std::string_view why) {
    complain(std::string(why) + " (see --help)");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"wsconform-client: the reference WebSocket (RFC 6455) echo client.",
                 std::string(program)};
    app.footer("Exit status: 0 the connection ended with a closing handshake (--autobahn: all "
               "steps ran),\n1 it was failed, dropped or refused, or the certificate was not "
               "accepted (--autobahn:\nthe control server could not be reached), 2 usage "
               "error. The reason for 1 is printed on stderr.");
    app.get_formatter()->column_width(26);
    // Validators without descriptions: the help keeps one line per option.
    const auto quiet = [](CLI::Validator v) { return v.description(""); };
    options opt;
    app.add_option("URL", opt.url, "ws://HOST:PORT/path?query or wss://...: connect and echo")
        ->type_name("");
    app.add_option("--autobahn", opt.autobahn,
                   "Autobahn fuzzingserver ws://HOST:PORT: run its cases as a testee")
        ->type_name("URL");
    app.add_option("--agent", opt.agent, "agent name for --autobahn (default wsconform-client)")
        ->type_name("NAME");
    app.add_flag("--no-deflate", opt.no_deflate, "do not offer permessage-deflate (RFC 7692)");
    app.add_option("--max-message", opt.max_message,
                   "fail larger messages with close 1009 (default 64 MiB)")
        ->type_name("BYTES")
        ->check(quiet(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40U)));
    app.add_option("--ca", opt.ca_file, "wss://: also trust the CA certificates in this PEM file")
        ->type_name("FILE")
        ->check(quiet(CLI::ExistingFile));
    app.add_flag("--insecure", opt.insecure,
                 "wss://: no certificate or host name checks (for experiments only)");
    app.add_option("--idle-timeout", opt.idle_timeout,
                   "fail after SECONDS without data from the server (default: never)")
        ->type_name("SECONDS")
        ->check(quiet(CLI::Range(0U, 86400U)));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e);
        return usage_error(e.what());
    }
    if (opt.url.empty() == opt.autobahn.empty())
        return usage_error("give either a URL or --autobahn URL");
    if (opt.autobahn.empty() && app.count("--agent") != 0)
        return usage_error("--agent is for --autobahn");
    if (opt.agent.empty())
        return usage_error("--agent must not be empty");

    std::string error;
    const auto url = wsconform::net::parse_url(opt.url.empty() ? opt.autobahn : opt.url, &error);
    if (!url)
        return usage_error(error);
    if (!opt.autobahn.empty() && url->target.find('?') != std::string::npos)
        return usage_error("--autobahn takes the server's ws://HOST:PORT, without a query");

    try {
        std::optional<ssl::context> tls;
        if (url->tls) {
            tls.emplace(wsconform::beast_peers::make_tls_context(ssl::context::tls_client));
            if (!opt.insecure) {
                tls->set_verify_mode(ssl::verify_peer);
                boost::system::error_code no_defaults;
                tls->set_default_verify_paths(no_defaults); // then only --ca is trusted
                if (!opt.ca_file.empty()) {
                    boost::system::error_code ec;
                    tls->load_verify_file(opt.ca_file, ec);
                    if (ec)
                        return usage_error("--ca " + opt.ca_file + ": " + ec.message());
                }
            }
        }

        // Writes to a connection the server has reset must fail with EPIPE, not kill the process
        // (Asio sends with MSG_NOSIGNAL; this also covers any write that does not).
        std::signal(SIGPIPE, SIG_IGN);
        asio::io_context ioc(1);
        int status = 1;
        auto work = opt.autobahn.empty() ? run_exec(*url, opt, tls ? &*tls : nullptr)
                                         : run_autobahn(*url, opt, tls ? &*tls : nullptr);
        asio::co_spawn(ioc, std::move(work), [&status](std::exception_ptr e, int result) {
            if (!e) {
                status = result;
                return;
            }
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                complain(std::string("internal error: ") + ex.what());
            } catch (...) {
                complain("internal error");
            }
            status = 1;
        });
        ioc.run();
        return status;
    } catch (const std::exception& e) {
        complain(e.what());
        return 1;
    }
}
