// wsconform: runs the conformance cases against a WebSocket server and writes OUT/index.json.
// Exit status (docs/report.md): 0 nothing FAILED, 1 some case FAILED, 2 the run could not be done.
//
// Subcommands: `fuzz-live` (mutation fuzzing of a running server; 0 no finding, 1 findings,
// 2 could not run) and `replay FILE` (1 reproduced, 0 not reproduced, 2 could not run).

#include "cases/catalogue.hpp"
#include "harness/clients/autobahn_server.hpp"
#include "harness/clients/browser_source.hpp"
#include "harness/clients/exec_source.hpp"
#include "harness/clients/test_ca.hpp"
#include "harness/http2/shared_connection.hpp"
#include "harness/livefuzz/campaign.hpp"
#include "harness/net/url.hpp"
#include "harness/runner/extended_connect.hpp"
#include "harness/runner/http2_checks.hpp"
#include "harness/runner/report_writer.hpp"
#include "harness/runner/runner.hpp"
#include "harness/runner/selection.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <unistd.h>

namespace {

using namespace wsconform;

int usage_error(const std::string& message) {
    std::cerr << "wsconform: " << message << '\n';
    return 2;
}

std::string iso_now() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// snprintf appended to `out`.
template <typename... Args>
void append_format(std::string& out, const char* format, Args... args) {
    char line[512];
    const int n = std::snprintf(line, sizeof line, format, args...);
    out.append(line, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof line) - 1)));
}

/// Counts per category, then the failed cases with their reasons (printed, and shown on the
/// browser page in browser mode).
std::string summary_text(const runner::target_report& t, std::int64_t wall_ms) {
    std::string out;
    struct row {
        std::string title;
        std::map<runner::verdict, std::size_t> counts;
        std::size_t total = 0;
    };
    std::vector<std::pair<std::string, row>> rows;
    auto find_row = [&](const std::string& key, const std::string& title) -> row& {
        for (auto& [k, r] : rows)
            if (k == key)
                return r;
        rows.push_back({key, row{title, {}, 0}});
        return rows.back().second;
    };
    row all{"all", {}, 0};
    for (std::size_t i = 0; i < t.cases.size(); ++i) {
        const auto& c = *t.cases[i];
        auto key = c.id.substr(0, c.id.find('.'));
        auto& r = find_row(key, c.group);
        ++r.counts[t.results[i].overall];
        ++r.total;
        ++all.counts[t.results[i].overall];
        ++all.total;
    }
    using runner::verdict;
    const verdict order[] = {verdict::ok, verdict::non_strict, verdict::informational,
                             verdict::unimplemented, verdict::failed};
    append_format(out, "\n%s  %s\n", t.agent.c_str(), t.url.c_str());
    append_format(out, "  %-28s %6s %6s %11s %14s %14s %7s\n", "category", "total", "OK",
                  "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED");
    auto print_row = [&](const std::string& label, const row& r) {
        append_format(out, "  %-28s %6zu", label.c_str(), r.total);
        const int widths[] = {6, 11, 14, 14, 7};
        for (int i = 0; i < 5; ++i) {
            auto it = r.counts.find(order[i]);
            append_format(out, " %*zu", widths[i], it == r.counts.end() ? 0 : it->second);
        }
        out += "\n";
    };
    for (const auto& [key, r] : rows)
        print_row(key + " " + r.title, r);
    print_row("all", all);
    bool header = false;
    for (std::size_t i = 0; i < t.cases.size(); ++i) {
        const auto& r = t.results[i];
        if (r.overall != verdict::failed)
            continue;
        if (!header) {
            out += "\nFAILED:\n";
            header = true;
        }
        const auto& id = t.cases[i]->id;
        out += "  " + id + std::string(id.size() < 8 ? 8 - id.size() : 0, ' ') + " " + r.result +
               " | close: " + std::string(to_string(r.behavior_close)) + " (" + r.result_close +
               ")\n";
    }
    append_format(out, "\n%zu cases in %.2f s\n", all.total, static_cast<double>(wall_ms) / 1000.0);
    return out;
}

