#pragma once
/// Writes the run's result contract: OUT/index.json (schema wsconform-report/1, see
/// docs/report.md) and one wire record per case under OUT/cases/<agent>/<id>.json. Nothing
/// already in OUT is replaced until the new report is complete.

#include "harness/runner/case.hpp"
#include "harness/runner/record_shortening.hpp"
#include "harness/runner/session.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace wsconform::runner {

struct target_report {
    std::string agent;
    std::string url;
    std::string mode = "server";
    std::string transport = "http/1.1"; ///< how the WebSocket travelled: "http/1.1" or "h2"
    std::vector<const case_def*> cases;
    std::vector<case_result> results; ///< same order as cases
};

struct run_report {
    std::string started_at;
    std::int64_t duration_ms = 0;
    std::vector<target_report> targets;
};

/// A file-name-safe form of an agent name (lower-case, [a-z0-9._-] kept, others '_').
std::string agent_slug(std::string_view agent);

class report_writer {
  public:
    report_writer() = default;
    report_writer(const report_writer&) = delete;
    report_writer& operator=(const report_writer&) = delete;
    /// Removes the staging folder if the report was never completed.
    ~report_writer();

    /// Prepares OUT for writing (creates it and a staging folder inside it). Returns "" or a
    /// one-line error (unwritable directory, ...).
    std::string prepare(const std::filesystem::path& out);
    /// How much of each case's traffic its record keeps (--wire-log; default `failed`).
    void set_wire_log(wire_log_mode mode) { wire_log_ = mode; }
    /// Writes everything into the staging folder, then moves it into place.
    std::string write(const run_report& report);

    /// Writing as results come (a server that clients drive, case by case, and that may be
    /// stopped at any time): the wire record of case `i` of `t`, and index.json for the report
    /// so far, each replaced atomically in OUT (no staging). prepare() first.
    std::string write_record(const target_report& t, std::size_t i);
    std::string write_index(const run_report& report);

  private:
    std::filesystem::path out_;
    std::filesystem::path staging_;
    wire_log_mode wire_log_ = wire_log_mode::failed;
};

} // namespace wsconform::runner
