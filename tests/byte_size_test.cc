#include "kce/byte_size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kce {
namespace {

using ::testing::HasSubstr;

TEST(ByteSizeTest, ParsesAndFormats) {
  std::uint64_t bytes = 0;
  std::string error;
  ASSERT_TRUE(ParseByteSize("256Mi", &bytes, &error));
  EXPECT_EQ(bytes, 256u << 20);
  ASSERT_TRUE(ParseByteSize("2GiB", &bytes, &error));
  EXPECT_EQ(bytes, 2ull << 30);
  ASSERT_TRUE(ParseByteSize("1000", &bytes, &error));
  EXPECT_EQ(bytes, 1000u);
  for (const std::string bad :
       {"", "Mi", "1MB", "-1", "1.5Mi", "99999999999999999999", "17179869184Gi"}) {
    EXPECT_FALSE(ParseByteSize(bad, &bytes, &error)) << bad;
    EXPECT_THAT(error, HasSubstr("\"" + bad + "\""));
  }
  EXPECT_EQ(FormatByteSize(256u << 20), "256MiB");
  EXPECT_EQ(FormatByteSize(1536u << 10), "1536KiB");
  EXPECT_EQ(FormatByteSize(1000), "1000");
  EXPECT_EQ(FormatByteSize(0), "0");
}

}  // namespace
}  // namespace kce
