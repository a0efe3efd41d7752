#include "harness/runner/report_writer.hpp"

#include "harness/codec/utf8.hpp"
#include "version.hpp"

#include <boost/json.hpp>
#include <boost/json/src.hpp> // Boost.JSON compiled into this one translation unit

#include <fstream>
#include <map>
#include <unistd.h>

namespace wsconform::runner {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string agent_slug(std::string_view agent) {
    std::string s;
    for (char c : agent) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u))
            s.push_back(static_cast<char>(std::tolower(u)));
        else if (c == '.' || c == '-' || c == '_')
            s.push_back(c);
        else
            s.push_back('_');
    }
    return s.empty() ? "agent" : s;
}

namespace {

constexpr std::size_t payload_cap = 4096; // bytes of a payload shown in events and frames
/// In a shortened record: its bytes are in its chunks' ends, a frame's payload is a preview.
constexpr std::size_t short_payload_cap = 256;

/// Adds length, text (when UTF-8) and hex of a payload, shown up to payload_cap bytes.
/// `total` is the real length when `p` is already a cut.
void payload_json(codec::byte_view p, json::object& into, std::size_t total = 0,
                  std::size_t cap = payload_cap) {
    auto shown = p.first(std::min(p.size(), cap));
    total = std::max(total, p.size());
    into["length"] = total;
    if (codec::is_valid_utf8(shown))
        into["text"] = codec::as_chars(shown);
    into["hex"] = codec::to_hex(shown);
    if (shown.size() < total)
        into["truncated"] = true;
}

json::object event_json(const event& e) {
    json::object o;
    switch (e.what) {
    case event::kind::message:
        o["type"] = "message";
        o["binary"] = e.binary;
        if (e.streamed_length) {
            // Checked byte for byte while it streamed in, not kept: only its length is known.
            o["length"] = *e.streamed_length;
            o["hex"] = "";
            if (*e.streamed_length > 0)
                o["truncated"] = true;
            o["streamed"] = true;
        } else {
            payload_json(e.payload, o);
        }
        break;
    case event::kind::ping:
        o["type"] = "ping";
        payload_json(e.payload, o);
        break;
    case event::kind::pong:
        o["type"] = "pong";
        payload_json(e.payload, o);
        break;
    case event::kind::timeout:
        o["type"] = "timeout";
        o["tag"] = e.tag;
        break;
    }
    return o;
}

constexpr std::size_t max_events = 1000; // events listed per list; the count is always given

json::array events_json(const std::vector<event>& events) {
    json::array a;
    for (std::size_t i = 0; i < events.size() && i < max_events; ++i)
        a.push_back(event_json(events[i]));
    return a;
}

json::value optional_code(const std::optional<codec::close_code>& c) {
    if (c)
        return *c;
    return nullptr;
}

/// The fields a case has both in index.json and in its wire record.
json::object case_entry(const case_def& c, const case_result& r) {
    json::object o;
    o["id"] = c.id;
    o["group"] = c.group;
    o["subgroup"] = c.subgroup;
    o["title"] = c.title;
    o["rfc"] = c.rfc;
    o["verdict"] = to_string(r.overall);
    o["behavior"] = to_string(r.behavior);
    o["behavior_close"] = to_string(r.behavior_close);
    o["expectation"] = c.expectation;
    o["observation"] = r.observation();
    o["result"] = r.result;
    o["result_close"] = r.result_close;
    o["remote_close_code"] = optional_code(r.remote_close_code);
    o["duration_ms"] = r.duration_ms;
    if (!c.severity.empty())
        o["severity"] = c.severity;
    if (!c.tags.empty()) {
        json::array tags;
        for (const auto& t : c.tags)
            tags.push_back(json::value(t));
        o["tags"] = std::move(tags);
    }
    if (!r.metrics.empty()) {
        json::object metrics;
        for (const auto& [name, value] : r.metrics) {
            // Whole numbers (sizes, counts, milliseconds) as JSON integers.
            if (value == static_cast<double>(static_cast<std::int64_t>(value)))
                metrics[name] = static_cast<std::int64_t>(value);
            else
                metrics[name] = value;
        }
        o["metrics"] = std::move(metrics);
    }
    return o;
}

json::object frame_json(const frame_record& f, std::size_t cap) {
    json::object fo;
    fo["t_us"] = f.t_us;
    fo["dir"] = f.sent ? "tx" : "rx";
    fo["fin"] = f.value.fin;
    fo["rsv"] = f.value.rsv;
    fo["opcode"] = codec::nibble(f.value.op);
    fo["opcode_name"] = codec::to_string(f.value.op);
    fo["masked"] = f.value.masked;
    if (f.value.masked)
        fo["mask_key"] = codec::to_hex(f.value.key);
    fo["declared_length"] = f.value.header_length();
    payload_json(f.value.payload, fo, f.payload_length, cap);
    return fo;
}

/// A shortened record's account of one direction's bytes.
json::object direction_json(const net::stream_ends& e) {
    return {{"bytes", e.total},
            {"head_bytes", e.head.size()},
            {"tail_from", e.tail_offset},
            {"middle_bytes", e.middle_length()},
            {"middle_sha256", e.middle_sha256}};
}

json::object wire_record(const target_report& t, const case_def& c, const case_result& r,
                         wire_log_mode mode) {
    json::object o = case_entry(c, r);
    o["agent"] = t.agent;
    o["url"] = t.url;
    json::array notes;
    for (const auto& n : r.notes)
        notes.push_back(json::value(n));
    o["notes"] = std::move(notes);
    json::object expected;
    for (const auto& e : c.expected)
        expected[to_string(e.result)] = events_json(e.events);
    o["expected"] = std::move(expected);
    json::array codes;
    for (auto code : c.close.codes)
        codes.push_back(code);
    o["expected_close"] = {{"closed_by_me", c.close.closed_by_me},
                           {"close_codes", std::move(codes)},
                           {"require_clean", c.close.require_clean},
                           {"wrong_endpoint_is_fatal", c.close.wrong_endpoint_is_fatal}};
    // Shortened (docs/report.md, --wire-log): the first and last events, frames and chunks at
    // either end of each direction with the SHA-256 of the middle bytes; said in `shortened`,
    // which comes before frames and chunks so that readers scanning a record's head find it.
    const bool shorten = shortens(mode, r.overall);
    json::object shortened;
    constexpr std::size_t keep = frames_kept_each_end;
    json::array received = events_json(r.received);
    if (shorten && received.size() > 2 * keep) {
        // 12.x, 13.x and 9.7/9.8 echo 1000 messages, each an event with nothing to debug.
        const std::size_t listed = received.size();
        json::array ends;
        for (std::size_t i = 0; i < listed; ++i)
            if (i < keep || i >= listed - keep)
                ends.push_back(std::move(received[i]));
        received = std::move(ends);
        shortened["received"] = {{"left_out", listed - 2 * keep}, {"left_out_from", keep}};
    }
    o["received"] = std::move(received);
    o["received_count"] = r.received.size();
    o["closed_by_me"] = r.closed_by_me;
    o["failed_by_me"] = r.failed_by_me;
    o["dropped_by_me"] = r.dropped_by_me;
    o["was_clean"] = r.was_clean;
    o["remote_close_reason"] = r.remote_close_reason;
    o["local_close_code"] = optional_code(r.local_close_code);
    o["started_at"] = r.started_at;
    o["handshake_us"] = r.handshake_us;
    o["http_request"] = r.request;
    o["http_response"] = r.response;
    const std::size_t logged = r.frames.size();
    const bool cut_frames = shorten && logged > 2 * keep;
    auto kept = shorten ? shorten_chunks(r.chunks, r.stream_ends) : std::nullopt;
    const std::size_t cap = cut_frames || kept ? short_payload_cap : payload_cap;
    json::array frames;
    std::uint64_t left_out_payload = 0;
    for (std::size_t i = 0; i < logged; ++i) {
        if (cut_frames && i >= keep && i < logged - keep)
            left_out_payload += r.frames[i].payload_length;
        else
            frames.push_back(frame_json(r.frames[i], cap));
    }
    if (cut_frames)
        shortened["frames"] = {{"logged", logged},
                               {"left_out", logged - 2 * keep},
                               {"left_out_from", keep},
                               {"left_out_payload_bytes", left_out_payload}};
    json::array chunks;
    if (kept) {
        for (const auto& k : *kept) {
            const auto& ch = r.chunks[k.index];
            json::object co{{"t_us", ch.t_us},
                            {"dir", ch.sent ? "tx" : "rx"},
                            {"length", ch.length},
                            {"hex", codec::to_hex(k.data)}};
            if (k.data.size() != ch.length) {
                json::array ranges;
                for (const auto& [from, to] : k.ranges)
                    ranges.push_back(json::array{from, to});
                co["kept"] = std::move(ranges);
            }
            chunks.push_back(std::move(co));
        }
        shortened["chunks"] = {{"listed", kept->size()},
                               {"left_out", r.chunks.size() - kept->size()},
                               {"tx", direction_json(r.stream_ends[1])},
                               {"rx", direction_json(r.stream_ends[0])}};
    } else {
        for (const auto& ch : r.chunks) {
            json::object co{
                {"t_us", ch.t_us}, {"dir", ch.sent ? "tx" : "rx"}, {"length", ch.length}};
            if (ch.data.size() == ch.length)
                co["hex"] = codec::to_hex(ch.data);
            else
                co["elided"] = true; // beyond the recording budget
            chunks.push_back(std::move(co));
        }
    }
    if (!shortened.empty()) {
        shortened["mode"] = to_string(mode);
        o["shortened"] = std::move(shortened);
    }
    o["frames"] = std::move(frames);
    o["chunks"] = std::move(chunks);
    return o;
}

std::string write_file(const fs::path& path, const json::value& v) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return "cannot write " + path.string();
    out << json::serialize(v) << '\n';
    out.close();
    if (!out)
        return "cannot write " + path.string() + " (disk full?)";
    return {};
}