/// Writes DIR/<id>.bin for every case that sends frames; each file lands whole (written next
/// to its final name, then renamed). Deterministic: the masks come from a fixed seed per case.
std::optional<std::size_t> export_seeds(const std::vector<const runner::case_def*>& cases,
                                        const std::filesystem::path& dir, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create --export-seeds directory " + dir.string() + ": " + ec.message();
        return std::nullopt;
    }
    std::size_t written = 0;
    for (const auto* c : cases) {
        auto data = runner::seed_bytes(*c);
        if (data.empty())
            continue;
        auto path = dir / (c->id + ".bin");
        auto partial = dir / (c->id + ".bin.partial");
        {
            std::ofstream file(partial, std::ios::binary | std::ios::trunc);
            file.write(reinterpret_cast<const char*>(data.data()),
                       static_cast<std::streamsize>(data.size()));
            if (!file.flush()) {
                error = "cannot write " + partial.string();
                return std::nullopt;
            }
        }
        std::filesystem::rename(partial, path, ec);
        if (ec) {
            error = "cannot write " + path.string() + ": " + ec.message();
            return std::nullopt;
        }
        ++written;
    }
    return written;
}

struct fuzz_live_args {
    std::string target, out, seeds_dir, restart_command;
    double seconds = 60;
    std::uint64_t seed = 1;
    unsigned jobs = 4;
    std::size_t max_findings = 0;
    std::uint64_t print_inputs = 0;
    bool restart_over_stdio = false;
    bool http2 = false;
};

/// The target URL and its TLS context (certificates are not verified: a fuzzer talks to test
/// servers).
std::optional<livefuzz::target_settings> fuzz_target(std::string_view command,
                                                     const std::string& target, bool http2) {
    std::string error;
    auto url = net::parse_url(target, &error);
    if (!url) {
        usage_error(std::string(command) + ": bad --target '" + target + "': " + error);
        return std::nullopt;
    }
    livefuzz::target_settings t;
    t.url = *url;
    t.http2 = http2;
    net::tls_settings tls;
    if (http2) // RFC 9113 §3.2: HTTP/2 over TLS is chosen by ALPN
        tls.alpn = {"h2"};
    if (url->tls && !(t.tls = net::make_tls_context(tls, &error))) {
        usage_error(std::string(command) + ": " + error);
        return std::nullopt;
    }
    return t;
}

int run_fuzz_live(const fuzz_live_args& a) {
    auto seeds = livefuzz::seeds_from_cases(cases::all_cases());
    if (!a.seeds_dir.empty()) {
        std::string error;
        if (!livefuzz::seeds_from_directory(a.seeds_dir, seeds, error))
            return usage_error("fuzz-live: " + error);
    }
    const livefuzz::mutator inputs(std::move(seeds), a.seed);
    if (a.print_inputs > 0) {
        livefuzz::print_inputs(inputs, a.print_inputs, std::cout);
        return 0;
    }
    if (a.target.empty())
        return usage_error("fuzz-live: --target URL is required");
    if (a.out.empty())
        return usage_error("fuzz-live: --out DIR is required");
    if (!a.restart_command.empty() && a.restart_over_stdio)
        return usage_error(
            "fuzz-live: --restart-command and --restart-over-stdio exclude each other");
    auto target = fuzz_target("fuzz-live", a.target, a.http2);
    if (!target)
        return 2;
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (ec || !std::filesystem::is_directory(a.out))
        return usage_error("fuzz-live: cannot create --out " + a.out +
                           (ec ? ": " + ec.message() : std::string()));
    livefuzz::campaign_options options;
    options.target = std::move(*target);
    options.seconds = a.seconds;
    options.seed = a.seed;
    options.jobs = a.jobs;
    options.out = a.out;
    options.max_findings = a.max_findings;
    if (a.restart_over_stdio)
        options.restart = runner::restart_over_stdio();
    else if (!a.restart_command.empty())
        options.restart = runner::restart_with_command(a.restart_command);
    return livefuzz::run_campaign(inputs, std::move(options), std::cout, std::cerr);
}

