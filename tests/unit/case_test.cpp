// The runner's helpers on case definitions: the sizes case titles and verdicts print.

#include "harness/runner/case.hpp"

#include <gtest/gtest.h>

namespace wsconform::runner {
namespace {

TEST(SizeText, WholeUnitsByTheirUnitOthersInBytes) {
    EXPECT_EQ(size_text(0), "0 bytes");
    EXPECT_EQ(size_text(1), "1 byte");
    EXPECT_EQ(size_text(125), "125 bytes");
    EXPECT_EQ(size_text(1023), "1023 bytes");
    EXPECT_EQ(size_text(1024), "1 KiB");
    EXPECT_EQ(size_text(1500), "1500 bytes");
    EXPECT_EQ(size_text(64 * 1024), "64 KiB");
    EXPECT_EQ(size_text(1024 * 1024), "1 MiB");
    EXPECT_EQ(size_text(1024 * 1024 + 1024), "1025 KiB");
    EXPECT_EQ(size_text(1024 * 1024 + 512 * 1024 + 1), "1.50 MiB");
    EXPECT_EQ(size_text(16ull * 1024 * 1024), "16 MiB");
}

} // namespace
} // namespace wsconform::runner
