#include "cases/compression_data.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsconform::cases::compression_data {

namespace {

// Integer-only generation (no floating point, no <random> distributions): the bytes are the
// same with every compiler and C library.
class rng {
  public:
    explicit rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() { // splitmix64
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& items) {
        return items[below(N)];
    }

  private:
    std::uint64_t state_;
};

constexpr std::array<std::string_view, 96> english = {
    "the",      "of",         "and",        "to",       "in",        "is",       "that",
    "for",      "it",         "as",         "with",     "was",       "on",       "be",
    "by",       "this",       "are",        "from",     "or",        "an",       "which",
    "at",       "not",        "have",       "has",      "more",      "their",    "can",
    "system",   "data",       "network",    "message",  "server",    "client",   "frame",
    "protocol", "connection", "value",      "report",   "service",   "market",   "river",
    "mountain", "city",       "history",    "company",  "product",   "customer", "account",
    "project",  "research",   "university", "library",  "language",  "example",  "result",
    "question", "answer",     "people",     "world",    "number",    "group",    "problem",
    "support",  "quickly",    "usually",    "often",    "never",     "always",   "several",
    "general",  "important",  "different",  "possible", "available", "local",    "public",
    "national", "large",      "small",      "early",    "recent",    "simple",   "strong",
    "describe", "include",    "provide",    "develop",  "consider",  "increase", "require",
    "receive",  "continue",   "follow",     "present",  "measure"};

constexpr std::array<std::string_view, 96> german = {
    "und",       "der",      "die",       "das",      "ich",       "nicht",     "du",
    "mit",       "sich",     "mir",       "ein",      "zu",        "so",        "ist",
    "den",       "es",       "wie",       "auf",      "dem",       "mich",      "auch",
    "was",       "nur",      "noch",      "doch",     "wenn",      "sie",       "mein",
    "Herz",      "Welt",     "Geist",     "Natur",    "Himmel",    "Erde",      "Nacht",
    "Licht",     "Seele",    "Leben",     "Kraft",    "Liebe",     "Zeit",      "Gott",
    "Teufel",    "Doktor",   "Schüler",   "Mädchen",  "Straße",    "Gretchen",  "Wissen",
    "Gläser",    "Bücher",   "Träume",    "Brüder",   "Schönheit", "Flügel",    "Tür",
    "Glück",     "Größe",    "Fülle",     "Frühling", "schön",     "süß",       "groß",
    "dunkel",    "hell",     "tief",      "stille",   "ewig",      "heilig",    "früh",
    "müde",      "fröhlich", "gewaltig",  "herrlich", "weiß",      "kühn",      "möchte",
    "hören",     "fühlen",   "schweben",  "ringen",   "streben",   "suchen",    "finden",
    "wünschen",  "genießen", "verweilen", "erkennen", "bewahren",  "schließen", "begreifen",
    "verführen", "zaubern",  "versuchen", "träumen",  "glühen"};

constexpr std::array<std::string_view, 8> speakers = {
    "FAUST",   "MEPHISTOPHELES", "WAGNER", "MARGARETE",
    "SCHÜLER", "CHOR DER ENGEL", "MARTHE", "VALENTIN"};

std::string words(rng& r, std::size_t min, std::size_t max,
                  const std::array<std::string_view, 96>& list = english) {
    std::string s;
    auto n = r.between(min, max);
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            s += ' ';
        s += r.pick(list);
    }
    return s;
}

std::string capitalised(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z')
        s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

std::string sentence(rng& r) {
    auto s = capitalised(words(r, 6, 18)); // the words first: the order of draws is the data
    return s + (r.below(8) == 0 ? "?" : ".");
}

std::string hex(rng& r, std::size_t digits) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < digits; ++i)
        s += d[r.below(16)];
    return s;
}

std::string fmt(const char* format, auto... args) {
    char buf[256];
    int n = std::snprintf(buf, sizeof buf, format, args...);
    return std::string(buf, static_cast<std::size_t>(std::max(n, 0)));
}

