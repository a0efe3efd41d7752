#include "harness/codec/deflate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace wsconform::codec {
namespace {

// ---- RFC 7692 §7.2.3 examples -----------------------------------------------------------------
// Byte strings as printed in RFC 7692 §7.2.3.1-§7.2.3.6.

const bytes hello = to_bytes("Hello");
const bytes rfc_hello = hex("f2 48 cd c9 c9 07 00");                        // §7.2.3.1
const bytes rfc_hello_again = hex("f2 00 11 00 00");                        // §7.2.3.2
const bytes rfc_stored = hex("00 05 00 fa ff 48 65 6c 6c 6f 00");           // §7.2.3.3
const bytes rfc_bfinal = hex("f3 48 cd c9 c9 07 00 00");                    // §7.2.3.4
const bytes rfc_two_blocks = hex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00"); // §7.2.3.5
const bytes rfc_empty = hex("00");                                          // §7.2.3.6

bytes inflate_ok(inflater& in, byte_view payload) {
    auto ec = in.inflate_message(payload);
    EXPECT_FALSE(ec) << ec.message() << ": " << in.error_detail();
    return in.take_message();
}

TEST(DeflateRfc, HelloInOneCompressedBlock) {
    deflater out;
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello));
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello);
}

TEST(DeflateRfc, SharingTheWindowBetweenMessages) {
    deflater out;
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello));
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello_again));
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello);
    EXPECT_EQ(inflate_ok(in, rfc_hello_again), hello);
}

TEST(DeflateRfc, NoContextTakeoverRepeatsTheFirstForm) {
    deflater out({.context_takeover = false});
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello));
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello));
}

TEST(DeflateRfc, StoredBlock) {
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_stored), hello);
    // zlib at level 0 writes exactly the RFC's stored block.
    deflater out({.level = 0});
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_stored));
}

TEST(DeflateRfc, BfinalBlockThenPadding) {
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_bfinal), hello);
    // The window survives the BFINAL block: the next message may refer back to it.
    EXPECT_EQ(inflate_ok(in, rfc_hello_again), hello);
}

TEST(DeflateRfc, TwoBlocksInOneMessage) {
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_two_blocks), hello);
}

TEST(DeflateRfc, EmptyMessageIsOneZeroOctet) {
    deflater out;
    EXPECT_EQ(out.compress_message({}), rfc_empty);
    // Twice in a row (zlib itself would emit nothing for the second flush), and after data.
    EXPECT_EQ(out.compress_message({}), rfc_empty);
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello));
    EXPECT_EQ(out.compress_message({}), rfc_empty);
    EXPECT_EQ(to_hex(out.compress_message(hello)), to_hex(rfc_hello_again));
    inflater in;
    EXPECT_EQ(inflate_ok(in, rfc_empty), bytes{});
    EXPECT_EQ(in.message_size(), 0u);
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello);
    EXPECT_EQ(inflate_ok(in, rfc_empty), bytes{});
    EXPECT_EQ(inflate_ok(in, rfc_hello_again), hello);
}

TEST(DeflateRfc, OneOctetFragments) {
    for (const bytes* payload : {&rfc_hello, &rfc_stored, &rfc_bfinal, &rfc_two_blocks}) {
        inflater in;
        for (byte b : *payload)
            ASSERT_FALSE(in.feed(byte_view(&b, 1)));
        ASSERT_FALSE(in.finish()) << in.error_detail();
        EXPECT_EQ(in.message(), hello) << to_hex(*payload);
    }
}

// ---- Round trips ------------------------------------------------------------------------------

bytes random_message(std::mt19937& rng, std::size_t size) {
    bytes m(size);
    switch (rng() % 3) {
    case 0: // incompressible
        for (auto& b : m)
            b = static_cast<byte>(rng());
        break;
    case 1: { // text-like: words from a small vocabulary
        static const std::string_view words[] = {"frame ",  "mask ",    "opcode ",  "deflate ",
                                                 "window ", "context ", "takeover "};
        std::string s;
        while (s.size() < size)
            s += words[rng() % std::size(words)];
        std::copy_n(s.begin(), size, m.begin());
        break;
    }
    default: // runs of a few byte values
        for (std::size_t i = 0; i < size;) {
            auto run = std::min<std::size_t>(size - i, 1 + rng() % 300);
            std::fill_n(m.begin() + static_cast<std::ptrdiff_t>(i), run,
                        static_cast<byte>(rng() % 4));
            i += run;
        }
    }
    return m;
}

