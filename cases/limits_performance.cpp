// [9] Limits/Performance: big messages, many fragments, small TCP writes and 1000-message
// round-trip runs (RFC 6455 §5.2 lengths, §5.4 fragmentation, §10.4 limits). Ids, sizes,
// fragment and chop sizes, payload patterns and timers are Autobahn's; its titles are corrected
// where they misstate the size (9.2.5 "16M" sends 8 MiB, 9.3.9 "8M" fragments are 4 MiB) and
// where its expectation says text for binary (9.6.x). Beyond Autobahn, every echo is checked
// byte for byte (echo_stream), and throughput and round-trip times go into the case record.
// Payloads are generated while the case runs: the catalogue holds only the 10-byte patterns.

#include "cases/builders.hpp"
#include "cases/catalogue.hpp"

namespace wsconform::cases {

namespace {

using runner::size_text;

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;

// Autobahn's payloads: 9.1/9.5 "BAsd7&jh23", 9.2/9.6 00 FE 23 FA F0, 9.3, 9.4.2-9.4.9 and 9.7
// '*', 9.4.1 and 9.8 0xFE.
const bytes text_unit = codec::to_bytes("BAsd7&jh23");
const bytes binary_unit = {0x00, 0xfe, 0x23, 0xfa, 0xf0};
const bytes star = {'*'};
const bytes fe = {0xfe};

struct sub {
    const char* id;
    const char* title;
};

case_def make(const sub& s, int n, std::string title, std::string expectation) {
    auto c = make_case({std::string(s.id) + "." + std::to_string(n), "Limits/Performance", s.title,
                        std::move(title), std::move(expectation), "RFC 6455 5.2, 5.4, 10.4"});
    c.close = tester_closes();
    c.record = bulk_record;
    return c;
}

std::string echo_expectation(const char* word, std::uint64_t size, double timeout) {
    return std::string("The ") + word + " message of " + size_text(size) +
           " is echoed back unchanged (type, length and every byte are checked) within " +
           std::to_string(static_cast<int>(timeout)) +
           " s; clean close with code 1000. Throughput and round-trip time are recorded.";
}

void add_case(std::vector<case_def>& out, case_def c, runner::echo_stream stream, double timeout) {
    // Autobahn closeAfter: no echo by then, the tester closes and the case fails.
    c.script = {runner::close_after{runner::seconds(timeout)}, std::move(stream)};
    out.push_back(std::move(c));
}

} // namespace

void add_limits_performance_cases(std::vector<case_def>& out) {
    struct kind {
        opcode op;
        const char* word;
    };
    const kind text{opcode::text, "text"}, binary{opcode::binary, "binary"};

    // 9.1, 9.2: one frame, growing sizes.
    const std::uint64_t sizes[] = {64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB};
    const sub by_size[] = {{"9.1", "Text Message (increasing size)"},
                           {"9.2", "Binary Message (increasing size)"}};
    for (int k = 0; k < 2; ++k) {
        const auto& w = k == 0 ? text : binary;
        int n = 0;
        for (auto size : sizes) {
            ++n;
            double timeout = n <= 2 ? 10 : 100;
            auto c = make(by_size[k], n,
                          std::string("Send a ") + w.word + " message of " + size_text(size) +
                              " (" + std::to_string(size) + " bytes) in one frame",
                          echo_expectation(w.word, size, timeout));
            add_case(out, std::move(c),
                     {.op = w.op, .size = size, .pattern = k == 0 ? text_unit : binary_unit},
                     timeout);
        }
    }

    // 9.3, 9.4: 4 MiB in fragments of 64 B to 4 MiB.
    const std::uint64_t fragments[] = {64,       256,       1 * KiB, 4 * KiB, 16 * KiB,
                                       64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB};
    const sub by_fragment[] = {
        {"9.3", "Fragmented Text Message (fixed size, increasing fragment size)"},
        {"9.4", "Fragmented Binary Message (fixed size, increasing fragment size)"}};
    for (int k = 0; k < 2; ++k) {
        const auto& w = k == 0 ? text : binary;
        int n = 0;
        for (auto fragment : fragments) {
            ++n;
            auto frames = 4 * MiB / fragment;
            auto c = make(by_fragment[k], n,
                          std::string("Send a ") + w.word + " message of 4 MiB in fragments of " +
                              size_text(fragment) + " (" + std::to_string(frames) +
                              (frames == 1 ? " frame)" : " frames)"),
                          echo_expectation(w.word, 4 * MiB, 100));
            // Autobahn's 9.4.1 sends 0xFE, 9.4.2-9.4.9 '*'.
            const bytes& unit = k == 0 ? star : (n == 1 ? fe : star);
            add_case(out, std::move(c),
                     {.op = w.op, .size = 4 * MiB, .pattern = unit, .fragment = fragment}, 100);
        }
    }

    // 9.5, 9.6: 1 MiB in one frame, written in chops of 64 to 2048 octets.
    const std::size_t chops[] = {64, 128, 256, 512, 1024, 2048};
    const sub by_chop[] = {{"9.5", "Text Message (fixed size, increasing chop size)"},
                           {"9.6", "Binary Message (fixed size, increasing chop size)"}};
    for (int k = 0; k < 2; ++k) {
        const auto& w = k == 0 ? text : binary;
        int n = 0;
        for (auto chop : chops) {
            ++n;
            auto c = make(by_chop[k], n,
                          std::string("Send a ") + w.word +
                              " message of 1 MiB in one frame, written in chops of " +
                              std::to_string(chop) + " octets",
                          echo_expectation(w.word, 1 * MiB, 1000));
            add_case(out, std::move(c),
                     {.op = w.op,
                      .size = 1 * MiB,
                      .pattern = k == 0 ? text_unit : binary_unit,
                      .chop = chop},
                     1000);
        }
    }

    // 9.7, 9.8: 1000 round trips, each message sent once the previous echo arrived.
    const std::uint64_t rtt_sizes[] = {0, 16, 64, 256, 1 * KiB, 4 * KiB};
    const double rtt_timeouts[] = {60, 60, 60, 120, 240, 480};
    const sub by_rtt[] = {{"9.7", "Text Message Roundtrip Time"},
                          {"9.8", "Binary Message Roundtrip Time"}};
    for (int k = 0; k < 2; ++k) {
        const auto& w = k == 0 ? text : binary;
        for (int i = 0; i < 6; ++i) {
            auto size = rtt_sizes[i];
            auto c = make(by_rtt[k], i + 1,
                          std::string("Send 1000 ") + w.word + " messages of " + size_text(size) +
                              ", each once the previous one's echo arrived (round-trip time)",
                          std::string("All 1000 ") + w.word + " messages are echoed back " +
                              "unchanged, in order, within " +
                              std::to_string(static_cast<int>(rtt_timeouts[i])) +
                              " s; clean close with code 1000. The round-trip times' p50 and "
                              "p99 are recorded.");
            add_case(out, std::move(c),
                     {.op = w.op, .size = size, .pattern = k == 0 ? star : fe, .count = 1000},
                     rtt_timeouts[i]);
        }
    }
}

} // namespace wsconform::cases