/// Appends items made by `item` while they fit, then ends the text with a filler whose
/// variable part `fill(n)` is exactly n bytes long, and `closing`: exactly `size` bytes.
/// `skeleton` is the filler's size without its variable part.
std::string fit(std::string out, std::size_t size, std::string_view separator,
                std::string_view closing, std::size_t skeleton, auto item, auto fill) {
    bool first = true;
    for (;;) {
        auto next = item();
        std::size_t after = out.size() + (first ? 0 : separator.size()) + next.size();
        // Leave room for a filler of at least one variable byte.
        if (after + separator.size() + skeleton + 1 + closing.size() > size)
            break;
        if (!first)
            out += separator;
        out += next;
        first = false;
    }
    auto used = out.size() + (first ? 0 : separator.size()) + skeleton + closing.size();
    if (used > size)
        throw std::logic_error("compression data set overfull");
    if (!first)
        out += separator;
    out += fill(size - used);
    out += closing;
    if (out.size() != size)
        throw std::logic_error("compression data set miscounted");
    return out;
}

/// `n` bytes of English words, cut to length.
std::string filler_text(rng& r, std::size_t n) {
    std::string s;
    while (s.size() < n)
        s += sentence(r) + ' ';
    s.resize(n);
    return s;
}

codec::bytes as_bytes(const std::string& s) {
    return codec::to_bytes(s);
}

} // namespace

codec::bytes json_document() {
    rng r(0x6a736f6eull);
    constexpr std::array<std::string_view, 12> first_names = {"Alice", "Bruno", "Chen",  "Dalia",
                                                              "Emil",  "Farah", "Goran", "Hana",
                                                              "Ivo",   "Jun",   "Kara",  "Luis"};
    constexpr std::array<std::string_view, 12> last_names = {"Novak", "Okafor", "Petrov", "Quinn",
                                                             "Rossi", "Sato",   "Tanaka", "Uribe",
                                                             "Vance", "Weber",  "Xu",     "Young"};
    constexpr std::array<std::string_view, 4> colors = {"blue", "brown", "green", "grey"};
    constexpr std::array<std::string_view, 4> fruits = {"apple", "banana", "strawberry", "pear"};
    unsigned index = 0;
    auto record = [&] {
        auto first = std::string(r.pick(first_names));
        auto last = std::string(r.pick(last_names));
        auto company = capitalised(std::string(r.pick(english))) + capitalised(hex(r, 3));
        std::string s = "  {\n";
        s += "    \"_id\": \"" + hex(r, 24) + "\",\n";
        s += fmt("    \"index\": %u,\n", index);
        s += "    \"guid\": \"" + hex(r, 8) + "-" + hex(r, 4) + "-4" + hex(r, 3) + "-" + hex(r, 4) +
             "-" + hex(r, 12) + "\",\n";
        s += std::string("    \"isActive\": ") + (r.below(2) ? "true" : "false") + ",\n";
        s += fmt("    \"balance\": \"$%u,%03u.%02u\",\n", static_cast<unsigned>(r.below(4)),
                 static_cast<unsigned>(r.below(1000)), static_cast<unsigned>(r.below(100)));
        s += "    \"picture\": \"http://placehold.example/32x32\",\n";
        s += fmt("    \"age\": %u,\n", static_cast<unsigned>(r.between(18, 80)));
        s += "    \"eyeColor\": \"" + std::string(r.pick(colors)) + "\",\n";
        s += "    \"name\": \"" + first + " " + last + "\",\n";
        s += "    \"company\": \"" + company + "\",\n";
        s += "    \"email\": \"" + first + "." + last + "@" + company + ".example\",\n";
        s += fmt("    \"phone\": \"+1 (%03u) 555-%04u\",\n",
                 static_cast<unsigned>(r.between(200, 999)), static_cast<unsigned>(r.below(10000)));
        s += fmt("    \"address\": \"%u ", static_cast<unsigned>(r.between(1, 999))) +
             capitalised(std::string(r.pick(english))) + " Street, " +
             capitalised(std::string(r.pick(english))) +
             fmt(", %05u\",\n", static_cast<unsigned>(r.below(100000)));
        s += "    \"about\": \"" + sentence(r) + " " + sentence(r) + " " + sentence(r) + "\",\n";
        s += fmt("    \"registered\": \"20%02u-%02u-%02uT%02u:%02u:%02u -0%u:00\",\n",
                 static_cast<unsigned>(r.between(10, 23)), static_cast<unsigned>(r.between(1, 12)),
                 static_cast<unsigned>(r.between(1, 28)), static_cast<unsigned>(r.below(24)),
                 static_cast<unsigned>(r.below(60)), static_cast<unsigned>(r.below(60)),
                 static_cast<unsigned>(r.below(10)));
        s += fmt("    \"latitude\": %s%u.%06u,\n", r.below(2) ? "-" : "",
                 static_cast<unsigned>(r.below(90)), static_cast<unsigned>(r.below(1000000)));
        s += fmt("    \"longitude\": %s%u.%06u,\n", r.below(2) ? "-" : "",
                 static_cast<unsigned>(r.below(180)), static_cast<unsigned>(r.below(1000000)));
        s += "    \"tags\": [";
        for (int i = 0; i < 7; ++i)
            s += std::string(i ? ", " : "") + "\"" + std::string(r.pick(english)) + "\"";
        s += "],\n    \"friends\": [\n";
        for (unsigned i = 0; i < 3; ++i)
            s += fmt("      {\n        \"id\": %u,\n        \"name\": \"", i) +
                 std::string(r.pick(first_names)) + " " + std::string(r.pick(last_names)) +
                 "\"\n      }" + (i < 2 ? ",\n" : "\n");
        s += "    ],\n";
        s += "    \"greeting\": \"Hello, " + first +
             fmt("! You have %u unread messages.\",\n", static_cast<unsigned>(r.below(20)));
        s += "    \"favoriteFruit\": \"" + std::string(r.pick(fruits)) + "\"\n  }";
        ++index;
        return s;
    };
    constexpr std::string_view open = "  {\n    \"index\": 999999,\n    \"note\": \"",
                               close = "\"\n  }";
    auto text = fit(
        "[\n", json_size, ",\n", "\n]\n", open.size() + close.size(), record,
        [&](std::size_t n) { return std::string(open) + filler_text(r, n) + std::string(close); });
    return as_bytes(text);
}