std::size_t random_size(std::mt19937& rng) {
    static const std::size_t sizes[] = {0, 1, 2, 5, 100, 255, 256, 1000, 4096, 40000, 70000};
    return sizes[rng() % std::size(sizes)];
}

TEST(DeflateRoundTrip, AllWindowSizesWithAndWithoutTakeover) {
    std::mt19937 rng(7692);
    for (int bits = 8; bits <= 15; ++bits) {
        for (bool takeover : {true, false}) {
            SCOPED_TRACE("window_bits=" + std::to_string(bits) +
                         " takeover=" + std::to_string(takeover));
            deflater out({.window_bits = bits, .context_takeover = takeover});
            inflater in({.window_bits = bits, .context_takeover = takeover});
            for (int i = 0; i < 40; ++i) {
                bytes m = random_message(rng, random_size(rng));
                bytes z = out.compress_message(m);
                // Arbitrary fragmentation, as frames would cut it.
                std::size_t pos = 0;
                while (pos < z.size()) {
                    auto n = std::min<std::size_t>(z.size() - pos, 1 + rng() % 700);
                    ASSERT_FALSE(in.feed(byte_view(z).subspan(pos, n))) << in.error_detail();
                    pos += n;
                }
                ASSERT_FALSE(in.finish()) << in.error_detail();
                ASSERT_EQ(in.message_size(), m.size());
                ASSERT_EQ(in.message(), m) << "message " << i;
                if (!takeover) {
                    // Each message stands alone: a fresh inflater decodes it.
                    inflater fresh({.window_bits = bits});
                    ASSERT_EQ(inflate_ok(fresh, z), m);
                }
            }
        }
    }
}

TEST(DeflateRoundTrip, TakeoverShrinksARepeatedMessage) {
    std::mt19937 rng(1);
    bytes m(3000);
    for (auto& b : m)
        b = static_cast<byte>(rng()); // incompressible on its own
    deflater with;
    deflater without({.context_takeover = false});
    auto first = with.compress_message(m);
    auto second = with.compress_message(m);
    EXPECT_EQ(without.compress_message(m), first);
    EXPECT_EQ(without.compress_message(m), first);
    EXPECT_GT(first.size(), 3000u);
    // 12 matches of 258 bytes (2 to 4 bytes each) copying the previous message.
    EXPECT_LT(second.size(), 50u);
    inflater in;
    EXPECT_EQ(inflate_ok(in, first), m);
    EXPECT_EQ(inflate_ok(in, second), m);
}

TEST(DeflateRoundTrip, WindowBits8CompressesWith9ThatA256ByteWindowInflates) {
    deflater out({.window_bits = 8});
    EXPECT_EQ(out.window_bits(), 9);
    // Repeats at distances 200..511: zlib must not use those beyond 250 (its MAX_DIST for 9).
    std::mt19937 rng(8);
    bytes m;
    for (int i = 0; i < 200; ++i) {
        bytes block = random_message(rng, 200 + rng() % 312);
        m.insert(m.end(), block.begin(), block.end());
        m.insert(m.end(), block.begin(), block.end());
    }
    inflater in({.window_bits = 8});
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(inflate_ok(in, out.compress_message(m)), m);
}

TEST(DeflateRoundTrip, LargeMessageAcrossManyChunks) {
    std::mt19937 rng(3);
    bytes m = random_message(rng, 5 * 1024 * 1024 + 3);
    deflater out;
    inflater in({.chunk = 1000});
    auto z = out.compress_message(m);
    EXPECT_EQ(inflate_ok(in, z), m);
}

// ---- Corrupt input ----------------------------------------------------------------------------

std::error_code inflate_error(inflater& in, byte_view payload) {
    return in.inflate_message(payload);
}

TEST(DeflateCorrupt, ReservedBlockType) {
    inflater in;
    EXPECT_EQ(inflate_error(in, hex("ff ff")), deflate_error::inflate_corrupt);
    EXPECT_NE(in.error_detail().find("invalid block type"), std::string::npos) << in.error_detail();
}

TEST(DeflateCorrupt, StoredLengthsDisagree) {
    inflater in;
    EXPECT_EQ(inflate_error(in, hex("00 05 00 fa fe 48 65 6c 6c 6f 00")),
              deflate_error::inflate_corrupt);
    EXPECT_NE(in.error_detail().find("invalid stored block lengths"), std::string::npos)
        << in.error_detail();
}