int run_replay(const std::string& file, const std::string& target_text, bool http2) {
    std::string error;
    auto r = livefuzz::read_reproducer(file, error);
    if (!r)
        return usage_error("replay: " + error);
    auto target = fuzz_target("replay", target_text, http2);
    if (!target)
        return 2;
    return livefuzz::replay(*r, *target, std::cout, std::cerr);
}

using agent_excludes_map = std::map<std::string, std::vector<runner::case_pattern>>;

/// --exclude-agent-cases 'AGENT=PATTERNS' (repeatable): agent pattern -> case patterns.
std::optional<agent_excludes_map> parse_agent_excludes(const std::vector<std::string>& given,
                                                       std::string& error) {
    agent_excludes_map out;
    for (const auto& e : given) {
        auto eq = e.find('=');
        if (eq == std::string::npos || eq == 0) {
            error = "bad --exclude-agent-cases '" + e + "': expected AGENT=PATTERNS";
            return std::nullopt;
        }
        auto patterns = runner::parse_patterns(e.substr(eq + 1), &error);
        if (!patterns) {
            error = "--exclude-agent-cases: " + error;
            return std::nullopt;
        }
        out[e.substr(0, eq)] = std::move(*patterns);
    }
    return out;
}

/// --list --json: the selected cases, the --cases patterns that select none of the cases this
/// kind of run has, and the folder name the report gives the agent, so that scripts
/// (run_suite.py) select, warn and name exactly as the runner does.
void print_listing(const std::vector<const runner::case_def*>& selected,
                   const std::vector<std::string>& unmatched, const std::string& agent) {
    boost::json::array cases;
    for (const auto* c : selected) {
        boost::json::array tags;
        for (const auto& t : c->tags)
            tags.emplace_back(t);
        cases.emplace_back(boost::json::object{{"id", c->id},
                                               {"group", c->group},
                                               {"subgroup", c->subgroup},
                                               {"title", c->title},
                                               {"tags", std::move(tags)}});
    }
    boost::json::array patterns;
    for (const auto& p : unmatched)
        patterns.emplace_back(p);
    const boost::json::object listing{{"agent", agent},
                                      {"agent_folder", runner::agent_slug(agent)},
                                      {"cases", std::move(cases)},
                                      {"unmatched_patterns", std::move(patterns)}};
    std::cout << boost::json::serialize(listing) << '\n';
}

/// --serve-autobahn: a fuzzingserver the clients drive until one stops it.
int serve_autobahn_clients(const std::string& url_text, agent_excludes_map excludes,
                           const std::vector<const runner::case_def*>& selected,
                           const std::string& out, double timeout_scale, bool quiet,
                           runner::wire_log_mode wire_log) {
    std::string error;
    auto url = net::parse_url(url_text, &error);
    if (!url)
        return usage_error("bad --serve-autobahn '" + url_text + "': " + error);
    clients::autobahn_settings settings;
    settings.host = url->host == "localhost" ? "127.0.0.1" : url->host;
    settings.port = url->port;
    if (url->tls) {
        // The test CA's valid certificate (localhost, 127.0.0.1, ::1); its CA goes where the
        // testee can be given it.
        auto pki = clients::make_test_pki(error);
        auto ca = pki ? clients::write_test_pki(*pki, std::filesystem::path(out) / "tls", error)
                      : std::nullopt;
        if (!ca)
            return usage_error("--serve-autobahn: " + error);
        settings.tls =
            net::make_tls_server_context(pki->valid.chain_pem, pki->valid.key_pem, false, &error);
        if (!settings.tls)
            return usage_error("--serve-autobahn: " + error);
        settings.url_host = url->host;
        settings.ca_file = ca->string();
    }
    settings.cases = selected;
    settings.session.set_timeout_scale(timeout_scale);
    settings.agent_excludes = std::move(excludes);
    settings.say = [quiet](const std::string& line) {
        if (!quiet)
            std::fprintf(stderr, "wsconform: %s\n", line.c_str());
    };
    runner::report_writer writer;
    writer.set_wire_log(wire_log);
    if (auto err = writer.prepare(out); !err.empty())
        return usage_error(err);
    clients::autobahn_server server(std::move(settings), writer);
    int status = server.run(error);
    if (status == 2)
        return usage_error(error);
    std::printf("report: %s/index.json\n", out.c_str());
    return status;
}

