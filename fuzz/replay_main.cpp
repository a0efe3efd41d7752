/// The `main` of a fuzz target built without libFuzzer (gcc, or clang without
/// -DWSCONFORM_FUZZ=ON): runs LLVMFuzzerTestOneInput once on every file named on the command
/// line, directories included (recursively, in name order, so failures reproduce). Arguments
/// starting with '-' are libFuzzer flags and are ignored, so the same command line works for
/// both builds. Exit status: 0 all inputs ran, 2 a path could not be read; a broken contract
/// aborts as it would under libFuzzer.

#include "fuzz/fuzz_support.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::vector<char>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

// Copied into a buffer of exactly the input's size, as libFuzzer does, so a sanitizer build
// catches a read one byte past the end.
void run_one(const std::vector<char>& contents) {
    auto buffer = std::make_unique<std::uint8_t[]>(std::max<std::size_t>(contents.size(), 1));
    std::copy(contents.begin(), contents.end(), buffer.get());
    LLVMFuzzerTestOneInput(buffer.get(), contents.size());
}

} // namespace

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.starts_with("-"))
            continue;
        std::error_code ec;
        fs::path path(arg);
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> found;
            for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
                 it.increment(ec))
                if (it->is_regular_file())
                    found.push_back(it->path());
            if (ec) {
                std::fprintf(stderr, "cannot list %s: %s\n", arg.c_str(), ec.message().c_str());
                return 2;
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(path, ec)) {
            files.push_back(path);
        } else {
            std::fprintf(stderr, "no such file or directory: %s\n", arg.c_str());
            return 2;
        }
    }
    std::vector<char> contents;
    for (const auto& file : files) {
        if (!read_file(file, contents)) {
            std::fprintf(stderr, "cannot read %s\n", file.c_str());
            return 2;
        }
        // Named before running, so an abort points at its input.
        std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), contents.size());
        run_one(contents);
    }
    if (files.empty())
        run_one({}); // like libFuzzer with an empty corpus: the empty input still runs
    std::fprintf(stderr, "replayed %zu inputs\n", files.size());
    return 0;
}
