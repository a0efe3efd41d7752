#pragma once
/// Testing a client: we are the server, and each case's connection comes from the client under
/// test. How the client is made to connect differs (a process started per case, a testee that
/// asks for cases through Autobahn's control protocol, a browser page); the runner sees one
/// interface: a source of clients, which starts one for a case and hands over its connection.

#include "harness/codec/handshake.hpp"
#include "harness/net/transport.hpp"
#include "harness/runner/case.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include <memory>
#include <optional>
#include <string>

namespace wsconform::runner {

/// A connection a client opened to us, its opening-handshake request read.
struct accepted_connection {
    /// TCP, or TLS with its handshake done (wss://); not recording (the case's transport that
    /// adopts it records).
    net::transport stream;
    codec::upgrade_request request;
    std::string request_text; ///< the request header as it came
    codec::bytes early{};     ///< what came after the header (frames sent before our answer)
    /// From the client's connect to its request: how long a loaded machine kept it, as the
    /// opening-handshake wait of a server.
    std::int64_t waited_us{0};
    /// From the start of the client's process to its request, its start-up included, when the
    /// source started it for the case (exec mode); -1 otherwise. Many clients starting at once
    /// on a busy machine show the load here first.
    std::int64_t since_start_us{-1};
    /// The host and port of the URL the client was given ("127.0.0.1:PORT"), which its Host
    /// header must name (RFC 6455 §4.1); empty when the client chose its URL itself (a testee
    /// of Autobahn's control protocol may be behind port mapping).
    std::string authority{};
};

/// How a client process ended (exec mode), for the judge.
struct client_exit {
    enum class how : std::uint8_t {
        exited,     ///< by itself: `status` is its exit status
        signalled,  ///< by a signal it did not catch: `status` is the signal
        killed,     ///< it did not exit in time and was killed
        not_started ///< it could not be started: `output` says why
    };
    how what = how::exited;
    int status = 0;
    /// signalled: the shell that ran it said so (exit status 128 + the signal).
    bool via_shell = false;
    /// killed: how long it was given to exit (a timeout of ours decided that verdict).
    std::chrono::duration<double> waited{0};
    /// The first line of a sanitizer's report in its output, if any.
    std::string sanitizer{};
    /// The end of what it printed (stdout and stderr together), at most `output_kept` bytes.
    std::string output{};

    static constexpr std::size_t output_kept = 4096;

    /// Crashed: a signal that means a crash, or a sanitizer's report whatever the status.
    bool crashed() const;
    /// One line: "exited with status 0", "was killed by SIGSEGV (crashed)", ...
    std::string describe() const;
    /// The last non-empty line of `output`, or "".
    std::string last_line() const;
};

/// One case's client, started for it.
class client_attempt {
  public:
    virtual ~client_attempt() = default;
    /// The client's connection for the case; nothing if it did not come (`why` says: the
    /// client ended first, or did not connect in time).
    virtual boost::asio::awaitable<std::optional<accepted_connection>>
    connection(std::string& why) = 0;
    /// After connection() came back empty: how long we waited for a client that was still
    /// running and had not asked yet, when that wait decided it (a machine loaded by other
    /// clients may have slowed its start); nothing otherwise.
    virtual std::optional<std::chrono::duration<double>> connect_timed_out() const {
        return std::nullopt;
    }
    /// Once the case's connection is over: how the client ended, when it is a process started
    /// for the case (it is given a moment to exit, then killed); nothing otherwise.
    virtual boost::asio::awaitable<std::optional<client_exit>> ended() = 0;
};

class client_source {
  public:
    virtual ~client_source() = default;
    /// Starts serving on the run's executor (before the first case) and stops (after the last).
    virtual void attach(boost::asio::any_io_executor ex) = 0;
    virtual void detach() = 0;
    /// Starts a client for case `c`.
    virtual std::unique_ptr<client_attempt> start(const case_def& c) = 0;
};

} // namespace wsconform::runner