codec::bytes bitmap_image() {
    constexpr int side = 512;
    codec::bytes out;
    out.reserve(bitmap_size);
    auto u16 = [&](unsigned v) {
        out.push_back(static_cast<codec::byte>(v & 0xff));
        out.push_back(static_cast<codec::byte>(v >> 8));
    };
    auto u32 = [&](std::uint32_t v) {
        u16(v & 0xffff);
        u16(v >> 16);
    };
    // BITMAPFILEHEADER, BITMAPINFOHEADER, a 256-entry gray palette: 8 bits per pixel,
    // uncompressed, as Autobahn's 512x512 picture.
    out.push_back('B');
    out.push_back('M');
    u32(bitmap_size);
    u32(0);
    u32(14 + 40 + 1024);
    u32(40);
    u32(side);
    u32(side);
    u16(1);
    u16(8);
    u32(0);
    u32(side * side);
    u32(2835);
    u32(2835);
    u32(256);
    u32(0);
    for (unsigned i = 0; i < 256; ++i) {
        for (int c = 0; c < 3; ++c)
            out.push_back(static_cast<codec::byte>(i));
        out.push_back(0);
    }
    // A photograph-like picture: value noise at three scales (smooth regions and edges) plus
    // sensor noise, so DEFLATE finds little to repeat, as with a real photo.
    rng r(0x626d70ull);
    struct octave {
        int cell;
        int amplitude;
        std::vector<int> grid;
    };
    std::array<octave, 3> octaves = {octave{128, 150, {}}, octave{32, 60, {}}, octave{8, 24, {}}};
    for (auto& o : octaves) {
        int n = side / o.cell + 1;
        o.grid.resize(static_cast<std::size_t>(n * n));
        for (auto& g : o.grid)
            g = static_cast<int>(r.below(static_cast<std::uint64_t>(2 * o.amplitude + 1))) -
                o.amplitude;
    }
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            int v = 128;
            for (const auto& o : octaves) {
                int n = side / o.cell + 1;
                int gx = x / o.cell, gy = y / o.cell, fx = x % o.cell, fy = y % o.cell;
                auto at = [&](int i, int j) { return o.grid[static_cast<std::size_t>(j * n + i)]; };
                // Bilinear interpolation between the four grid values, in integers.
                int top = at(gx, gy) * (o.cell - fx) + at(gx + 1, gy) * fx;
                int bottom = at(gx, gy + 1) * (o.cell - fx) + at(gx + 1, gy + 1) * fx;
                v += (top * (o.cell - fy) + bottom * fy) / (o.cell * o.cell);
            }
            v += static_cast<int>(r.below(9)) - 4;
            out.push_back(static_cast<codec::byte>(std::clamp(v, 0, 255)));
        }
    }
    if (out.size() != bitmap_size)
        throw std::logic_error("bitmap data set miscounted");
    return out;
}

