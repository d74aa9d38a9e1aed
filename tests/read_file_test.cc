#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "kce/file_source.h"
#include "kce/read_file.h"
#include "support/temp_dir.h"

namespace kce {
namespace {

using ::testing::HasSubstr;

TEST(ReadFileTest, ReadsAWholeFileUpToAndIncludingTheLimit) {
  testing::TempDir dir;
  const std::string content(200000, 'x');
  const std::string path = dir.Write("f", content);
  std::string read;
  EXPECT_EQ(ReadWholeFile(path, content.size(), &read), "");
  EXPECT_EQ(read, content);
  EXPECT_EQ(ReadWholeFile(path, content.size() - 1, &read), "it is larger than 199999 bytes");
}

TEST(ReadFileTest, EmptyFileIsEmpty) {
  testing::TempDir dir;
  std::string read = "stale";
  EXPECT_EQ(ReadWholeFile(dir.Write("empty", ""), 10, &read), "");
  EXPECT_EQ(read, "");
}

TEST(ReadFileTest, NamesWhyAFileCannotBeRead) {
  testing::TempDir dir;
  std::string read;
  EXPECT_EQ(ReadWholeFile(dir.File("missing"), 10, &read), "No such file or directory");
  EXPECT_EQ(ReadWholeFile(dir.path(), 10, &read), "it is a directory");
}

TEST(ReadFileTest, EndlessDeviceStopsAtTheLimit) {
  std::string read;
  EXPECT_EQ(ReadWholeFile("/dev/zero", 1 << 20, &read), "it is larger than 1048576 bytes");
}

TEST(FileSourceTest, SnapshotOverTheLimitFailsThePollAsRead) {
  testing::TempDir dir;
  const std::string path = dir.Write("cluster.json", R"({"kind":"List","items":[]})");
  CommitmentBuilder small_builder{AccountingOptions{}};
  const CollectResult refused = FileSource(path, "", 10).Collect(small_builder);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.reason, "read");
  EXPECT_THAT(refused.message, HasSubstr("it is larger than 10 bytes"));

  CommitmentBuilder builder{AccountingOptions{}};
  EXPECT_TRUE(FileSource(path, "", 1 << 20).Collect(builder).ok);
}

}  // namespace
}  // namespace kce