// Output zlib made before the data turned corrupt is delivered and limited however the message
// was fragmented (corpus/regressions/inflate/*-depends-on-fragments.hex).
TEST(DeflateCorrupt, OutputBeforeCorruptDataDoesNotDependOnFragments) {
    // A stored block "Hello", then a stored block whose LEN and NLEN disagree.
    const bytes message = hex("00 05 00 fa ff 48 65 6c 6c 6f 00 05 00 fa fe 48");
    for (const std::uint64_t limit : {std::uint64_t{1000}, std::uint64_t{1}}) {
        const auto expected =
            limit == 1 ? deflate_error::inflate_limit_exceeded : deflate_error::inflate_corrupt;
        for (const std::size_t piece : {message.size(), std::size_t{1}}) {
            std::string delivered;
            inflater_options options;
            options.max_message = limit;
            inflater in(options,
                        [&](byte_view chunk) { delivered.append(chunk.begin(), chunk.end()); });
            std::error_code ec;
            for (std::size_t at = 0; at < message.size() && !ec; at += piece)
                ec = in.feed(byte_view(message).subspan(at, std::min(piece, message.size() - at)));
            EXPECT_EQ(ec, expected) << "limit " << limit << ", pieces of " << piece;
            EXPECT_EQ(delivered, std::string("Hello").substr(0, limit))
                << "limit " << limit << ", pieces of " << piece;
        }
    }
}

TEST(DeflateCorrupt, ReferenceBeforeTheStart) {
    // §7.2.3.2's second message refers to "Hello" from the first one.
    inflater in;
    EXPECT_EQ(inflate_error(in, rfc_hello_again), deflate_error::inflate_corrupt);
    EXPECT_NE(in.error_detail().find("invalid distance too far back"), std::string::npos)
        << in.error_detail();
}

TEST(DeflateCorrupt, NoContextTakeoverDropsTheWindow) {
    inflater in({.context_takeover = false});
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello);
    EXPECT_EQ(inflate_error(in, rfc_hello_again), deflate_error::inflate_corrupt);
}

TEST(DeflateCorrupt, DistanceBeyondTheAgreedWindow) {
    // A 15-bit compressor with context takeover copies the second message from 1000 bytes
    // back, into the first message; a 9-bit (512 byte) window no longer holds that.
    std::mt19937 rng(5);
    bytes m(1000);
    for (auto& b : m)
        b = static_cast<byte>(rng());
    deflater out;
    auto first = out.compress_message(m);
    auto second = out.compress_message(m);
    inflater narrow({.window_bits = 9});
    EXPECT_EQ(inflate_ok(narrow, first), m);
    EXPECT_EQ(inflate_error(narrow, second), deflate_error::inflate_corrupt);
    EXPECT_NE(narrow.error_detail().find("invalid distance too far back"), std::string::npos)
        << narrow.error_detail();
    inflater wide({.window_bits = 10});
    EXPECT_EQ(inflate_ok(wide, first), m);
    EXPECT_EQ(inflate_ok(wide, second), m);
}

TEST(DeflateCorrupt, TailNotStripped) {
    // A sender that kept 00 00 ff ff leaves half a stored header after ours is appended.
    inflater in;
    EXPECT_EQ(inflate_error(in, hex("f2 48 cd c9 c9 07 00 00 00 ff ff")),
              deflate_error::inflate_incomplete);
    EXPECT_EQ(in.message(), hello); // inflated before the problem showed
}

TEST(DeflateCorrupt, EmptyPayloadIsIncomplete) {
    // §7.2.3.6: an empty message is 0x00; zero octets are not a compressed message.
    inflater in;
    EXPECT_EQ(inflate_error(in, {}), deflate_error::inflate_incomplete);
}

TEST(DeflateCorrupt, ErrorsAreStickyUntilReset) {
    inflater in;
    EXPECT_EQ(inflate_error(in, hex("ff ff")), deflate_error::inflate_corrupt);
    EXPECT_EQ(in.feed(rfc_hello), deflate_error::inflate_corrupt);
    EXPECT_EQ(in.finish(), deflate_error::inflate_corrupt);
    EXPECT_EQ(in.error(), deflate_error::inflate_corrupt);
    in.reset();
    EXPECT_FALSE(in.error());
    EXPECT_EQ(in.error_detail(), "");
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello);
}

TEST(DeflateCorrupt, BadOptionsThrow) {
    EXPECT_THROW(deflater({.window_bits = 7}), std::invalid_argument);
    EXPECT_THROW(deflater({.window_bits = 16}), std::invalid_argument);
    EXPECT_THROW(deflater({.level = 10}), std::invalid_argument);
    EXPECT_THROW(inflater({.window_bits = 7}), std::invalid_argument);
    EXPECT_THROW(inflater({.chunk = 0}), std::invalid_argument);
    EXPECT_NO_THROW(inflater({.window_bits = 8}));
}

