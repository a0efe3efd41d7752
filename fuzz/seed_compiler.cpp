/// Turns the reviewable seed files under corpus/ into the binary inputs the fuzz targets read.
///
///     seed_compiler OUTDIR FILE...
///
/// OUTDIR is emptied of regular files first (a deleted seed must not linger), then every FILE
/// is written into it: `NAME.hex` is compiled to `NAME`, README* files are skipped, any other
/// file (a crash file as libFuzzer saved it) is copied unchanged.
///
/// The .hex language, one item after another, whitespace anywhere between items:
///   # comment          to the end of the line
///   81 7e 00 7e        hex bytes; pairs may also be run together (817e007e)
///   "GET / HTTP/1.1\r\n"   text, with \r \n \t \0 \\ \" and \xNN escapes
///   ITEM *N            the item before repeated N times in all ("a" *126, 00 *65536)
///   mask 37fa213d { ... }  the bytes inside XOR-ed with the 4-byte key, as a client masks a
///                      payload (RFC 6455 §5.3), so masked payloads stay readable
/// Any error stops the build with file:line and what is wrong.

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

using bytes = std::vector<std::uint8_t>;

struct compile_error : std::runtime_error {
    int line;
    compile_error(int l, const std::string& what) : std::runtime_error(what), line(l) {}
};

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

class compiler {
  public:
    explicit compiler(std::string_view text) : s_(text) {}

    bytes run() {
        bytes out = items(false);
        if (pos_ < s_.size())
            fail("unexpected '}'");
        return out;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const { throw compile_error(line_, what); }

    void skip_space_and_comments() {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (std::isspace(static_cast<unsigned char>(c))) {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < s_.size() && s_[pos_] != '\n')
                    ++pos_;
            } else {
                break;
            }
        }
    }

    // Items until the end of input or, inside a mask block, the closing brace.
    bytes items(bool in_block) {
        bytes out;
        std::optional<bytes> last; // the previous item, for *N
        for (;;) {
            skip_space_and_comments();
            if (pos_ >= s_.size()) {
                if (in_block)
                    fail("mask block not closed with '}'");
                return out;
            }
            char c = s_[pos_];
            if (c == '}') {
                if (!in_block)
                    return out; // run() reports the stray brace
                ++pos_;
                return out;
            }
            if (c == '*') {
                ++pos_;
                if (!last)
                    fail("'*N' with no item before it");
                std::size_t n = number();
                if (n == 0)
                    fail("'*0' would remove the item; delete it instead");
                // The item is already there once.
                for (std::size_t i = 1; i < n; ++i)
                    out.insert(out.end(), last->begin(), last->end());
                last.reset();
                continue;
            }
            bytes item;
            if (c == '"')
                item = string_literal();
            else if (s_.substr(pos_, 4) == "mask")
                item = mask_block();
            else if (hex_value(c) >= 0)
                item = hex_run();
            else
                fail(std::string("unexpected character '") + c + "'");
            out.insert(out.end(), item.begin(), item.end());
            last = std::move(item);
        }
    }

    std::size_t number() {
        skip_space_and_comments();
        std::size_t begin = pos_, n = 0;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            n = n * 10 + static_cast<std::size_t>(s_[pos_] - '0');
            if (n > (std::size_t{1} << 26))
                fail("repeat count above 64 Mi");
            ++pos_;
        }
        if (pos_ == begin)
            fail("expected a decimal count after '*'");
        return n;
    }

    // A run of hex digits: one byte per pair. A single item, so "*N" repeats the whole run.
    bytes hex_run() {
        bytes out;
        std::size_t begin = pos_;
        while (pos_ < s_.size() && hex_value(s_[pos_]) >= 0)
            ++pos_;
        auto digits = s_.substr(begin, pos_ - begin);
        if (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
            s_[pos_] != '#' && s_[pos_] != '}' && s_[pos_] != '*' && s_[pos_] != '"')
            fail("'" + std::string(digits) + s_[pos_] + "' is not hex");
        if (digits.size() % 2 != 0)
            fail("odd number of hex digits in '" + std::string(digits) + "'");
        for (std::size_t i = 0; i < digits.size(); i += 2)
            out.push_back(
                static_cast<std::uint8_t>(hex_value(digits[i]) << 4 | hex_value(digits[i + 1])));
        return out;
    }

    bytes string_literal() {
        bytes out;
        ++pos_; // opening quote
        for (;;) {
            if (pos_ >= s_.size() || s_[pos_] == '\n')
                fail("string not closed on its line");
            char c = s_[pos_++];
            if (c == '"')
                return out;
            if (c != '\\') {
                out.push_back(static_cast<std::uint8_t>(c));
                continue;
            }
            if (pos_ >= s_.size())
                fail("backslash at the end of the file");
            char e = s_[pos_++];
            switch (e) {
            case 'r':
                out.push_back('\r');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case '0':
                out.push_back(0);
                break;
            case '\\':
            case '"':
                out.push_back(static_cast<std::uint8_t>(e));
                break;
            case 'x': {
                int hi = pos_ < s_.size() ? hex_value(s_[pos_]) : -1;
                int lo = pos_ + 1 < s_.size() ? hex_value(s_[pos_ + 1]) : -1;
                if (hi < 0 || lo < 0)
                    fail("\\x needs two hex digits");
                out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
                pos_ += 2;
                break;
            }
            default:
                fail(std::string("unknown escape \\") + e);
            }
        }
    }

    bytes mask_block() {
        pos_ += 4;
        skip_space_and_comments();
        bytes key = hex_run();
        if (key.size() != 4)
            fail("a mask key is 4 bytes (8 hex digits)");
        skip_space_and_comments();
        if (pos_ >= s_.size() || s_[pos_] != '{')
            fail("expected '{' after the mask key");
        ++pos_;
        bytes body = items(true);
        for (std::size_t i = 0; i < body.size(); ++i)
            body[i] ^= key[i % 4];
        return body;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

bool write_file(const fs::path& path, const bytes& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    return static_cast<bool>(out);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: seed_compiler OUTDIR [FILE...]\n");
        return 2;
    }
    fs::path outdir = argv[1];
    std::error_code ec;
    fs::create_directories(outdir, ec);
    for (const auto& entry : fs::directory_iterator(outdir, ec))
        if (entry.is_regular_file())
            fs::remove(entry.path());
    if (ec) {
        std::fprintf(stderr, "cannot prepare %s: %s\n", outdir.c_str(), ec.message().c_str());
        return 2;
    }
    std::set<std::string> written;
    for (int i = 2; i < argc; ++i) {
        fs::path in = argv[i];
        std::string name = in.filename().string();
        if (name.starts_with("README"))
            continue;
        std::ifstream file(in, std::ios::binary);
        if (!file) {
            std::fprintf(stderr, "cannot read %s\n", in.c_str());
            return 2;
        }
        std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        bytes data;
        if (in.extension() == ".hex") {
            name = in.stem().string();
            try {
                data = compiler(text).run();
            } catch (const compile_error& e) {
                std::fprintf(stderr, "%s:%d: %s\n", in.c_str(), e.line, e.what());
                return 1;
            }
        } else {
            data.assign(text.begin(), text.end());
        }
        if (!written.insert(name).second) {
            std::fprintf(stderr, "%s: two seeds would both be written as '%s'\n", in.c_str(),
                         name.c_str());
            return 1;
        }
        if (!write_file(outdir / name, data)) {
            std::fprintf(stderr, "cannot write %s\n", (outdir / name).c_str());
            return 2;
        }
    }
    return 0;
}
