#include "harness/livefuzz/reproducer.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

namespace wsconform::livefuzz {

namespace json = boost::json;

namespace {

/// Two-space indented JSON, one step per block, so a reproducer reads well in a review.
void pretty(std::ostream& os, const json::value& v, int indent = 0) {
    const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
    if (const auto* o = v.if_object()) {
        if (o->empty()) {
            os << "{}";
            return;
        }
        os << "{\n";
        bool first = true;
        for (const auto& [key, value] : *o) {
            os << (first ? "" : ",\n") << inner << json::serialize(json::string(key)) << ": ";
            pretty(os, value, indent + 1);
            first = false;
        }
        os << "\n" << pad << "}";
    } else if (const auto* a = v.if_array()) {
        if (a->empty()) {
            os << "[]";
            return;
        }
        os << "[\n";
        for (std::size_t i = 0; i < a->size(); ++i) {
            os << (i ? ",\n" : "") << inner;
            pretty(os, (*a)[i], indent + 1);
        }
        os << "\n" << pad << "]";
    } else {
        os << json::serialize(v);
    }
}

bool missing(const json::value* v, std::string_view key, std::string& error) {
    if (!v)
        error = "missing \"" + std::string(key) + "\"";
    return v == nullptr;
}
bool wrong_type(std::string_view key, std::string& error) {
    error = "\"" + std::string(key) + "\" has the wrong type";
    return false;
}

bool get(const json::object& o, std::string_view key, std::string& out, std::string& error) {
    const auto* v = o.if_contains(key);
    if (missing(v, key, error))
        return false;
    if (!v->is_string())
        return wrong_type(key, error);
    out = std::string(v->as_string());
    return true;
}

bool get(const json::object& o, std::string_view key, bool& out, std::string& error) {
    const auto* v = o.if_contains(key);
    if (missing(v, key, error))
        return false;
    if (!v->is_bool())
        return wrong_type(key, error);
    out = v->as_bool();
    return true;
}

template <class T>
requires std::is_unsigned_v<T>
bool get(const json::object& o, std::string_view key, T& out, std::string& error) {
    const auto* v = o.if_contains(key);
    if (missing(v, key, error))
        return false;
    if (v->is_uint64() && v->as_uint64() <= std::numeric_limits<T>::max())
        out = static_cast<T>(v->as_uint64());
    else if (v->is_int64() && v->as_int64() >= 0 &&
             static_cast<std::uint64_t>(v->as_int64()) <= std::numeric_limits<T>::max())
        out = static_cast<T>(v->as_int64());
    else
        return wrong_type(key, error);
    return true;
}

} // namespace

std::string to_json(const reproducer& r) {
    json::object o;
    o["schema"] = reproducer_schema;
    o["signature"] = r.sig.text();
    o["kind"] = r.sig.kind;
    o["rule"] = r.sig.rule;
    o["description"] = r.description;
    o["observed"] = r.observed;
    o["target"] = r.target;
    o["seed"] = r.seed;
    o["input_index"] = r.input_index;
    o["origin"] = r.origin;
    o["confirmed"] = r.confirmed;
    o["minimised"] = r.minimised;
    o["original_steps"] = r.original_steps;
    o["minimisation_trials"] = r.trials;
    o["write_chunk"] = r.input.write_chunk;
    o["canary"] = json::object{{"text", canary_text}, {"key", codec::to_hex(r.input.canary_key)}};
    json::array steps;
    for (const auto& s : r.input.steps)
        steps.push_back(json::object{
            {"hex", codec::to_hex(wire_bytes(s))}, {"delay_ms", s.delay_ms}, {"is", describe(s)}});
    o["steps"] = std::move(steps);
    o["wire_hex"] = codec::to_hex(wire_bytes(r.input));
    std::ostringstream os;
    pretty(os, o);
    os << '\n';
    return os.str();
}

std::optional<reproducer> from_json(std::string_view text, std::string& error) {
    json::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        error = "not a JSON object" + (ec ? ": " + ec.message() : std::string());
        return std::nullopt;
    }
    const auto& o = v.as_object();
    reproducer r;
    std::string schema, key_hex;
    if (!get(o, "schema", schema, error))
        return std::nullopt;
    if (schema != reproducer_schema) {
        error = "unknown schema '" + schema + "' (expected " + std::string(reproducer_schema) + ")";
        return std::nullopt;
    }
    if (!get(o, "kind", r.sig.kind, error) || !get(o, "rule", r.sig.rule, error) ||
        !get(o, "write_chunk", r.input.write_chunk, error))
        return std::nullopt;
    // Informational fields: absent or odd values do not stop a replay.
    std::string ignored;
    get(o, "description", r.description, ignored);
    get(o, "observed", r.observed, ignored);
    get(o, "target", r.target, ignored);
    get(o, "origin", r.origin, ignored);
    get(o, "seed", r.seed, ignored);
    get(o, "input_index", r.input_index, ignored);
    get(o, "confirmed", r.confirmed, ignored);
    get(o, "minimised", r.minimised, ignored);
    get(o, "original_steps", r.original_steps, ignored);
    get(o, "minimisation_trials", r.trials, ignored);
    r.input.origin = r.origin;