// ---- Bomb and limit ---------------------------------------------------------------------------

std::uint64_t counted_inflate(byte_view payload, std::uint64_t limit, std::error_code& ec,
                              std::size_t* largest_chunk = nullptr) {
    std::uint64_t seen = 0;
    std::size_t largest = 0;
    inflater in({.max_message = limit}, [&](byte_view chunk) {
        seen += chunk.size();
        largest = std::max(largest, chunk.size());
    });
    ec = in.inflate_message(payload);
    EXPECT_EQ(seen, in.message_size());
    EXPECT_EQ(in.message(), bytes{}); // a sink keeps nothing
    EXPECT_LE(in.retained_bytes(), 16u * 1024);
    if (largest_chunk)
        *largest_chunk = largest;
    return seen;
}

TEST(DeflateBomb, ExactSizesAndRatio) {
    EXPECT_EQ(make_deflate_bomb(0), rfc_empty);
    // Header 103 bits + 2 per literal + 2 per match + end-of-block 2 + stored header 3.
    EXPECT_EQ(make_deflate_bomb(1).size(), 14u);    // 103 + 2 + 5 = 110 bits
    EXPECT_EQ(make_deflate_bomb(259).size(), 14u);  // one literal, one match: 112 bits
    EXPECT_EQ(make_deflate_bomb(1000).size(), 71u); // 226 literals, 3 matches: 566 bits
    EXPECT_EQ(make_deflate_bomb(1ull << 30).size(), 1040462u);
    for (std::uint64_t n : {1ull, 2ull, 3ull, 257ull, 258ull, 259ull, 260ull, 1000ull, 516ull,
                            65536ull, 1048576ull + 7}) {
        SCOPED_TRACE(n);
        auto bomb = make_deflate_bomb(n);
        inflater in({.max_message = n});
        ASSERT_EQ(inflate_ok(in, bomb), bytes(n, 0));
        std::error_code ec;
        EXPECT_EQ(counted_inflate(bomb, n, ec), n);
        EXPECT_FALSE(ec);
    }
}

TEST(DeflateBomb, WorksWithContextTakeoverAndSmallWindows) {
    inflater in({.window_bits = 8});
    for (std::uint64_t n : {5000ull, 0ull, 1ull, 70000ull})
        EXPECT_EQ(inflate_ok(in, make_deflate_bomb(n)), bytes(n, 0));
    EXPECT_EQ(inflate_ok(in, rfc_hello), hello); // still in step
}

TEST(DeflateBomb, OneGibibyteCountedInConstantMemory) {
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    auto bomb = make_deflate_bomb(1ull << 30);
    auto t1 = clock::now();
    std::error_code ec;
    std::size_t largest = 0;
    EXPECT_EQ(counted_inflate(bomb, 1ull << 30, ec, &largest), 1ull << 30);
    auto t2 = clock::now();
    EXPECT_FALSE(ec);
    EXPECT_LE(largest, 16u * 1024);
    auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::cout << "[ info ] 1 GiB bomb: " << bomb.size() << " bytes, built in " << ms(t1 - t0)
              << " ms, inflated (counting) in " << ms(t2 - t1) << " ms\n";
    EXPECT_LT(ms(t1 - t0), 300);
}

TEST(DeflateLimit, ExactlyTheLimitPassesOneMoreFails) {
    inflater in({.max_message = 65536});
    EXPECT_EQ(inflate_ok(in, make_deflate_bomb(65536)).size(), 65536u);
    EXPECT_EQ(in.inflate_message(make_deflate_bomb(65537)), deflate_error::inflate_limit_exceeded);
    EXPECT_EQ(in.error_detail(), "inflated message exceeds limit 65536 bytes");
    EXPECT_EQ(in.message_size(), 65536u);
}

TEST(DeflateLimit, BombStopsAtTheLimitWithBoundedMemory) {
    const std::uint64_t limit = 100 * 1000;
    const std::size_t chunk = 4096;
    inflater in({.max_message = limit, .chunk = chunk});
    EXPECT_EQ(in.inflate_message(make_deflate_bomb((1ull << 20) + 7)),
              deflate_error::inflate_limit_exceeded);
    EXPECT_EQ(in.error_detail(), "inflated message exceeds limit 100000 bytes");
    EXPECT_EQ(in.message().size(), limit);
    EXPECT_LE(in.retained_bytes(), limit + chunk);
    EXPECT_EQ(in.message(), bytes(limit, 0));
}

