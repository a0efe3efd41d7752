#include "harness/codec/deflate.hpp"

// next_in becomes a pointer to const, so input spans need no const_cast.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <new>
#include <stdexcept>

namespace wsconform::codec {

// ---- Errors ---------------------------------------------------------------------------------

namespace {
struct error_info {
    std::string_view message;
    std::string_view reference;
};

error_info describe(deflate_error e) {
    using enum deflate_error;
    switch (e) {
    case malformed_header:
        return {"Sec-WebSocket-Extensions element is not token *(\";\" token [\"=\" value])",
                "RFC 6455 §9.1"};
    case unknown_parameter:
        return {"permessage-deflate parameter not defined for this side", "RFC 7692 §7"};
    case duplicate_parameter:
        return {"permessage-deflate parameter given more than once", "RFC 7692 §7"};
    case invalid_window_bits:
        return {"window bits not an integer 8..15 without a leading zero", "RFC 7692 §7.1.2"};
    case unexpected_value:
        return {"value on a no_context_takeover parameter, which takes none", "RFC 7692 §7.1.1"};
    case missing_value:
        return {"max_window_bits parameter without a required value", "RFC 7692 §7.1.2"};
    case client_window_bits_not_offered:
        return {"client_max_window_bits in the response although the offer did not have it",
                "RFC 7692 §7.1.2.2"};
    case server_window_bits_too_large:
        return {"server_max_window_bits in the response larger than offered", "RFC 7692 §7.1.2.1"};
    case server_window_bits_ignored:
        return {"offered server_max_window_bits missing from the response", "RFC 7692 §7.1.2.1"};
    case server_no_context_takeover_ignored:
        return {"offered server_no_context_takeover missing from the response",
                "RFC 7692 §7.1.1.1"};
    case selected_twice:
        return {"permessage-deflate accepted more than once (both would use RSV1)", "RFC 7692 §5"};
    case extension_not_offered:
        return {"response selects an extension that was not offered", "RFC 6455 §9.1"};
    case inflate_corrupt:
        return {"compressed message is not valid DEFLATE data", "RFC 7692 §7.2.2"};
    case inflate_incomplete:
        return {"compressed message does not end at a DEFLATE block boundary", "RFC 7692 §7.2.1"};
    case inflate_limit_exceeded:
        return {"inflated message exceeds the configured limit", "RFC 6455 §10.4"};
    }
    return {"unknown permessage-deflate error", ""};
}

class category : public std::error_category {
  public:
    const char* name() const noexcept override { return "websocket.deflate"; }
    std::string message(int ev) const override {
        auto info = describe(static_cast<deflate_error>(ev));
        return std::string(info.message) + " (" + std::string(info.reference) + ")";
    }
};
} // namespace

const std::error_category& deflate_category() {
    static const category instance;
    return instance;
}

std::string_view rfc_reference(deflate_error e) {
    return describe(e).reference;
}

// ---- Header syntax (RFC 6455 §9.1) ----------------------------------------------------------

namespace {
constexpr std::string_view extension_name = "permessage-deflate";

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

// The elements of every value, split at commas outside quoted strings (a quoted value may hold
// a comma before it is rejected as a non-token). Empty elements are dropped (RFC 9110 §5.6.1).
std::vector<std::string_view> split_elements(std::span<const std::string> values) {
    std::vector<std::string_view> out;
    for (std::string_view v : values) {
        bool quoted = false;
        std::size_t start = 0;
        for (std::size_t i = 0; i <= v.size(); ++i) {
            if (i < v.size()) {
                char c = v[i];
                if (quoted && c == '\\') {
                    ++i;
                    continue;
                }
                if (c == '"')
                    quoted = !quoted;
                if (quoted || c != ',')
                    continue;
            }
            auto element = trim_ows(v.substr(start, i - start));
            if (!element.empty())
                out.push_back(element);
            start = i + 1;
        }
    }
    return out;
}

struct raw_param {
    std::string_view name;
    std::optional<std::string> value; ///< unquoted
    std::string_view text;            ///< as written, for reports
};

struct raw_element {
    std::string_view name;
    std::vector<raw_param> params;
};

// extension = token *( ";" token [ "=" ( token | quoted-string ) ] ), whitespace allowed around
// the separators (RFC 6455 §9.1 uses RFC 2616's implied *LWS). A quoted value must still be a
// token once unescaped.
std::optional<raw_element> parse_element(std::string_view s) {
    std::size_t i = 0;
    auto skip_ows = [&] {
        while (i < s.size() && is_ows(s[i]))
            ++i;
    };
    auto token = [&] {
        std::size_t begin = i;
        while (i < s.size() && is_tchar(s[i]))
            ++i;
        return s.substr(begin, i - begin);
    };
    raw_element el;
    skip_ows();
    el.name = token();
    if (el.name.empty())
        return std::nullopt;
    skip_ows();
    while (i < s.size()) {
        if (s[i] != ';')
            return std::nullopt;
        ++i;
        skip_ows();
        raw_param p;
        std::size_t begin = i;
        p.name = token();
        if (p.name.empty())
            return std::nullopt;
        skip_ows();
        if (i < s.size() && s[i] == '=') {
            ++i;
            skip_ows();
            if (i < s.size() && s[i] == '"') {
                std::string v;
                bool closed = false;
                for (++i; i < s.size();) {
                    char c = s[i++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (i == s.size())
                            return std::nullopt;
                        c = s[i++];
                    }
                    v.push_back(c);
                }
                if (!closed || !is_token(v))
                    return std::nullopt;
                p.value = std::move(v);
            } else {
                auto v = token();
                if (v.empty())
                    return std::nullopt;
                p.value = std::string(v);
            }
        }
        p.text = trim_ows(s.substr(begin, i - begin));
        skip_ows();
        el.params.push_back(std::move(p));
    }
    return el;
}

// §7.1.2.1/§7.1.2.2: a decimal integer 8..15 without leading zeroes.
std::optional<int> parse_window_bits(std::string_view v) {
    if (v.empty() || v.size() > 2 || v[0] == '0' ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    int bits = 0;
    for (char c : v)
        bits = bits * 10 + (c - '0');
    if (bits < 8 || bits > 15)
        return std::nullopt;
    return bits;
}

enum class side : std::uint8_t { offer, response };

std::string quote(std::string_view s) {
    return "'" + std::string(s) + "'";
}

// Fills `out` from the parameters of one permessage-deflate element; the first problem wins.
std::error_code parse_params(const raw_element& el, side where, deflate_params& out,
                             std::string& detail) {
    static constexpr std::array<std::string_view, 4> names = {
        "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
        "client_max_window_bits"};
    std::array<bool, 4> seen{};
    for (const auto& p : el.params) {
        auto it = std::find_if(names.begin(), names.end(),
                               [&](std::string_view n) { return iequals(n, p.name); });
        detail = quote(p.text);
        if (it == names.end())
            return deflate_error::unknown_parameter;
        auto index = static_cast<std::size_t>(it - names.begin());
        if (seen[index])
            return deflate_error::duplicate_parameter;
        seen[index] = true;
        if (index < 2) {
            if (p.value)
                return deflate_error::unexpected_value;
            (index == 0 ? out.server_no_context_takeover : out.client_no_context_takeover) = true;
            continue;
        }
        if (!p.value) {
            // Only an offer's client_max_window_bits may stand alone (§7.1.2.2).
            if (index == 2 || where == side::response)
                return deflate_error::missing_value;
            out.client_max_window_bits.emplace();
            continue;
        }
        auto bits = parse_window_bits(*p.value);
        if (!bits)
            return deflate_error::invalid_window_bits;
        if (index == 2)
            out.server_max_window_bits = *bits;
        else
            out.client_max_window_bits = std::optional<int>(*bits);
    }
    detail.clear();
    return {};
}

std::string format_element(const deflate_params& p) {
    std::string s(extension_name);
    if (p.server_no_context_takeover)
        s += "; server_no_context_takeover";
    if (p.client_no_context_takeover)
        s += "; client_no_context_takeover";
    if (p.server_max_window_bits)
        s += "; server_max_window_bits=" + std::to_string(*p.server_max_window_bits);
    if (p.client_max_window_bits) {
        s += "; client_max_window_bits";
        if (*p.client_max_window_bits)
            s += "=" + std::to_string(**p.client_max_window_bits);
    }
    return s;
}
} // namespace

// ---- Negotiation ----------------------------------------------------------------------------

std::string make_deflate_offer(const deflate_params& offer) {
    return format_element(offer);
}

std::string make_deflate_response(const deflate_params& agreed) {
    return format_element(agreed);
}

deflate_negotiation parse_deflate_response(std::span<const std::string> header_values,
                                           const deflate_params& offer,
                                           std::span<const std::string> other_offered) {
    deflate_negotiation result;
    auto fail = [&](deflate_error e, std::string detail) {
        result.error = e;
        result.agreed.reset();
        result.detail = std::move(detail);
        return result;
    };
    for (auto text : split_elements(header_values)) {
        auto el = parse_element(text);
        if (!el)
            return fail(deflate_error::malformed_header, quote(text));
        if (!iequals(el->name, extension_name)) {
            if (std::any_of(other_offered.begin(), other_offered.end(),
                            [&](const std::string& n) { return iequals(n, el->name); }))
                continue;
            return fail(deflate_error::extension_not_offered, quote(el->name));
        }
        if (result.agreed)
            return fail(deflate_error::selected_twice, quote(text));
        deflate_params p;
        std::string detail;
        if (auto ec = parse_params(*el, side::response, p, detail)) {
            result.error = ec;
            result.detail = detail + " in " + quote(text);
            return result;
        }
        // The client must support what the response represents (§7).
        if (p.client_max_window_bits && !offer.client_max_window_bits)
            return fail(deflate_error::client_window_bits_not_offered, quote(text));
        if (offer.server_no_context_takeover && !p.server_no_context_takeover)
            return fail(deflate_error::server_no_context_takeover_ignored, quote(text));
        if (offer.server_max_window_bits) {
            if (!p.server_max_window_bits)
                return fail(deflate_error::server_window_bits_ignored, quote(text));
            if (*p.server_max_window_bits > *offer.server_max_window_bits)
                return fail(deflate_error::server_window_bits_too_large,
                            std::to_string(*p.server_max_window_bits) + " > offered " +
                                std::to_string(*offer.server_max_window_bits) + " in " +
                                quote(text));
        }
        result.agreed = p;
    }
    return result;
}

deflate_negotiation parse_deflate_response(const std::vector<header_field>& headers,
                                           const deflate_params& offer,
                                           std::span<const std::string> other_offered) {
    // Whole lines: header_list() would split inside quoted strings.
    std::vector<std::string> values;
    for (const auto& h : headers)
        if (iequals(h.name, "Sec-WebSocket-Extensions"))
            values.push_back(h.value);
    return parse_deflate_response(values, offer, other_offered);
}

std::vector<deflate_offer> parse_deflate_offers(std::span<const std::string> header_values) {
    std::vector<deflate_offer> offers;
    for (auto text : split_elements(header_values)) {
        auto el = parse_element(text);
        if (!el) {
            // Judge a broken element by the name it starts with.
            if (iequals(trim_ows(text.substr(0, text.find(';'))), extension_name))
                offers.push_back({{}, deflate_error::malformed_header, quote(text)});
            continue;
        }
        if (!iequals(el->name, extension_name))
            continue;
        deflate_offer offer;
        if ((offer.error = parse_params(*el, side::offer, offer.params, offer.detail)))
            offer.detail += " in " + quote(text);
        offers.push_back(std::move(offer));
    }
    return offers;
}

deflate_negotiation negotiate_deflate(const std::vector<header_field>& response_headers,
                                      std::span<const deflate_offer> offers,
                                      std::span<const std::string> other_offered) {
    std::optional<deflate_negotiation> first_error;
    for (const auto& o : offers) {
        if (o.error)
            continue;
        auto judged = parse_deflate_response(response_headers, o.params, other_offered);
        judged.offer = o.params;
        if (!judged.error)
            return judged;
        if (!first_error)
            first_error = std::move(judged);
    }
    return first_error ? std::move(*first_error) : deflate_negotiation{};
}

deflate_stream_config client_sending_config(const deflate_params& agreed,
                                            const deflate_params& offer) {
    auto config = sending_config(agreed, deflate_role::client);
    if (offer.client_max_window_bits && *offer.client_max_window_bits)
        config.window_bits = std::min(config.window_bits, **offer.client_max_window_bits);
    return config;
}

deflate_stream_config sending_config(const deflate_params& agreed, deflate_role self) {
    if (self == deflate_role::server)
        return {agreed.server_max_window_bits.value_or(15), !agreed.server_no_context_takeover};
    int bits = agreed.client_max_window_bits ? agreed.client_max_window_bits->value_or(15) : 15;
    return {bits, !agreed.client_no_context_takeover};
}

deflate_stream_config receiving_config(const deflate_params& agreed, deflate_role self) {
    return sending_config(agreed, self == deflate_role::client ? deflate_role::server
                                                               : deflate_role::client);
}

// ---- zlib streams ---------------------------------------------------------------------------

namespace {
constexpr std::array<byte, 4> sync_tail = {0x00, 0x00, 0xff, 0xff};

[[noreturn]] void zlib_failure(int rc, const char* what) {
    if (rc == Z_MEM_ERROR)
        throw std::bad_alloc();
    throw std::logic_error(std::string(what) + " failed with zlib code " + std::to_string(rc));
}

uInt clamp_uint(std::size_t n) {
    return static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX));
}
} // namespace