/// Where case `i` of target `t` keeps its wire record, relative to OUT.
std::string record_path(const target_report& t, std::size_t i) {
    return "cases/" + agent_slug(t.agent) + "/" + t.cases[i]->id + ".json";
}

json::object index_json(const run_report& report) {
    json::object index;
    index["schema"] = "wsconform-report/1";
    index["tool"] = {{"name", "wsconform"}, {"version", WSCONFORM_VERSION}};
    index["started_at"] = report.started_at;
    index["duration_ms"] = report.duration_ms;
    json::array targets;
    for (const auto& t : report.targets) {
        std::map<std::string, std::size_t> counts{{"OK", 0},
                                                  {"NON-STRICT", 0},
                                                  {"INFORMATIONAL", 0},
                                                  {"UNIMPLEMENTED", 0},
                                                  {"FAILED", 0}};
        json::array cases;
        for (std::size_t i = 0; i < t.cases.size(); ++i) {
            ++counts[std::string(to_string(t.results[i].overall))];
            json::object o = case_entry(*t.cases[i], t.results[i]);
            o["wire_log"] = record_path(t, i);
            cases.push_back(std::move(o));
        }
        json::object summary;
        summary["total"] = t.cases.size();
        for (const auto& [k, v] : counts)
            summary[k] = v;
        targets.push_back(json::object{{"agent", t.agent},
                                       {"url", t.url},
                                       {"mode", t.mode},
                                       {"transport", t.transport},
                                       {"summary", std::move(summary)},
                                       {"cases", std::move(cases)}});
    }
    index["targets"] = std::move(targets);
    return index;
}

