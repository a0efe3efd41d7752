#include "harness/clients/exec_source.hpp"

#include "harness/clients/client_process.hpp"
#include "harness/runner/timing.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>

namespace wsconform::clients {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

/// One case's client process.
class exec_attempt : public runner::client_attempt {
  public:
    exec_attempt(asio::any_io_executor ex, case_listener* listener, const exec_settings& settings,
                 const runner::case_def& c)
        : listener_(listener), settings_(settings) {
        if (!listener_) {
            error_ = c.tls == runner::tls_server::none
                         ? "the port clients connect to is not open"
                         : "the wss:// port of this case is not open (no test certificates)";
            return;
        }
        path_ = listener_->reserve(c.id);
        const std::string url = listener_->base_url() + path_;
        process_.emplace(
            ex, substitute(settings.command, url, settings.ca_file),
            std::vector<std::string>{"WSCONFORM_CASE=" + c.id, "WSCONFORM_URL=" + url});
        started_at_ = std::chrono::steady_clock::now();
    }
    ~exec_attempt() override {
        if (listener_ && !path_.empty())
            (void)listener_->take(path_); // a connection that came anyway is closed
    }

    asio::awaitable<std::optional<runner::accepted_connection>>
    connection(std::string& why) override {
        if (!process_) {
            why = error_;
            co_return std::nullopt;
        }
        if (!process_->started()) {
            why = "the client " + (co_await process_->ended(std::chrono::seconds(0))).describe();
            co_return std::nullopt;
        }
        co_await (listener_->wait(path_, runner::to_steady(settings_.connect_wait)) ||
                  process_->exited());
        if (!process_->running() && listener_->tls_handshakes() > 0) {
            // It exited while our side of a TLS handshake was still going: let that end (it
            // has the client's alert to read, if it sent one), so the reason can name it.
            co_await listener_->wait(path_, std::chrono::seconds(1));
        }
        // Whatever arrived counts, even when the client's exit was seen first.
        std::string tls_failure;
        auto c = listener_->take(path_, &tls_failure);
        path_.clear();
        if (c) {
            c->since_start_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started_at_)
                                    .count();
            co_return c;
        }
        if (!tls_failure.empty()) {
            why = tls_failure + " (no opening handshake was sent)";
        } else if (process_->running()) {
            why = "the client did not send an opening handshake within " +
                  runner::format_seconds(settings_.connect_wait);
            connect_timed_out_ = settings_.connect_wait;
        } else {
            auto end = co_await process_->ended(std::chrono::seconds(0));
            why = "the client " + end.describe() + " before it sent an opening handshake";
            if (auto line = end.last_line(); !line.empty())
                why += " (it printed: " + line + ")";
        }
        co_return std::nullopt;
    }

    std::optional<std::chrono::duration<double>> connect_timed_out() const override {
        return connect_timed_out_;
    }

    asio::awaitable<std::optional<runner::client_exit>> ended() override {
        if (!process_)
            co_return std::nullopt;
        co_return co_await process_->ended(runner::to_steady(settings_.exit_wait));
    }

  private:
    case_listener* listener_;
    const exec_settings& settings_;
    std::string path_;
    std::string error_;
    std::optional<client_process> process_;
    std::chrono::steady_clock::time_point started_at_{};
    std::optional<std::chrono::duration<double>> connect_timed_out_;
};

} // namespace

std::string substitute(std::string command, const std::string& url, const std::string& ca) {
    for (auto [name, value] : {std::pair<std::string_view, const std::string&>{"{url}", url},
                               std::pair<std::string_view, const std::string&>{"{ca}", ca}}) {
        for (auto at = command.find(name); at != std::string::npos;
             at = command.find(name, at + value.size()))
            command.replace(at, name.size(), value);
    }
    return command;
}

void exec_source::attach(asio::any_io_executor ex) {
    // The runner attaches again for the cases it runs once more, alone: the listeners of the
    // first round were stopped and their executor ran dry, so they can go.
    tls_listeners_.clear();
    listener_.emplace(ex, settings_.host, settings_.port, error_);
    if (!error_.empty()) {
        listener_.reset();
        return;
    }
    listener_->start();
    if (!settings_.pki)
        return;
    using runner::tls_server;
    const auto& pki = *settings_.pki;
    const std::pair<tls_server, const tls_identity*> profiles[] = {
        {tls_server::valid, &pki.valid},       {tls_server::untrusted, &pki.untrusted},
        {tls_server::expired, &pki.expired},   {tls_server::wrong_host, &pki.wrong_host},
        {tls_server::legacy_only, &pki.valid},
    };
    for (const auto& [profile, id] : profiles) {
        auto tls = net::make_tls_server_context(id->chain_pem, id->key_pem,
                                                profile == tls_server::legacy_only, &error_);
        if (!tls)
            return;
        auto l = std::make_unique<case_listener>(ex, settings_.host, 0, error_, std::move(tls));
        if (!error_.empty())
            return;
        // A host name, so that the client's host-name check (RFC 6125) has one to check.
        l->set_url_host("localhost");
        l->start();
        tls_listeners_.emplace(profile, std::move(l));
    }
}

void exec_source::detach() {
    if (listener_)
        listener_->stop();
    for (auto& [profile, l] : tls_listeners_)
        l->stop();
}

case_listener* exec_source::listener_for(const runner::case_def& c) {
    if (c.tls == runner::tls_server::none)
        return listener_ ? &*listener_ : nullptr;
    auto it = tls_listeners_.find(c.tls);
    return it == tls_listeners_.end() ? nullptr : it->second.get();
}

std::unique_ptr<runner::client_attempt> exec_source::start(const runner::case_def& c) {
    return std::make_unique<exec_attempt>(listener_ ? listener_->get_executor()
                                                    : asio::any_io_executor(),
                                          listener_for(c), settings_, c);
}

} // namespace wsconform::clients