// z_stream is pinned in memory (zlib keeps a pointer back to it), hence the heap and the
// deleted moves; the owning classes move the unique_ptr instead.
struct deflater::stream {
    z_stream z{};
    stream(int level, int bits, int mem_level) {
        int rc = deflateInit2(&z, level, Z_DEFLATED, -bits, mem_level, Z_DEFAULT_STRATEGY);
        if (rc != Z_OK)
            zlib_failure(rc, "deflateInit2");
    }
    ~stream() { deflateEnd(&z); }
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
};

deflater::deflater(const deflater_options& options) : options_(options) {
    if (options.window_bits < 8 || options.window_bits > 15)
        throw std::invalid_argument("deflater window bits must be 8..15");
    if (options.level < -1 || options.level > 9 || options.mem_level < 1 || options.mem_level > 9)
        throw std::invalid_argument("deflater level must be -1..9 and mem_level 1..9");
    z_ = std::make_unique<stream>(options.level, window_bits(), options.mem_level);
}

deflater::~deflater() = default;
deflater::deflater(deflater&&) noexcept = default;
deflater& deflater::operator=(deflater&&) noexcept = default;

bytes deflater::compress_message(byte_view message) {
    // An empty message is an empty stored block whose LEN/NLEN the tail supplies (§7.2.3.6).
    // zlib would emit nothing at all for a second flush in a row, so do not ask it.
    if (message.empty())
        return {0x00};
    auto& z = z_->z;
    bytes out(std::max<std::size_t>(64, deflateBound(&z, message.size()) + 16));
    std::size_t used = 0;
    auto rest = message;
    while (!rest.empty()) {
        uInt take = clamp_uint(rest.size());
        bool last = take == rest.size();
        z.next_in = rest.data();
        z.avail_in = take;
        do {
            if (used == out.size())
                out.resize(out.size() * 2);
            uInt room = clamp_uint(out.size() - used);
            z.next_out = out.data() + used;
            z.avail_out = room;
            int rc = deflate(&z, last ? Z_SYNC_FLUSH : Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                zlib_failure(rc, "deflate");
            used += room - z.avail_out;
        } while (z.avail_out == 0);
        rest = rest.subspan(take);
    }
    out.resize(used);
    // Z_SYNC_FLUSH ends with an empty stored block; its LEN/NLEN go (§7.2.1).
    if (out.size() >= sync_tail.size() &&
        std::equal(sync_tail.begin(), sync_tail.end(), out.end() - sync_tail.size()))
        out.resize(out.size() - sync_tail.size());
    if (!options_.context_takeover) {
        int rc = deflateReset(&z);
        if (rc != Z_OK)
            zlib_failure(rc, "deflateReset");
    }
    return out;
}

struct inflater::stream {
    z_stream z{};
    explicit stream(int bits) {
        int rc = inflateInit2(&z, -bits);
        if (rc != Z_OK)
            zlib_failure(rc, "inflateInit2");
    }
    ~stream() { inflateEnd(&z); }
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
};

inflater::inflater(const inflater_options& options, inflate_sink sink)
    : options_(options), sink_(std::move(sink)) {
    if (options.window_bits < 8 || options.window_bits > 15)
        throw std::invalid_argument("inflater window bits must be 8..15");
    if (options.chunk == 0 || options.chunk > UINT_MAX)
        throw std::invalid_argument("inflater chunk must be 1..UINT_MAX bytes");
    z_ = std::make_unique<stream>(options.window_bits);
    out_.resize(options.chunk);
}

inflater::~inflater() = default;
inflater::inflater(inflater&&) noexcept = default;
inflater& inflater::operator=(inflater&&) noexcept = default;

std::size_t inflater::retained_bytes() const {
    return out_.capacity() + message_.capacity();
}

std::error_code inflater::fail(deflate_error e, std::string detail) {
    error_ = e;
    error_detail_ = std::move(detail);
    in_message_ = false;
    return error_;
}

void inflater::reset() {
    int rc = inflateReset(&z_->z);
    if (rc != Z_OK)
        zlib_failure(rc, "inflateReset");
    message_.clear();
    message_size_ = 0;
    message_in_ = 0;
    in_message_ = false;
    at_boundary_ = true;
    error_.clear();
    error_detail_.clear();
}

// After a BFINAL block zlib ends the stream; what follows is decoded as a new stream that
// still sees the old window, as if the final block had been an ordinary one.
void inflater::restart_keeping_window() {
    auto& z = z_->z;
    bytes window(std::size_t{1} << options_.window_bits);
    uInt length = 0;
    int rc = inflateGetDictionary(&z, window.data(), &length);
    if (rc == Z_OK)
        rc = inflateReset(&z);
    if (rc == Z_OK && length > 0)
        rc = inflateSetDictionary(&z, window.data(), length);
    if (rc != Z_OK)
        zlib_failure(rc, "inflate restart");
}

std::error_code inflater::run(byte_view in) {
    auto& z = z_->z;
    while (!in.empty()) {
        uInt take = clamp_uint(in.size());
        z.next_in = in.data();
        z.avail_in = take;
        for (;;) {
            // Never produce more than one byte past the limit, so a bomb costs nothing.
            std::uint64_t remaining = options_.max_message - message_size_;
            uInt room = remaining >= out_.size() ? static_cast<uInt>(out_.size())
                                                 : static_cast<uInt>(remaining + 1);
            uInt had = z.avail_in;
            z.next_out = out_.data();
            z.avail_out = room;
            int rc = inflate(&z, Z_SYNC_FLUSH);
            uInt consumed = had - z.avail_in;
            std::size_t produced = room - z.avail_out;
            message_in_ += consumed;
            const bool corrupt = rc == Z_DATA_ERROR || rc == Z_NEED_DICT;
            if (!corrupt && rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                zlib_failure(rc, "inflate");
            // Deliver what fits, so the sink or message() holds exactly the limit on failure.
            // Output made before corrupt data is delivered (and limited) too: otherwise the
            // verdict on a message would depend on how the peer fragmented it.
            const bool over = produced > remaining;
            if (over)
                produced = static_cast<std::size_t>(remaining);
            if (produced > 0) {
                byte_view chunk(out_.data(), produced);
                message_size_ += produced;
                if (sink_) {
                    sink_(chunk);
                } else {
                    // Grow geometrically but never past the limit.
                    std::size_t need = message_.size() + produced;
                    if (need > message_.capacity())
                        message_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(
                            std::max(need, 2 * message_.capacity()), options_.max_message)));
                    message_.insert(message_.end(), chunk.begin(), chunk.end());
                }
            }
            if (over)
                return fail(deflate_error::inflate_limit_exceeded,
                            "inflated message exceeds limit " +
                                std::to_string(options_.max_message) + " bytes");
            if (corrupt)
                return fail(deflate_error::inflate_corrupt,
                            std::string(z.msg ? z.msg : "invalid data") + " near compressed byte " +
                                std::to_string(message_in_));
            if (rc == Z_STREAM_END) {
                restart_keeping_window();
                at_boundary_ = true;
                if (z.avail_in == 0)
                    break;
                continue;
            }
            // Bit 128: inflate stopped right after a block, before the next header.
            at_boundary_ = (z.data_type & 128) != 0;
            if (z.avail_in == 0 && z.avail_out != 0)
                break;
            if (consumed == 0 && produced == 0)
                break; // no progress possible; the boundary check decides at finish()
        }
        in = in.subspan(take - z.avail_in);
        if (z.avail_in != 0)
            break;
    }
    return {};
}

