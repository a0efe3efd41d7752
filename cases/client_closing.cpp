// E.1: closing from both sides (RFC 6455 §5.5.1, §7.1.1, §7.1.4). For clients only. Autobahn's
// 7.x cases close with the server closing TCP at once, as §5.5.1 asks ("The server MUST close
// the underlying TCP connection immediately"); these cases also try the servers that do not:
// one that never closes TCP, one that drops it mid-message or right after its Close. "After
// both sending and receiving a Close message, an endpoint considers the WebSocket connection
// closed and MUST close the underlying TCP connection": a client that waits forever for the
// server keeps a connection, and a task, for ever.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

const runner::requirement close_tcp = must(
    "RFC 6455 5.5.1", "After both sending and receiving a Close message, an endpoint considers "
                      "the WebSocket connection closed and MUST close the underlying TCP "
                      "connection.");
const runner::requirement reply_close =
    must("RFC 6455 5.5.1", "If an endpoint receives a Close frame and did not previously send a "
                           "Close frame, the endpoint MUST send a Close frame in response.");

} // namespace

void add_client_closing_cases(std::vector<runner::case_def>& out) {
    auto make = [](std::string id, std::string title, std::string expectation, std::string rfc) {
        auto c = make_case({std::move(id), "Client: closing", "", std::move(title),
                            std::move(expectation), std::move(rfc)});
        c.clients_only = true;
        return c;
    };
    // Longer than the close timers of common clients (python-websockets waits 10 s for the
    // server's TCP close, OkHttp 60 s): only a client that waits for ever pays all of it.
    const runner::seconds held{75};

    {
        auto c =
            make("E.1.1", "Close with 1000, then never close TCP (the tester drops it after 75 s)",
                 "The client answers our Close and closes TCP itself: OK (the time it took "
                 "is recorded). No Close in reply, or TCP still open after 75 s, FAILS.",
                 "RFC 6455 5.5.1, 7.1.1");
        c.script = {close_with(1000)};
        c.expected = {ok({})};
        c.close = tester_closes();
        c.server_keeps_tcp_open = held;
        c.musts = {reply_close, close_tcp};
        c.tags = {"slow"};
        out.push_back(std::move(c));
    }
    {
        auto c = make("E.1.2",
                      "Send a frame with reserved opcode 3, so the client starts the closing "
                      "handshake; answer its Close, then never close TCP",
                      "The client fails the connection with 1002 (or drops TCP), and after our "
                      "answer closes TCP itself: OK. TCP still open 75 s after the closing "
                      "handshake FAILS.",
                      "RFC 6455 5.2, 5.5.1, 7.1.1");
        c.script = {send(data_frame(codec::opcode_from_nibble(3), bytes{})), kill_after(2)};
        c.expected = {ok({})};
        c.close = peer_fails({1002});
        c.server_keeps_tcp_open = held;
        c.musts = {close_tcp};
        c.tags = {"slow"};
        out.push_back(std::move(c));
    }
    {
        auto c =
            make("E.1.3", "Drop TCP in the middle of a fragmented text message, without a Close",
                 "Nothing to answer (the connection is gone: close code 1006 for the "
                 "client, RFC 6455 7.1.5). In exec mode the client must end by itself "
                 "without crashing; crashing or having to be killed FAILS.",
                 "RFC 6455 7.1.5");
        c.script = {send(data_frame(opcode::text, "the first fragment", false)), drop_after(0.5)};
        c.expected = {ok({})};
        c.close = tester_ended();
        c.musts = {validate_input};
        out.push_back(std::move(c));
    }
    {
        auto c = make("E.1.4",
                      "Close with 1000 and drop TCP 50 ms later, whether the client answered or "
                      "not",
                      "The client answers or finds the connection gone, and in exec mode ends by "
                      "itself without crashing (its reply may meet a reset connection); crashing "
                      "or having to be killed FAILS.",
                      "RFC 6455 7.1.1, 7.1.5");
        c.script = {close_with(1000), drop_after(0.05)};
        c.expected = {ok({})};
        c.close = tester_ended();
        c.musts = {validate_input};
        out.push_back(std::move(c));
    }
}

} // namespace wsconform::cases