codec::bytes prose_text() {
    rng r(0x7465787475ull);
    std::string text = "Eine Tragödie in Versen, erzeugt für die Kompressionsfälle.\n\n";
    unsigned scene = 0;
    auto part = [&] {
        std::string s;
        if (r.below(12) == 0)
            s += fmt("\n\n%u. SZENE\n\n", ++scene);
        s += std::string(r.pick(speakers)) + ":\n";
        auto lines = r.between(2, 9);
        for (std::uint64_t i = 0; i < lines; ++i) {
            auto line = words(r, 4, 9, german);
            // Verse lines start with a capital letter (ASCII words only; umlauts stay).
            s += capitalised(line) + (r.below(4) == 0 ? "!" : r.below(3) == 0 ? "," : ".") + "\n";
        }
        return s;
    };
    auto out = fit(text, prose_size, "\n", "\n", 0, part, [&](std::size_t n) {
        std::string s;
        while (s.size() < n)
            s += capitalised(words(r, 4, 9, german)) + ".\n";
        s.resize(n); // binary data set: a cut inside a UTF-8 sequence does not matter
        return s;
    });
    return as_bytes(out);
}

codec::bytes html_document() {
    rng r(0x68746d6cull);
    std::string head =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Annual report of the regional library network</title>\n<style>\n"
        "body { font-family: Georgia, serif; margin: 0; color: #222; background: #fdfdfd; }\n"
        "header, footer { background: #2a4d69; color: #fff; padding: 1em 2em; }\n"
        "nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 1em; }\n"
        "section.article { max-width: 48em; margin: 2em auto; padding: 0 1em; }\n"
        "table.data { border-collapse: collapse; width: 100%; }\n"
        "table.data td, table.data th { border: 1px solid #ccc; padding: 0.25em 0.5em; }\n"
        "p.lead { font-size: 1.2em; }\n</style>\n</head>\n<body>\n<div id=\"page\">\n"
        "<header>\n<h1>Annual report of the regional library network</h1>\n<nav>\n<ul>\n";
    for (int i = 1; i <= 12; ++i)
        head += fmt("<li><a href=\"/report/section-%d.html\">", i) +
                capitalised(std::string(r.pick(english))) + "</a></li>\n";
    head += "</ul>\n</nav>\n</header>\n";
    unsigned id = 0;
    auto section = [&] {
        ++id;
        std::string s = fmt("<section id=\"s%u\" class=\"article\">\n<h2>", id) +
                        capitalised(words(r, 2, 6)) + "</h2>\n<p class=\"lead\">" + sentence(r) +
                        " " + sentence(r) + "</p>\n";
        auto paragraphs = r.between(1, 4);
        for (std::uint64_t p = 0; p < paragraphs; ++p) {
            s += "<p>" + sentence(r) + " " + sentence(r) + " See <a href=\"https://example.org/" +
                 std::string(r.pick(english)) +
                 fmt("/%u\">", static_cast<unsigned>(r.below(10000))) + words(r, 1, 3) +
                 "</a> and <em>" + words(r, 1, 2) + "</em>. " + sentence(r) + "</p>\n";
        }
        if (r.below(2)) {
            s += "<ul>\n";
            auto items = r.between(3, 7);
            for (std::uint64_t i = 0; i < items; ++i)
                s += "<li>" + capitalised(words(r, 3, 8)) + "</li>\n";
            s += "</ul>\n";
        }
        if (r.below(3) == 0) {
            s += "<table class=\"data\">\n<tr><th>Branch</th><th>Visitors</th><th>Loans</th>"
                 "<th>Change</th></tr>\n";
            auto rows = r.between(3, 8);
            for (std::uint64_t i = 0; i < rows; ++i)
                s += "<tr><td>" + capitalised(std::string(r.pick(english))) +
                     fmt("</td><td>%u</td><td>%u</td><td>%+d.%u%%</td></tr>\n",
                         static_cast<unsigned>(r.below(90000)),
                         static_cast<unsigned>(r.below(250000)), static_cast<int>(r.below(41)) - 20,
                         static_cast<unsigned>(r.below(10)));
            s += "</table>\n";
        }
        return s + "</section>\n";
    };
    constexpr std::string_view open = "<section class=\"article\">\n<p>",
                               close = "</p>\n</section>\n";
    auto out = fit(
        head, html_size, "", "</div>\n</body>\n</html>\n", open.size() + close.size(), section,
        [&](std::size_t n) { return std::string(open) + filler_text(r, n) + std::string(close); });
    return as_bytes(out);
}