std::error_code inflater::feed(byte_view compressed) {
    if (error_)
        return error_;
    if (!in_message_) {
        message_.clear();
        message_size_ = 0;
        message_in_ = 0;
        in_message_ = true;
    }
    return run(compressed);
}

std::error_code inflater::finish() {
    if (auto ec = feed(sync_tail)) // §7.2.2 step 1
        return ec;
    if (!at_boundary_)
        return fail(deflate_error::inflate_incomplete, "DEFLATE stops inside a block after " +
                                                           std::to_string(message_in_) +
                                                           " compressed bytes (tail included)");
    in_message_ = false;
    if (!options_.context_takeover) {
        int rc = inflateReset(&z_->z);
        if (rc != Z_OK)
            zlib_failure(rc, "inflateReset");
    }
    return {};
}

std::error_code inflater::inflate_message(byte_view payload) {
    if (auto ec = feed(payload))
        return ec;
    return finish();
}

// ---- Decompression bomb ---------------------------------------------------------------------

namespace {
// Writes DEFLATE's LSB-first bit stream into a zero-filled buffer.
class bit_writer {
  public:
    explicit bit_writer(bytes& out) : out_(out) {}
    /// An integer field, least significant bit first (RFC 1951 §3.1.1).
    void bits(std::uint32_t value, int count) {
        for (int i = 0; i < count; ++i)
            put((value >> i) & 1u);
    }
    /// A Huffman code, most significant bit first.
    void code(std::uint32_t value, int length) {
        for (int i = length - 1; i >= 0; --i)
            put((value >> i) & 1u);
    }
    /// Zero bits are already there.
    void zeros(std::uint64_t count) { pos_ += count; }
    std::uint64_t position() const { return pos_; }