TEST(DeflateLimit, GibibyteBombAgainstASmallLimitFailsFast) {
    auto bomb = make_deflate_bomb(1ull << 30);
    std::error_code ec;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(counted_inflate(bomb, 1 << 20, ec), 1u << 20);
    EXPECT_EQ(ec, deflate_error::inflate_limit_exceeded);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
    // Fed in 1000-byte fragments, the error comes at the fragment that crosses the limit.
    inflater in({.max_message = 1 << 20});
    std::size_t fed = 0;
    while (fed < bomb.size() && !in.feed(byte_view(bomb).subspan(fed, 1000)))
        fed += 1000;
    EXPECT_EQ(in.error(), deflate_error::inflate_limit_exceeded);
    EXPECT_EQ(fed, 1000u); // 1000 bytes hold ~4 MiB; the first fragment already overflows
    EXPECT_LE(in.retained_bytes(), (1u << 20) + 16 * 1024);
}

TEST(DeflateLimit, CollectedBufferNeverGrowsPastTheLimit) {
    std::mt19937 rng(11);
    const std::uint64_t limit = 300000;
    inflater in({.max_message = limit});
    deflater out;
    for (int i = 0; i < 20; ++i) {
        bytes m = random_message(rng, 1 + rng() % limit);
        ASSERT_EQ(inflate_ok(in, out.compress_message(m)), m);
        EXPECT_LE(in.retained_bytes(), limit + 16 * 1024);
    }
}

// ---- Negotiation ------------------------------------------------------------------------------

deflate_params bare_client_bits() {
    deflate_params p;
    p.client_max_window_bits.emplace();
    return p;
}

deflate_negotiation response(std::vector<std::string> values, const deflate_params& offer = {},
                             std::vector<std::string> others = {}) {
    return parse_deflate_response(values, offer, others);
}

