#pragma once
/// Reproducer files: one finding of the live fuzzer as readable JSON (schema
/// "wsconform-livefuzz/1"): the signature and a description, and the input as steps (wire bytes
/// in hex, the frame each one is, the pause before it) plus the write chunking and the canary
/// key, enough for `wsconform replay FILE --target URL` to send the same octets again.
/// Files land whole: written as NAME.partial, then renamed.

#include "harness/livefuzz/input.hpp"
#include "harness/livefuzz/oracle.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace wsconform::livefuzz {

inline constexpr std::string_view reproducer_schema = "wsconform-livefuzz/1";

struct reproducer {
    signature sig;
    std::string description; ///< what the finding is, in words
    std::string observed;    ///< what the server did
    std::string target;      ///< URL it was found against
    std::uint64_t seed = 0;
    std::uint64_t input_index = 0;
    std::string origin;    ///< the seed and mutations the input came from
    bool confirmed = true; ///< reproduced again on its own before it was written
    bool minimised = true;
    std::size_t original_steps = 0;
    std::size_t trials = 0; ///< minimisation trials
    fuzz_input input;
};

std::string to_json(const reproducer& r);
/// Parses a reproducer; on failure returns nullopt and says why.
std::optional<reproducer> from_json(std::string_view text, std::string& error);

/// "crash-len64.json", "kept-open-reserved_opcode.json": one file per signature.
std::string file_name(const signature& sig);

/// Writes `r` to dir/file_name(sig) via a .partial file; returns the path, or "" and `error`.
std::filesystem::path write_reproducer(const std::filesystem::path& dir, const reproducer& r,
                                       std::string& error);
std::optional<reproducer> read_reproducer(const std::filesystem::path& file, std::string& error);

} // namespace wsconform::livefuzz
