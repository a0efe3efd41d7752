// The keys of a run's connections, compared across connections: a client that repeats its
// Sec-WebSocket-Key or starts every connection with the same mask key FAILS the case that
// checks it, with the two cases named.

#include "harness/runner/client_keys.hpp"

#include <gtest/gtest.h>

namespace wsconform::runner {
namespace {

case_def checking(across_run what) {
    case_def c;
    c.id = "Q.1.7";
    c.checks_across_run = what;
    return c;
}

case_result passed() {
    case_result r;
    r.behavior = verdict::ok;
    r.behavior_close = close_verdict::ok;
    r.overall = verdict::ok;
    r.result = "echoed";
    return r;
}

TEST(ClientKeyLog, FreshKeysPass) {
    client_key_log log;
    log.add("1.1.1", "dGhlIHNhbXBsZSBub25jZQ==", 0x01020304);
    log.add("1.1.2", "AAECAwQFBgcICQoLDA0ODw==", 0x0a0b0c0d);
    log.add("1.1.3", "", std::nullopt); // no frames, no key: nothing to compare
    EXPECT_EQ(log.repeated_handshake_key(), "");
    EXPECT_EQ(log.repeated_mask_key(), "");
    auto r = passed();
    judge_across_run(checking(across_run::handshake_keys), log, r);
    EXPECT_EQ(r.overall, verdict::ok);
    EXPECT_EQ(r.metrics["connections_compared"], 3);
}

TEST(ClientKeyLog, ARepeatedHandshakeKeyFailsNamingBothCases) {
    client_key_log log;
    log.add("1.1.1", "dGhlIHNhbXBsZSBub25jZQ==", 1);
    log.add("2.1", "AAECAwQFBgcICQoLDA0ODw==", 2);
    log.add("5.3", "dGhlIHNhbXBsZSBub25jZQ==", 3);
    auto r = passed();
    judge_across_run(checking(across_run::handshake_keys), log, r);
    EXPECT_EQ(r.overall, verdict::failed);
    EXPECT_EQ(r.result, "across the run: the connections of cases 1.1.1 and 5.3 both sent the "
                        "key dGhlIHNhbXBsZSBub25jZQ==");
    ASSERT_FALSE(r.notes.empty());
    EXPECT_EQ(r.notes.back(), "echoed");
    // The same log passes the mask-key check: those differ.
    auto masks = passed();
    judge_across_run(checking(across_run::mask_keys), log, masks);
    EXPECT_EQ(masks.overall, verdict::ok);
}

TEST(ClientKeyLog, TheSameFirstMaskKeyOnTwoConnectionsFails) {
    client_key_log log;
    log.add("1.1.1", "a", 0xdeadbeef);
    log.add("1.1.2", "b", 0x12345678);
    log.add("1.1.3", "c", 0xdeadbeef);
    EXPECT_EQ(log.repeated_mask_key(), "the connections of cases 1.1.1 and 1.1.3 both masked "
                                       "their first frame with the key deadbeef");
}

TEST(ClientKeyLog, AnAllZeroFirstMaskKeyFails) {
    client_key_log log;
    log.add("1.1.1", "a", 0);
    EXPECT_EQ(log.repeated_mask_key(),
              "the connection of case 1.1.1 masked its first frame with the all-zero key");
}

TEST(ClientKeyLog, KeepsABoundedNumberOfConnections) {
    client_key_log log;
    for (std::size_t i = 0; i < client_key_log::capacity + 10; ++i)
        log.add("x", std::to_string(i), static_cast<std::uint32_t>(i + 1));
    EXPECT_EQ(log.size(), client_key_log::capacity);
}

TEST(ReceivedMaskKeys, ReadsTheKeysOfThePeersMaskedFramesInOrder) {
    case_result r;
    frame_record ours;
    ours.sent = true;
    ours.value.masked = true;
    ours.value.key = {9, 9, 9, 9};
    frame_record theirs;
    theirs.value.masked = true;
    theirs.value.key = {0x01, 0x02, 0x03, 0x04};
    frame_record unmasked;
    r.frames = {ours, theirs, unmasked};
    EXPECT_EQ(received_mask_keys(r), std::vector<std::uint32_t>{0x01020304});
}

} // namespace
} // namespace wsconform::runner