  private:
    void put(std::uint32_t bit) {
        if (bit)
            out_[static_cast<std::size_t>(pos_ >> 3)] |= static_cast<byte>(1u << (pos_ & 7));
        ++pos_;
    }
    bytes& out_;
    std::uint64_t pos_ = 0;
};

// The dynamic block header below, in bits: 3 + 5 + 5 + 4, 18 code-length code lengths of 3
// bits, and 32 bits of code lengths.
constexpr std::uint64_t bomb_header_bits = 17 + 18 * 3 + 32;
} // namespace

bytes make_deflate_bomb(std::uint64_t inflated_size) {
    if (inflated_size == 0)
        return {0x00}; // §7.2.3.6
    // Codes (canonical, RFC 1951 §3.2.2): literal/length 285 (length 258) = 0, literal 0 = 10,
    // end-of-block = 11; distance code 0 (distance 1) = 0. A match is therefore "0" "0".
    const std::uint64_t matches = (inflated_size - 1) / 258;
    const std::uint64_t literals = 1 + (inflated_size - 1) % 258;
    const std::uint64_t total_bits = bomb_header_bits + 2 * literals + 2 * matches + 2 + 3;
    bytes out(static_cast<std::size_t>((total_bits + 7) / 8), 0);
    bit_writer w(out);
    w.bits(0, 1);  // BFINAL: more blocks may follow (the tail's stored block)
    w.bits(2, 2);  // BTYPE 10: dynamic Huffman
    w.bits(29, 5); // HLIT: 286 literal/length codes, up to 285
    w.bits(0, 5);  // HDIST: 1 distance code
    w.bits(14, 4); // HCLEN: 18 code-length code lengths, enough to reach symbol 1
    // Code-length alphabet in its transmission order; only 18 (zero run), 1 and 2 are used:
    // 18 = "0", 1 = "10", 2 = "11".
    static constexpr std::array<int, 18> order = {16, 17, 18, 0,  8, 7,  9, 6,  10,
                                                  5,  11, 4,  12, 3, 13, 2, 14, 1};
    for (int symbol : order)
        w.bits(symbol == 18 ? 1 : (symbol == 1 || symbol == 2) ? 2 : 0, 3);
    auto length_symbol = [&](int symbol) {
        if (symbol == 18)
            w.code(0, 1);
        else
            w.code(symbol == 1 ? 2 : 3, 2);
    };
    length_symbol(2); // literal 0: 2 bits
    length_symbol(18);
    w.bits(138 - 11, 7); // literals 1..138 unused
    length_symbol(18);
    w.bits(117 - 11, 7); // literals 139..255 unused
    length_symbol(2);    // 256 end-of-block: 2 bits
    length_symbol(18);
    w.bits(28 - 11, 7);   // lengths 257..284 unused
    length_symbol(1);     // 285 (length 258): 1 bit
    length_symbol(1);     // distance code 0: 1 bit
    w.code(2, 2);         // the literal 0 the matches copy
    w.zeros(2 * matches); // each match: length code 285, distance code 0
    for (std::uint64_t i = 1; i < literals; ++i)
        w.code(2, 2);
    w.code(3, 2); // end of block
    w.bits(0, 3); // stored block header; padding, LEN and NLEN are the stripped tail
    if (w.position() != total_bits)
        throw std::logic_error("deflate bomb size miscounted");
    return out;
}

} // namespace wsconform::codec