    const auto* canary = o.if_contains("canary");
    codec::bytes key;
    if (!canary || !canary->is_object() || !get(canary->as_object(), "key", key_hex, error) ||
        !codec::from_hex(key_hex, key) || key.size() != 4) {
        error = "\"canary\" needs a 4-byte \"key\" in hex";
        return std::nullopt;
    }
    std::copy(key.begin(), key.end(), r.input.canary_key.begin());

    const auto* steps = o.if_contains("steps");
    if (!steps || !steps->is_array() || steps->as_array().empty()) {
        error = "\"steps\" must be a non-empty array";
        return std::nullopt;
    }
    for (std::size_t i = 0; i < steps->as_array().size(); ++i) {
        const auto& s = steps->as_array()[i];
        std::string hex;
        std::uint32_t delay = 0;
        codec::bytes data;
        if (!s.is_object() || !get(s.as_object(), "hex", hex, error) ||
            !codec::from_hex(hex, data) || data.empty()) {
            error = "step " + std::to_string(i + 1) + ": needs non-empty \"hex\"";
            return std::nullopt;
        }
        get(s.as_object(), "delay_ms", delay, ignored);
        // Back to structure where the bytes are one frame, so a replayed input can be
        // minimised again.
        auto parsed = steps_from_bytes(data);
        if (parsed.size() == 1 && parsed.front().is_frame() && wire_bytes(parsed.front()) == data)
            r.input.steps.emplace_back(std::move(parsed.front().frame()), delay);
        else
            r.input.steps.emplace_back(std::move(data), delay);
    }
    return r;
}

std::string file_name(const signature& sig) {
    std::string name;
    for (char c : sig.kind + "-" + sig.rule)
        name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                               c == '+' || c == '.'
                           ? c
                           : '_');
    return name + ".json";
}

std::filesystem::path write_reproducer(const std::filesystem::path& dir, const reproducer& r,
                                       std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir.string() + ": " + ec.message();
        return {};
    }
    auto path = dir / file_name(r.sig);
    auto partial = path;
    partial += ".partial";
    {
        std::ofstream file(partial, std::ios::binary | std::ios::trunc);
        file << to_json(r);
        if (!file.flush()) {
            error = "cannot write " + partial.string();
            file.close();
            std::filesystem::remove(partial, ec);
            return {};
        }
    }
    std::filesystem::rename(partial, path, ec);
    if (ec) {
        error = "cannot write " + path.string() + ": " + ec.message();
        std::filesystem::remove(partial, ec);
        return {};
    }
    return path;
}

std::optional<reproducer> read_reproducer(const std::filesystem::path& file, std::string& error) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = "cannot read " + file.string();
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto r = from_json(text.str(), error);
    if (!r)
        error = file.string() + ": " + error;
    return r;
}

} // namespace wsconform::livefuzz