/// Writes `v` to `path` through a temporary file and a rename: a reader sees the old file or
/// the new one, never half of one.
std::string replace_file(const fs::path& path, const json::value& v) {
    auto temporary = path;
    temporary += ".tmp-" + std::to_string(::getpid());
    if (auto err = write_file(temporary, v); !err.empty())
        return err;
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec)
        return "cannot replace " + path.string() + ": " + ec.message();
    return {};
}

} // namespace

std::string report_writer::write_record(const target_report& t, std::size_t i) {
    std::error_code ec;
    fs::create_directories(out_ / "cases" / agent_slug(t.agent), ec);
    if (ec)
        return "cannot create " + (out_ / "cases" / agent_slug(t.agent)).string() + ": " +
               ec.message();
    return replace_file(out_ / record_path(t, i),
                        wire_record(t, *t.cases[i], t.results[i], wire_log_));
}

std::string report_writer::write_index(const run_report& report) {
    return replace_file(out_ / "index.json", index_json(report));
}

report_writer::~report_writer() {
    std::error_code ec;
    if (!staging_.empty())
        fs::remove_all(staging_, ec);
}

std::string report_writer::prepare(const fs::path& out) {
    out_ = out;
    std::error_code ec;
    fs::create_directories(out_, ec);
    if (ec)
        return "cannot create output directory " + out_.string() + ": " + ec.message();
    staging_ = out_ / (".staging-" + std::to_string(::getpid()));
    fs::remove_all(staging_, ec);
    fs::create_directories(staging_ / "cases", ec);
    if (ec)
        return "output directory " + out_.string() + " is not writable: " + ec.message();
    return {};
}

std::string report_writer::write(const run_report& report) {
    for (const auto& t : report.targets) {
        std::error_code ec;
        fs::create_directories(staging_ / "cases" / agent_slug(t.agent), ec);
        if (ec)
            return "cannot create " + (staging_ / "cases" / agent_slug(t.agent)).string() + ": " +
                   ec.message();
        for (std::size_t i = 0; i < t.cases.size(); ++i)
            if (auto err = write_file(staging_ / record_path(t, i),
                                      wire_record(t, *t.cases[i], t.results[i], wire_log_));
                !err.empty())
                return err;
    }
    if (auto err = write_file(staging_ / "index.json", index_json(report)); !err.empty())
        return err;

    // Move into place: the old cases/ folder goes aside first, index.json is replaced by an
    // atomic rename last, so a reader sees either the old report or the new one.
    std::error_code ec;
    auto old_cases = out_ / (".old-cases-" + std::to_string(::getpid()));
    if (fs::exists(out_ / "cases"))
        fs::rename(out_ / "cases", old_cases, ec);
    if (!ec)
        fs::rename(staging_ / "cases", out_ / "cases", ec);
    if (!ec)
        fs::rename(staging_ / "index.json", out_ / "index.json", ec);
    if (ec)
        return "cannot move the report into " + out_.string() + ": " + ec.message();
    fs::remove_all(old_cases, ec);
    fs::remove_all(staging_, ec);
    return {};
}

} // namespace wsconform::runner
