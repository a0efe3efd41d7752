#pragma once
/// Exec mode: the client under test is a command started once per case with that case's URL
/// (`{url}` in the command; `{ca}` is the test CA's file). Its connection comes to our port;
/// how its process ends is judged with the case (a crash fails it).

#include "harness/clients/case_listener.hpp"
#include "harness/clients/test_ca.hpp"
#include "harness/runner/client_source.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace wsconform::clients {

struct exec_settings {
    std::string command;            ///< run with /bin/sh -c after substitution
    std::string host = "127.0.0.1"; ///< where we listen
    unsigned short port = 0;        ///< 0: a free port
    std::string ca_file;            ///< substituted for {ca}
    /// The run's test certificates: with them, one wss:// listener per certificate profile for
    /// the TLS cases (T.1), each on its own free port of `host`.
    std::shared_ptr<const test_pki> pki;
    /// How long a started client may take to send its opening request, and to exit once its
    /// connection is over (then it is killed): both as this run waits them (scaled).
    std::chrono::duration<double> connect_wait{10};
    std::chrono::duration<double> exit_wait{5};
};

/// `command` with every `{url}` and `{ca}` replaced.
std::string substitute(std::string command, const std::string& url, const std::string& ca);

class exec_source : public runner::client_source {
  public:
    explicit exec_source(exec_settings settings) : settings_(std::move(settings)) {}

    void attach(boost::asio::any_io_executor ex) override;
    void detach() override;
    std::unique_ptr<runner::client_attempt> start(const runner::case_def& c) override;

    /// Why the port could not be opened, after attach(); empty when it is listening.
    const std::string& error() const { return error_; }
    /// "ws://127.0.0.1:PORT" once attached.
    std::string base_url() const { return listener_ ? listener_->base_url() : std::string(); }

  private:
    /// The listener case `c` connects to: the plain one, or its TLS profile's.
    case_listener* listener_for(const runner::case_def& c);

    exec_settings settings_;
    std::optional<case_listener> listener_;
    std::map<runner::tls_server, std::unique_ptr<case_listener>> tls_listeners_;
    std::string error_;
};

} // namespace wsconform::clients
