#pragma once
/// What the live-server fuzzer sends on one connection after the opening handshake: a
/// sequence of frames (kept as frames so mutations and minimisation can work on their
/// structure) or raw bytes (truncated or garbled frames), with the write chunking and small
/// pauses that decide how the bytes reach the socket.

#include "harness/codec/frame.hpp"
#include "harness/runner/case.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace wsconform::livefuzz {

/// One step: a frame, encoded as it says (masked with its own key when `masked`), or bytes
/// sent as they are. (Two members rather than a std::variant: GCC 12 reports false
/// maybe-uninitialized warnings on moves of a variant holding a vector.)
class fuzz_step {
  public:
    fuzz_step() = default;
    fuzz_step(codec::frame f, std::uint32_t delay = 0) : delay_ms(delay), frame_(std::move(f)) {}
    fuzz_step(codec::bytes raw, std::uint32_t delay = 0)
        : delay_ms(delay), raw_(std::move(raw)), is_raw_(true) {}

    std::uint32_t delay_ms = 0; ///< pause before this step is written

    bool is_frame() const { return !is_raw_; }
    codec::frame& frame() { return frame_; }
    const codec::frame& frame() const { return frame_; }
    /// The bytes of a raw step.
    const codec::bytes& raw() const { return raw_; }
    codec::bytes& raw() { return raw_; }
    /// Turns the step into raw bytes (a truncated or garbled frame).
    void set_raw(codec::bytes raw) {
        raw_ = std::move(raw);
        is_raw_ = true;
        frame_ = {};
    }

    friend bool operator==(const fuzz_step&, const fuzz_step&) = default;

  private:
    codec::frame frame_;
    codec::bytes raw_;
    bool is_raw_ = false;
};

struct fuzz_input {
    std::vector<fuzz_step> steps;
    /// Bytes per socket write (each step cut into pieces of this size); 0: one write per step.
    std::size_t write_chunk = 0;
    /// Masking key of the canary text frame that follows the input (see oracle.hpp).
    codec::mask_key canary_key{};
    /// Where the input came from ("case 5.6 + fragment, len64"): for people, not compared.
    std::string origin;

    friend bool operator==(const fuzz_input& a, const fuzz_input& b) {
        return a.steps == b.steps && a.write_chunk == b.write_chunk && a.canary_key == b.canary_key;
    }
};

/// The wire bytes of one step / of the whole input (without the canary).
codec::bytes wire_bytes(const fuzz_step& s);
codec::bytes wire_bytes(const fuzz_input& in);

/// A 64-bit FNV-1a digest of everything that decides what goes on the wire (bytes, chunking,
/// pauses, canary key): equal digests, equal inputs.
std::uint64_t digest(const fuzz_input& in);
std::string digest_hex(std::uint64_t d);

/// Splits bytes into frame steps where they decode as frames (any masking, any rule broken)
/// and one raw step for whatever does not (a truncated or unrepresentable frame).
std::vector<fuzz_step> steps_from_bytes(codec::byte_view data);

/// One line per step for people: "binary fin len=0 masked [len64]" or "raw 5 bytes".
std::string describe(const fuzz_step& s);

/// The starting points of mutation.
struct seed {
    std::string name; ///< "case 1.1.1" or "file NAME"
    std::vector<fuzz_step> steps;
    std::size_t write_chunk = 0;
};

/// Seeds from the conformance cases: the octets each case's script sends (runner::seed_bytes,
/// as --export-seeds writes them), split into frames. Cases that need a negotiated extension, that
/// are procedures rather than one connection, whose handshake must fail, or that send more than
/// `max_bytes` are left out.
std::vector<seed> seeds_from_cases(std::span<const runner::case_def> cases,
                                   std::size_t max_bytes = 128 * 1024);

/// Seeds from a directory of files holding the octets sent after the handshake (the format
/// `wsconform --export-seeds` writes), in file-name order. Returns false and says why on error.
bool seeds_from_directory(const std::filesystem::path& dir, std::vector<seed>& out,
                          std::string& error, std::size_t max_bytes = 128 * 1024);

} // namespace wsconform::livefuzz