/// The report's name for a client started as `command`: its program's file name.
std::string client_agent(const std::string& command) {
    auto start = command.find_first_not_of(" \t");
    if (start == std::string::npos)
        return "client";
    auto end = command.find_first_of(" \t", start);
    auto program = command.substr(start, end == std::string::npos ? end : end - start);
    auto slash = program.rfind('/');
    return slash == std::string::npos ? program : program.substr(slash + 1);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"wsconform " WSCONFORM_VERSION
                 ": WebSocket (RFC 6455) conformance tester. Runs the cases against a server and "
                 "writes OUT/index.json and one wire record per case."};
    std::string target, out, agent, cases_list = "*", exclude_list, ca_file, allowed_origin;
    std::vector<std::string> headers;
    unsigned jobs = runner::default_jobs();
    double timeout_scale = 1.0;
    bool list = false, tls_verify = false, quiet = false, http2 = false;
    app.add_option("--target", target, "server URL, ws://host:port/path or wss://...");
    std::string client_command, listen = "127.0.0.1:0";
    app.add_option("--client-command", client_command,
                   "test a client instead of a server: run this shell command once per case, "
                   "{url} replaced by the case's URL (we are the server) and {ca} by the run's "
                   "test CA (OUT/tls/ca.pem, or --ca FILE), which the TLS cases T.1 need");
    std::string serve_autobahn;
    std::vector<std::string> agent_excludes;
    app.add_option("--serve-autobahn", serve_autobahn,
                   "test clients the way Autobahn's fuzzingserver does: listen on this ws:// or "
                   "wss:// URL (wss: a certificate of the test CA written to OUT/tls/ca.pem) and "
                   "let each client drive its cases through /getCaseCount, "
                   "/runCase?case=N&agent=A and /updateReports; the report is written after "
                   "every case. The TLS cases T.1 need --client-command and are not served");
    app.add_option("--exclude-agent-cases", agent_excludes,
                   "'AGENT=PATTERNS': cases not run for an agent whose name matches AGENT "
                   "('*' wildcards; Autobahn's exclude-agent-cases; repeatable): with "
                   "--serve-autobahn each client's agent, else --agent");
    bool browser = false;
    app.add_flag("--browser", browser,
                 "test a browser's WebSocket: serve a page that runs the cases (open the URL "
                 "printed in the browser); the run starts when the page is opened");
    app.add_option("--listen", listen,
                   "with --client-command or --browser: HOST:PORT clients connect to (default "
                   "127.0.0.1:0, a free port)");
    app.add_option("--out", out, "report directory (index.json, cases/)");
    std::string wire_log = "failed";
    app.add_option("--wire-log", wire_log,
                   "what a case's wire record keeps: full (every byte), failed (default: "
                   "FAILED and NON-STRICT cases every byte; big records of the others their "
                   "first and last bytes and frames and a SHA-256 of the middle) or summary "
                   "(big records always shortened)")
        ->check(CLI::IsMember({"full", "failed", "summary"}));
    app.add_option("--agent", agent, "name of the server under test in the report");
    app.add_option("--cases", cases_list, "case patterns, e.g. '1.*,6.4.*' (default: all)");
    app.add_option("--exclude-cases", exclude_list, "case patterns to leave out, e.g. '9.*'");
    app.add_option("--jobs,-j", jobs, "cases in flight at once (default 64)")
        ->check(CLI::Range(1u, 4096u));
    app.add_option("--timeout-scale", timeout_scale,
                   "multiply every timer (case timers, handshake and close timeouts)")
        ->check(CLI::Range(0.05, 100.0));
    app.add_option("--header", headers,
                   "extra opening-handshake header 'Name: value' (repeatable)");
    app.add_option("--allowed-origin", allowed_origin,
                   "the Origin the server serves, e.g. https://app.example: the S.1 cases check "
                   "that every other origin is refused");
    app.add_flag("--http2", http2,
                 "test the server over HTTP/2 (RFC 8441): h2c for ws://, ALPN h2 for wss://");
    app.add_flag("--tls-verify", tls_verify, "verify the server certificate and host name");
    app.add_option("--ca", ca_file,
                   "CA file for --tls-verify (implies it); with --client-command, what {ca} "
                   "names instead of the test CA");
    app.add_flag("--list", list, "print id, group and title of every selected case and exit");
    bool list_json = false;
    app.add_flag("--json", list_json,
                 "with --list: one JSON object instead, {agent, agent_folder, cases: [{id, "
                 "group, subgroup, title, tags}], unmatched_patterns}");
    std::string seeds_dir;
    app.add_option("--export-seeds", seeds_dir,
                   "write the octets each selected case sends (after the handshake) to "
                   "DIR/<id>.bin, as fuzzing seeds, and exit");
    app.add_flag("--quiet,-q", quiet, "no progress output");
    std::string restart_command;
    bool restart_over_stdio = false;
    double restart_wait = 5;
    app.add_option("--restart-command", restart_command,
                   "shell command that restarts the target when it stopped accepting "
                   "connections during a case; the cases in flight then run again, one at a time");
    app.add_flag("--restart-over-stdio", restart_over_stdio,
                 "ask for a restart by printing 'restart-request' on stdout and reading "
                 "'restarted [URL]' on stdin (for an orchestrator that owns the server)");
    app.add_option("--restart-wait", restart_wait,
                   "seconds a target that stopped accepting connections has to accept them "
                   "again (restarted, or by itself) before its cases are given up (default 5)")
        ->check(CLI::Range(0.0, 3600.0));
    app.set_version_flag("--version", WSCONFORM_VERSION);

    fuzz_live_args fuzz;
    auto* fuzz_live = app.add_subcommand(
        "fuzz-live", "Mutation-fuzz a running server: frame sequences from the cases, mutated; "
                     "findings minimised into reproducers in --out. Exit 0 no finding, 1 "
                     "findings, 2 could not run.");
    fuzz_live->add_option("--target", fuzz.target, "server URL, ws://host:port/path or wss://...");
    fuzz_live->add_flag(
        "--http2", fuzz.http2,
        "each input on an extended CONNECT stream (RFC 8441) of its own connection");
    fuzz_live->add_option("--seconds", fuzz.seconds, "how long to fuzz (default 60)")
        ->check(CLI::Range(0.1, 7.0 * 24 * 3600));
    fuzz_live->add_option("--seed", fuzz.seed,
                          "the run's seed: same seed, same inputs (default 1)");
    fuzz_live->add_option("--jobs,-j", fuzz.jobs, "connections in flight at once (default 4)")
        ->check(CLI::Range(1u, 256u));
    fuzz_live->add_option("--out", fuzz.out, "directory for the reproducer files");
    fuzz_live->add_option("--seeds", fuzz.seeds_dir,
                          "more seeds: files of octets sent after the handshake (as "
                          "--export-seeds writes them)");
    fuzz_live->add_option("--max-findings", fuzz.max_findings,
                          "stop after this many findings (default: run the time out)");
    fuzz_live->add_option("--restart-command", fuzz.restart_command,
                          "shell command that restarts the target after it crashed or hung, so "
                          "findings can be minimised");
    fuzz_live->add_flag("--restart-over-stdio", fuzz.restart_over_stdio,
                        "ask for restarts with a 'restart-request' line on stdout and wait for "
                        "'restarted [URL]' on stdin (for an orchestrator such as run_suite.py)");
    fuzz_live->add_option("--print-inputs", fuzz.print_inputs,
                          "print the digests of the first K inputs of --seed and exit (no target)");

    std::string replay_file, replay_target;
    auto* replay = app.add_subcommand(
        "replay", "Send a reproducer's input again. Exit 1 reproduced, 0 not reproduced, 2 could "
                  "not run.");
    replay->add_option("file", replay_file, "reproducer file (JSON) written by fuzz-live")
        ->required();
    replay->add_option("--target", replay_target, "server URL")->required();
    bool replay_http2 = false;
    replay->add_flag("--http2", replay_http2, "over HTTP/2 (RFC 8441), as fuzz-live --http2");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e);
        return usage_error(std::string(e.what()) + " (see --help)");
    }
    if (*fuzz_live)
        return run_fuzz_live(fuzz);
    if (*replay)
        return run_replay(replay_file, replay_target, replay_http2);

    std::string error;
    auto include = runner::parse_patterns(cases_list, &error);
    if (!include)
        return usage_error("--cases: " + error);
    std::vector<runner::case_pattern> exclude;
    if (!exclude_list.empty()) {
        auto parsed = runner::parse_patterns(exclude_list, &error);
        if (!parsed)
            return usage_error("--exclude-cases: " + error);
        exclude = std::move(*parsed);
    }
    auto excludes = parse_agent_excludes(agent_excludes, error);
    if (!excludes)
        return usage_error(error);
    if (list_json && !list)
        return usage_error("--json is for --list");
    // Without --serve-autobahn the agent is known now: its excluded cases are not selected.
    auto excluded_for_agent = [&](const runner::case_def& c) {
        if (!serve_autobahn.empty())
            return false;
        for (const auto& [pattern, patterns] : *excludes)
            if (runner::agent_matches(pattern, agent) &&
                runner::matches_any(patterns, c.id, c.tags))
                return true;
        return false;
    };
    const auto& catalogue = cases::all_cases();
    const bool testing_client = !client_command.empty() || !serve_autobahn.empty() || browser;
    auto in_this_run = [&](const runner::case_def& c) {
        return testing_client ? runner::runs_against_clients(c) &&
                                    // A client driving the run cannot be sent to another port.
                                    (serve_autobahn.empty() || !runner::needs_started_client(c))
                              : !c.clients_only &&
                                    (http2 ? !runner::not_over_http2(c) : !runner::needs_http2(c));
    };
    std::vector<const runner::case_def*> selected;
    for (const auto& c : catalogue)
        if (runner::matches_any(*include, c.id, c.tags) &&
            !runner::matches_any(exclude, c.id, c.tags) && !excluded_for_agent(c) && in_this_run(c))
            selected.push_back(&c);
    std::vector<std::string> unmatched;
    for (const auto& p : *include)
        if (std::none_of(catalogue.begin(), catalogue.end(), [&](const runner::case_def& c) {
                return in_this_run(c) && p.matches(c.id, c.tags);
            }))
            unmatched.push_back(p.text());

    if (!seeds_dir.empty()) {
        auto written = export_seeds(selected, seeds_dir, error);
        if (!written)
            return usage_error(error);
        std::printf("exported %zu seeds to %s\n", *written, seeds_dir.c_str());
        return 0;
    }
    if (list && list_json) {
        print_listing(selected, unmatched, agent);
        return 0;
    }
    if (list) {
        for (const auto* c : selected)
            std::printf("%s\t%s%s%s\t%s\n", c->id.c_str(), c->group.c_str(),
                        c->subgroup.empty() ? "" : " / ", c->subgroup.c_str(), c->title.c_str());
        return 0;
    }
    if (!restart_command.empty() && restart_over_stdio)
        return usage_error("--restart-command and --restart-over-stdio exclude each other");
    if (selected.empty())
        return usage_error("no case matches --cases '" + cases_list + "'" +
                           (testing_client ? " among the cases run against clients" : ""));
    if (testing_client && http2)
        return usage_error("--http2 tests a server (--target); clients are tested over HTTP/1.1");
    if (testing_client && !target.empty())
        return usage_error(std::string("--target and ") +
                           (browser                  ? "--browser"
                            : serve_autobahn.empty() ? "--client-command"
                                                     : "--serve-autobahn") +
                           " exclude each other: one tests a server, the other a client");
    if (!client_command.empty() + !serve_autobahn.empty() + browser > 1)
        return usage_error("--client-command, --serve-autobahn and --browser exclude each other: "
                           "clients are started per case, drive the run themselves, or are a "
                           "browser's page");
    if (!serve_autobahn.empty()) {
        if (out.empty())
            return usage_error("--out DIR is required");
        return serve_autobahn_clients(serve_autobahn, std::move(*excludes), selected, out,
                                      timeout_scale, quiet,
                                      *runner::wire_log_mode_from_string(wire_log));
    }
    if (target.empty() && !testing_client)
        return usage_error("--target URL is required (or use run_suite.py, which starts the "
                           "reference server)");
    if (out.empty())
        return usage_error("--out DIR is required");

    runner::session_settings settings;
    std::shared_ptr<clients::exec_source> exec;
    std::shared_ptr<clients::browser_source> pages;
    std::optional<net::target_url> url;
    if (testing_client) {
        auto colon = listen.rfind(':');
        unsigned long port = 0;
        try {
            port = colon == std::string::npos ? 70000 : std::stoul(listen.substr(colon + 1));
        } catch (const std::exception&) {
            port = 70000;
        }
        if (port > 65535)
            return usage_error("bad --listen '" + listen + "': expected HOST:PORT");
        auto host = listen.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        clients::exec_settings es;
        es.command = client_command;
        es.host = host;
        es.port = static_cast<unsigned short>(port);
        {
            // The run's test CA: the TLS cases' certificates, and {ca} unless --ca names one.
            auto pki = clients::make_test_pki(error);
            auto ca = pki ? clients::write_test_pki(*pki, std::filesystem::path(out) / "tls", error)
                          : std::nullopt;
            if (!ca)
                return usage_error(error);
            es.ca_file = ca_file.empty() ? ca->string() : ca_file;
            es.pki = std::make_shared<const clients::test_pki>(std::move(*pki));
        }
        es.connect_wait *= timeout_scale;
        es.exit_wait *= timeout_scale;
        {
            // Can we listen there? Say so now, in one line, rather than fail every case.
            boost::asio::io_context probe;
            std::string listen_error;
            clients::case_listener l(probe.get_executor(), es.host, es.port, listen_error);
            if (!listen_error.empty())
                return usage_error(listen_error);
        }
        if (browser) {
            clients::browser_settings bs;
            bs.host = host;
            bs.port = es.port;
            bs.connect_wait *= timeout_scale;
            bs.page_wait *= timeout_scale;
            pages = std::make_shared<clients::browser_source>(std::move(bs));
            settings.clients = pages;
        } else {
            exec = std::make_shared<clients::exec_source>(std::move(es));
            settings.clients = exec;
            if (agent.empty())
                agent = client_agent(client_command);
        }
    } else {
        url = net::parse_url(target, &error);
        if (!url)
            return usage_error("bad --target '" + target + "': " + error);
        settings.url = *url;
    }
    if (!allowed_origin.empty() && !net::parse_origin(allowed_origin, &error))
        return usage_error("bad --allowed-origin '" + allowed_origin + "': " + error);
    settings.allowed_origin = allowed_origin;
    settings.set_timeout_scale(timeout_scale);
    for (const auto& h : headers) {
        auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0)
            return usage_error("bad --header '" + h + "': expected 'Name: value'");
        auto value = h.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        settings.extra_headers.push_back({h.substr(0, colon), value});
    }
    if (url && url->tls) {
        settings.tls_setup = {.verify = tls_verify || !ca_file.empty(), .ca_file = ca_file};
        if (http2) // RFC 9113 §3.2: HTTP/2 over TLS is chosen by ALPN
            settings.tls_setup.alpn = {"h2"};
        settings.tls = net::make_tls_context(settings.tls_setup, &error);
        if (!settings.tls)
            return usage_error(error);
    }
    if (agent.empty() && url)
        agent = url->host_header;
    if (http2)
        settings.http2 = std::make_shared<http2::shared_connection>(*url, settings.tls);

    runner::report_writer writer;
    writer.set_wire_log(*runner::wire_log_mode_from_string(wire_log));
    if (auto err = writer.prepare(out); !err.empty())
        return usage_error(err);
    if (auto err = testing_client ? std::string() : runner::probe_target(settings); !err.empty())
        return usage_error(err);
    if (pages) {
        if (!pages->open(error))
            return usage_error(error);
        // The one line a person (or a script that starts the browser) waits for.
        std::printf("open %s in the browser to test (%zu case%s)\n", pages->page_url().c_str(),
                    selected.size(), selected.size() == 1 ? "" : "s");
        std::fflush(stdout);
        if (!pages->wait_for_page())
            return usage_error("the page " + pages->page_url() + " was not opened within " +
                               runner::format_seconds(pages->page_wait()) + ": no case was run");
        if (agent.empty())
            agent = pages->agent();
    }

    const bool tty = ::isatty(STDERR_FILENO) != 0;
    std::size_t next_plain = 0;
    auto on_progress = [&](const runner::progress& p) {
        if (pages)
            pages->progress(p);
        if (quiet)
            return;
        if (tty) {
            std::fprintf(stderr, "\r[%zu/%zu] failed %zu  %-10s", p.done, p.total, p.failed,
                         p.last->id.c_str());
            if (p.done == p.total)
                std::fprintf(stderr, "\n");
        } else if (p.done * 10 >= next_plain * p.total || p.done == p.total) {
            std::fprintf(stderr, "progress: %zu/%zu cases done, %zu failed\n", p.done, p.total,
                         p.failed);
            next_plain = p.done * 10 / p.total + 1;
        }
    };

    runner::run_report report;
    report.started_at = iso_now();
    auto started = std::chrono::steady_clock::now();
    runner::target_report t{agent,
                            pages            ? pages->page_url()
                            : testing_client ? "exec: " + client_command
                                             : url->text,
                            testing_client ? "client" : "server",
                            http2 ? "h2" : "http/1.1",
                            selected,
                            {}};
    runner::run_options options;
    options.jobs = jobs;
    options.on_progress = on_progress;
    options.on_notice = [&](const std::string& line) {
        if (quiet)
            return;
        std::fprintf(stderr, "%swsconform: %s\n", tty ? "\n" : "", line.c_str());
    };
    if (restart_over_stdio)
        options.restart = runner::restart_over_stdio();
    else if (!restart_command.empty())
        options.restart = runner::restart_with_command(restart_command);
    options.back_within = runner::seconds(restart_wait);
    t.results = runner::run_cases(selected, settings, options);
    report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    report.targets.push_back(std::move(t));
    if (auto err = writer.write(report); !err.empty()) {
        if (pages)
            pages->finish("", "cannot write the report: " + err, 2);
        return usage_error(err);
    }
    const auto summary = summary_text(report.targets.front(), report.duration_ms);
    if (!quiet) {
        // fwrite, not fputs: a reason may quote a NUL the peer sent, and must not end the text.
        std::fwrite(summary.data(), 1, summary.size(), stdout);
        std::fflush(stdout);
    }
    std::printf("report: %s/index.json\n", out.c_str());
    std::fflush(stdout);

    const auto& results = report.targets.front().results;
    const int status = std::any_of(results.begin(), results.end(),
                                   [](const runner::case_result& r) {
                                       return r.overall == runner::verdict::failed;
                                   })
                           ? 1
                           : 0;
    if (pages) {
        std::error_code ec;
        auto where = std::filesystem::absolute(std::filesystem::path(out) / "index.json", ec);
        pages->finish(summary, ec ? out + "/index.json" : where.string(), status);
    }
    return status;
}