codec::bytes pdf_document() {
    // Streams of uniformly random bytes stand for compressed page contents and JPEG images;
    // around them the usual PDF objects, so slices look like a real PDF's. The last image is
    // sized so that the file, xref and trailer included, has exactly pdf_size bytes.
    auto build = [](std::size_t last_image) {
        rng r(0x706466ull);
        std::string out = "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n";
        std::vector<std::size_t> offsets; // of objects 1..n
        auto object = [&](const std::string& body) {
            offsets.push_back(out.size());
            out += fmt("%zu 0 obj\n", offsets.size()) + body + "\nendobj\n";
        };
        auto stream = [&](std::string dict, std::size_t length) {
            std::string data(length, '\0');
            for (auto& ch : data)
                ch = static_cast<char>(r.below(256));
            object("<< " + dict + fmt(" /Length %zu >>\nstream\n", length) + data + "\nendstream");
        };
        constexpr unsigned pages = 14;
        // 1 catalog, 2 pages, 3 font, 4 info, 5 metadata, then per page: page, contents, image.
        object("<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>");
        std::string kids;
        for (unsigned p = 0; p < pages; ++p)
            kids += fmt("%u 0 R ", 6 + 3 * p);
        object("<< /Type /Pages /Kids [ " + kids + fmt("] /Count %u >>", pages));
        object("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding "
               "/WinAnsiEncoding >>");
        object("<< /Title (Measurements of message compression on full-duplex channels) "
               "/Author (wsconform) /Producer (wsconform data generator) /CreationDate "
               "(D:20240101000000Z) >>");
        std::string xmp = "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                          "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n<rdf:RDF "
                          "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
        for (int i = 0; i < 40; ++i)
            xmp += "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                   "<dc:subject>" +
                   words(r, 2, 5) + "</dc:subject></rdf:Description>\n";
        xmp += "</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
        offsets.push_back(out.size());
        out +=
            fmt("5 0 obj\n<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n", xmp.size()) +
            xmp + "\nendstream\nendobj\n";
        for (unsigned p = 0; p < pages; ++p) {
            unsigned page = 6 + 3 * p;
            object(fmt("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %u 0 R "
                       "/Resources << /Font << /F1 3 0 R >> /XObject << /Im%u %u 0 R >> >> >>",
                       page + 1, p + 1, page + 2));
            stream("/Filter /FlateDecode", r.between(14000, 26000));
            auto width = r.between(300, 900), height = r.between(200, 700);
            stream(fmt("/Type /XObject /Subtype /Image /Width %u /Height %u /ColorSpace "
                       "/DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
                       static_cast<unsigned>(width), static_cast<unsigned>(height)),
                   p + 1 == pages ? last_image : r.between(40000, 52000));
        }
        auto xref = out.size();
        out += fmt("xref\n0 %zu\n0000000000 65535 f \n", offsets.size() + 1);
        for (auto o : offsets)
            out += fmt("%010zu 00000 n \n", o);
        out += fmt("trailer\n<< /Size %zu /Root 1 0 R /Info 4 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
                   offsets.size() + 1, xref);
        return out;
    };
    // The size grows by one byte per byte of the last image, except where a number gains a
    // digit: settle in a few rounds.
    std::size_t last = 0;
    for (int round = 0; round < 8; ++round) {
        auto pdf = build(last);
        if (pdf.size() == pdf_size)
            return as_bytes(pdf);
        last += pdf_size - pdf.size(); // the first build is far below the target
    }
    throw std::logic_error("pdf data set does not settle on its size");
}

} // namespace wsconform::cases::compression_data