TEST(DeflateNegotiation, MakeOffer) {
    EXPECT_EQ(make_deflate_offer({}), "permessage-deflate");
    EXPECT_EQ(make_deflate_offer(bare_client_bits()), "permessage-deflate; client_max_window_bits");
    deflate_params all{true, true, 10, std::optional<int>(12)};
    EXPECT_EQ(make_deflate_offer(all),
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
              "server_max_window_bits=10; client_max_window_bits=12");
    deflate_params agreed;
    agreed.server_no_context_takeover = true;
    agreed.client_max_window_bits = 9;
    EXPECT_EQ(make_deflate_response(agreed),
              "permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
}

TEST(DeflateNegotiation, OfferRoundTrip) {
    std::vector<deflate_params> offers = {{}, bare_client_bits()};
    for (int bits = 8; bits <= 15; ++bits) {
        offers.push_back({bits % 2 == 0, bits % 3 == 0, bits, std::optional<int>(23 - bits)});
        offers.push_back({true, false, std::nullopt, std::optional<int>(bits)});
    }
    std::vector<std::string> line;
    for (const auto& o : offers)
        line.push_back(make_deflate_offer(o));
    auto parsed = parse_deflate_offers(line);
    ASSERT_EQ(parsed.size(), offers.size());
    for (std::size_t i = 0; i < offers.size(); ++i) {
        EXPECT_FALSE(parsed[i].error) << line[i];
        EXPECT_EQ(parsed[i].params, offers[i]) << line[i];
    }
}

TEST(DeflateNegotiation, AcceptedResponses) {
    auto r = response({"permessage-deflate"});
    EXPECT_FALSE(r.error);
    ASSERT_TRUE(r.agreed);
    EXPECT_EQ(*r.agreed, deflate_params{});

    r = response({"permessage-deflate; server_no_context_takeover; client_no_context_takeover"});
    ASSERT_TRUE(r.agreed) << r.error.message() << r.detail;
    EXPECT_EQ(*r.agreed, (deflate_params{true, true, std::nullopt, std::nullopt}));

    // Quoted value (RFC 6455 §9.1), whitespace around the separators, other case.
    r = response(
        {"PerMessage-Deflate ;  client_max_window_bits = \"10\" ;SERVER_MAX_WINDOW_BITS=12"},
        bare_client_bits());
    ASSERT_TRUE(r.agreed) << r.error.message() << r.detail;
    EXPECT_EQ(r.agreed->client_max_window_bits, std::optional<int>(10));
    EXPECT_EQ(r.agreed->server_max_window_bits, 12);

    // server_max_window_bits may come without having been offered (§7.1.2.1); the offered
    // value itself is accepted, as is a smaller one.
    r = response({"permessage-deflate; server_max_window_bits=8"});
    ASSERT_TRUE(r.agreed);
    EXPECT_EQ(r.agreed->server_max_window_bits, 8);
    deflate_params limited;
    limited.server_max_window_bits = 10;
    EXPECT_EQ(response({"permessage-deflate; server_max_window_bits=10"}, limited)
                  .agreed->server_max_window_bits,
              10);
    EXPECT_EQ(response({"permessage-deflate; server_max_window_bits=9"}, limited)
                  .agreed->server_max_window_bits,
              9);

    // A client_max_window_bits hint may be exceeded by the response (§7.1.2.2).
    deflate_params hint;
    hint.client_max_window_bits = 10;
    r = response({"permessage-deflate; client_max_window_bits=12"}, hint);
    ASSERT_TRUE(r.agreed);
    EXPECT_EQ(r.agreed->client_max_window_bits, std::optional<int>(12));

    // Other offered extensions, across several header lines and empty list elements.
    r = response({"x-foo; a=1", " , permessage-deflate; client_no_context_takeover,,"}, {},
                 {"X-Foo"});
    ASSERT_TRUE(r.agreed) << r.error.message() << r.detail;
    EXPECT_TRUE(r.agreed->client_no_context_takeover);
}

TEST(DeflateNegotiation, DeclinedIsNotAnError) {
    auto r = response({});
    EXPECT_FALSE(r.error);
    EXPECT_FALSE(r.agreed);
    r = response({"x-foo"}, {}, {"x-foo"});
    EXPECT_FALSE(r.error);
    EXPECT_FALSE(r.agreed);
}

TEST(DeflateNegotiation, ResponseFromHeaderFields) {
    std::vector<header_field> headers = {
        {"Upgrade", "websocket"},
        {"sec-websocket-extensions", "permessage-deflate; client_max_window_bits=\"9,\""},
    };
    // The comma sits inside a quoted string: one element, whose value is not a token.
    auto r = parse_deflate_response(headers, bare_client_bits());
    EXPECT_EQ(r.error, deflate_error::malformed_header);
    headers[1].value = "permessage-deflate; client_max_window_bits=9";
    r = parse_deflate_response(headers, bare_client_bits());
    ASSERT_TRUE(r.agreed);
    EXPECT_EQ(r.agreed->client_max_window_bits, std::optional<int>(9));
}

struct bad_response {
    const char* header;
    deflate_error error;
    deflate_params offer = {};
};

TEST(DeflateNegotiation, EveryResponseError) {
    deflate_params server10;
    server10.server_max_window_bits = 10;
    deflate_params no_server_takeover;
    no_server_takeover.server_no_context_takeover = true;
    using enum deflate_error;
    const bad_response cases[] = {
        {"permessage-deflate;", malformed_header},
        {"permessage-deflate; ", malformed_header},
        {"permessage-deflate server_no_context_takeover", malformed_header},
        {"permessage-deflate; server_max_window_bits=\"10", malformed_header},
        {"permessage-deflate; server_max_window_bits=\"1 0\"", malformed_header},
        {"permessage-deflate; server_max_window_bits=\"\"", malformed_header},
        {"permessage-deflate; server_max_window_bits=", malformed_header},
        {"permessage-deflate; server_max_window_bits=1=2", malformed_header},
        {"permessage-deflate; =10", malformed_header},
        {"\"permessage-deflate\"", malformed_header},
        {"permessage-deflate; max_window_bits=10", unknown_parameter},
        {"permessage-deflate; x-custom", unknown_parameter},
        {"permessage-deflate; no_context_takeover", unknown_parameter},
        {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
         duplicate_parameter},
        {"permessage-deflate; server_max_window_bits=9; Server_Max_Window_Bits=9",
         duplicate_parameter},
        {"permessage-deflate; server_max_window_bits=7", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=16", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=0", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=08", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=010", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=+9", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=9a", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=1.5", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=\"16\"", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=100000000000000000009", invalid_window_bits},
        {"permessage-deflate; client_max_window_bits=7", invalid_window_bits, bare_client_bits()},
        {"permessage-deflate; server_no_context_takeover=1", unexpected_value},
        {"permessage-deflate; client_no_context_takeover=\"true\"", unexpected_value},
        {"permessage-deflate; server_max_window_bits", missing_value},
        {"permessage-deflate; client_max_window_bits", missing_value, bare_client_bits()},
        {"permessage-deflate; client_max_window_bits=10", client_window_bits_not_offered},
        {"permessage-deflate; server_max_window_bits=11", server_window_bits_too_large, server10},
        {"permessage-deflate; server_max_window_bits=15", server_window_bits_too_large, server10},
        {"permessage-deflate", server_window_bits_ignored, server10},
        {"permessage-deflate; client_no_context_takeover", server_no_context_takeover_ignored,
         no_server_takeover},
        {"permessage-deflate, permessage-deflate", selected_twice},
        {"permessage-deflate; server_no_context_takeover, permessage-deflate", selected_twice},
        {"x-webkit-deflate-frame", extension_not_offered},
        {"permessage-deflate, deflate-frame", extension_not_offered},
    };
    for (const auto& c : cases) {
        auto r = response({c.header}, c.offer);
        EXPECT_EQ(r.error, c.error) << c.header << " -> " << r.error.message();
        EXPECT_FALSE(r.agreed) << c.header;
        EXPECT_FALSE(r.detail.empty()) << c.header;
    }
    // selected twice across two header lines
    auto r = response({"permessage-deflate", "permessage-deflate"});
    EXPECT_EQ(r.error, deflate_error::selected_twice);
}

TEST(DeflateNegotiation, ErrorDetailNamesTheParameter) {
    auto r = response({"permessage-deflate; server_max_window_bits=16"});
    EXPECT_EQ(r.detail, "'server_max_window_bits=16' in "
                        "'permessage-deflate; server_max_window_bits=16'");
    deflate_params server10;
    server10.server_max_window_bits = 10;
    r = response({"permessage-deflate;server_max_window_bits=12"}, server10);
    EXPECT_EQ(r.detail, "12 > offered 10 in 'permessage-deflate;server_max_window_bits=12'");
    r = response({"foo"});
    EXPECT_EQ(r.detail, "'foo'");
}

TEST(DeflateNegotiation, Offers) {
    std::vector<std::string> values = {
        "permessage-deflate; client_max_window_bits, "
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=\"12\"",
        "x-foo; a=\"b,c\"; d, permessage-deflate",
    };
    auto offers = parse_deflate_offers(values);
    ASSERT_EQ(offers.size(), 3u);
    EXPECT_EQ(offers[0].params, bare_client_bits());
    EXPECT_EQ(offers[1].params, (deflate_params{false, false, 10, std::optional<int>(12)}));
    EXPECT_EQ(offers[2].params, deflate_params{});
    for (const auto& o : offers)
        EXPECT_FALSE(o.error) << o.detail;
}

TEST(DeflateNegotiation, EveryOfferError) {
    using enum deflate_error;
    const std::pair<const char*, deflate_error> cases[] = {
        {"permessage-deflate; client_max_window_bits=\"9", malformed_header},
        {"permessage-deflate;;", malformed_header},
        {"permessage-deflate; window=9", unknown_parameter},
        {"permessage-deflate; client_max_window_bits; client_max_window_bits=9",
         duplicate_parameter},
        {"permessage-deflate; client_max_window_bits=09", invalid_window_bits},
        {"permessage-deflate; server_max_window_bits=16", invalid_window_bits},
        {"permessage-deflate; client_no_context_takeover=0", unexpected_value},
        {"permessage-deflate; server_max_window_bits", missing_value},
    };
    for (const auto& [header, error] : cases) {
        std::vector<std::string> values = {header};
        auto offers = parse_deflate_offers(values);
        ASSERT_EQ(offers.size(), 1u) << header;
        EXPECT_EQ(offers[0].error, error) << header << " -> " << offers[0].error.message();
        EXPECT_FALSE(offers[0].detail.empty()) << header;
    }
    // A broken element of another extension is none of our business.
    std::vector<std::string> values = {"x-foo; =, permessage-deflate"};
    auto offers = parse_deflate_offers(values);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_FALSE(offers[0].error);
}

std::vector<header_field> extensions_header(std::string value) {
    return {{"Sec-WebSocket-Extensions", std::move(value)}};
}

TEST(DeflateNegotiation, SeveralOffersAgreeOnTheFirstAnswered) {
    // Autobahn 13.7's three offers: (no takeover, 9), (no takeover), default.
    std::vector<std::string> request = {
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; "
        "client_max_window_bits, permessage-deflate; server_no_context_takeover; "
        "client_max_window_bits, permessage-deflate; client_max_window_bits"};
    auto offers = parse_deflate_offers(request);
    ASSERT_EQ(offers.size(), 3u);

    auto second = negotiate_deflate(
        extensions_header("permessage-deflate; server_no_context_takeover"), offers);
    EXPECT_FALSE(second.error) << second.detail;
    ASSERT_TRUE(second.agreed);
    EXPECT_TRUE(second.agreed->server_no_context_takeover);
    EXPECT_EQ(second.offer, offers[1].params);

    auto third = negotiate_deflate(extensions_header("permessage-deflate"), offers);
    EXPECT_FALSE(third.error) << third.detail;
    EXPECT_EQ(third.offer, offers[2].params);

    // Answers none: the error against the first offer stands, not the second's.
    std::vector<std::string> two = {
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=9, "
        "permessage-deflate; server_max_window_bits=10"};
    auto none =
        negotiate_deflate(extensions_header("permessage-deflate; server_max_window_bits=12"),
                          parse_deflate_offers(two));
    EXPECT_EQ(none.error, deflate_error::server_no_context_takeover_ignored);
    EXPECT_FALSE(none.agreed);

    auto declined = negotiate_deflate({}, offers);
    EXPECT_FALSE(declined.error);
    EXPECT_FALSE(declined.agreed);

    // An offer with an error is skipped: the response is judged on the valid one.
    std::vector<std::string> broken = {"permessage-deflate; window=9, permessage-deflate"};
    auto judged =
        negotiate_deflate(extensions_header("permessage-deflate"), parse_deflate_offers(broken));
    EXPECT_FALSE(judged.error) << judged.detail;
    EXPECT_TRUE(judged.agreed);
}

TEST(DeflateNegotiation, ClientOfferValueBindsToo) {
    deflate_params offer;
    offer.client_max_window_bits = 10;
    deflate_params agreed;
    agreed.client_max_window_bits = 12;
    EXPECT_EQ(client_sending_config(agreed, offer), (deflate_stream_config{10, true}));
    agreed.client_max_window_bits = 9;
    EXPECT_EQ(client_sending_config(agreed, offer), (deflate_stream_config{9, true}));
    agreed.client_max_window_bits.reset();
    agreed.client_no_context_takeover = true;
    EXPECT_EQ(client_sending_config(agreed, offer), (deflate_stream_config{10, false}));
    EXPECT_EQ(client_sending_config(agreed, bare_client_bits()),
              (deflate_stream_config{15, false}));
}

TEST(DeflateNegotiation, StreamConfigs) {
    deflate_params agreed;
    agreed.server_no_context_takeover = true;
    agreed.client_max_window_bits = 10;
    EXPECT_EQ(sending_config(agreed, deflate_role::client), (deflate_stream_config{10, true}));
    EXPECT_EQ(sending_config(agreed, deflate_role::server), (deflate_stream_config{15, false}));
    EXPECT_EQ(receiving_config(agreed, deflate_role::client), (deflate_stream_config{15, false}));
    EXPECT_EQ(receiving_config(agreed, deflate_role::server), (deflate_stream_config{10, true}));
    EXPECT_EQ(sending_config(bare_client_bits(), deflate_role::client),
              (deflate_stream_config{15, true}));
}

TEST(DeflateErrors, CategoryAndReferences) {
    std::error_code ec = deflate_error::server_window_bits_too_large;
    EXPECT_STREQ(ec.category().name(), "websocket.deflate");
    EXPECT_EQ(ec.message(),
              "server_max_window_bits in the response larger than offered (RFC 7692 §7.1.2.1)");
    EXPECT_EQ(rfc_reference(deflate_error::malformed_header), "RFC 6455 §9.1");
    EXPECT_EQ(rfc_reference(deflate_error::unknown_parameter), "RFC 7692 §7");
    EXPECT_EQ(rfc_reference(deflate_error::client_window_bits_not_offered), "RFC 7692 §7.1.2.2");
    EXPECT_EQ(rfc_reference(deflate_error::selected_twice), "RFC 7692 §5");
    EXPECT_EQ(rfc_reference(deflate_error::inflate_limit_exceeded), "RFC 6455 §10.4");
    for (int e = 1; e <= static_cast<int>(deflate_error::inflate_limit_exceeded); ++e) {
        auto d = static_cast<deflate_error>(e);
        EXPECT_FALSE(rfc_reference(d).empty()) << e;
        EXPECT_NE(make_error_code(d).message().find(std::string(rfc_reference(d))),
                  std::string::npos)
            << e;
    }
}

} // namespace
} // namespace wsconform::codec
