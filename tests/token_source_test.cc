#include "kce/token_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "kce/logging.h"
#include "support/temp_dir.h"

namespace kce {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  TokenSource::Clock Function() {
    return [this] { return now; };
  }
};

// Routes all component logs into a string for the duration of a test.
class CapturedLogs {
 public:
  CapturedLogs() { SetupLogging("debug", "text", &stream_); }
  ~CapturedLogs() { SetupLogging("info", "text", nullptr); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
};

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(TokenSourceTest, StaticTokenNeverChanges) {
  auto source = TokenSource::Static("abc");
  EXPECT_EQ(source->Token(), "abc");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "abc");
  EXPECT_FALSE(source->refreshable());
}

TEST(TokenSourceTest, FileTokenIsReReadOnceOlderThanMaxAge) {
  testing::TempDir dir;
  const std::string path = dir.Write("token", "first\n");
  FakeClock clock;
  auto source = TokenSource::FromFile(path, clock.Function());
  EXPECT_TRUE(source->refreshable());
  EXPECT_EQ(source->Token(), "first");

  dir.Write("token", "second");
  clock.now += 59s;
  EXPECT_EQ(source->Token(), "first");
  clock.now += 1s;
  EXPECT_EQ(source->Token(), "second");
}

TEST(TokenSourceTest, InvalidateForcesAReadOnTheNextCall) {
  testing::TempDir dir;
  const std::string path = dir.Write("token", "old");
  FakeClock clock;
  auto source = TokenSource::FromFile(path, clock.Function());
  EXPECT_EQ(source->Token(), "old");

  dir.Write("token", "rotated");
  EXPECT_EQ(source->Token(), "old");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "rotated");
}

TEST(TokenSourceTest, ReadErrorKeepsLastTokenAndWarnsOnceWithoutTheToken) {
  CapturedLogs logs;
  testing::TempDir dir;
  const std::string path = dir.Write("token", "tok-SECRET-1");
  FakeClock clock;
  auto source = TokenSource::FromFile(path, clock.Function());
  EXPECT_EQ(source->Token(), "tok-SECRET-1");

  std::filesystem::remove(path);
  for (int i = 0; i < 3; ++i) {
    source->Invalidate();
    EXPECT_EQ(source->Token(), "tok-SECRET-1");
    clock.now += 61s;
    EXPECT_EQ(source->Token(), "tok-SECRET-1");
  }
  EXPECT_EQ(Count(logs.text(), "cannot read token file"), 1) << logs.text();
  EXPECT_THAT(logs.text(), HasSubstr(path));

  dir.Write("token", "tok-SECRET-2");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "tok-SECRET-2");
  EXPECT_THAT(logs.text(), HasSubstr("readable again"));

  std::filesystem::remove(path);
  source->Invalidate();
  EXPECT_EQ(source->Token(), "tok-SECRET-2");
  EXPECT_EQ(Count(logs.text(), "cannot read token file"), 2) << logs.text();
  EXPECT_THAT(logs.text(), Not(HasSubstr("tok-SECRET")));
}

TEST(TokenSourceTest, EmptyFileKeepsLastToken) {
  testing::TempDir dir;
  const std::string path = dir.Write("token", "  good \n");
  FakeClock clock;
  auto source = TokenSource::FromFile(path, clock.Function());
  EXPECT_EQ(source->Token(), "good");
  dir.Write("token", "\n");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "good");
}

TEST(TokenSourceTest, TokenWithControlBytesKeepsLastToken) {
  testing::TempDir dir;
  const std::string path = dir.Write("token", "good\n");
  FakeClock clock;
  auto source = TokenSource::FromFile(path, clock.Function());
  EXPECT_EQ(source->Token(), "good");
  // A header injection attempt, or a file that is not a token at all.
  dir.Write("token", "evil\r\nX-Injected: 1\n");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "good");
  dir.Write("token", "fresh\n");
  source->Invalidate();
  EXPECT_EQ(source->Token(), "fresh");
}

TEST(TokenSourceTest, BearerTokenCharacters) {
  EXPECT_TRUE(IsValidBearerToken("eyJhbGciOi.JSUzI1NiIs-_~+/="));
  EXPECT_FALSE(IsValidBearerToken(""));
  EXPECT_FALSE(IsValidBearerToken("a b"));
  EXPECT_FALSE(IsValidBearerToken("a\tb"));
  EXPECT_FALSE(IsValidBearerToken("a\r\nb"));
  EXPECT_FALSE(IsValidBearerToken(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidBearerToken("caf\xc3\xa9"));
}

TEST(TokenSourceTest, WithoutAnyTokenEveryCallReadsAgain) {
  testing::TempDir dir;
  FakeClock clock;
  auto source = TokenSource::FromFile(dir.File("token"), clock.Function());
  EXPECT_EQ(source->Token(), "");
  dir.Write("token", "late");
  EXPECT_EQ(source->Token(), "late");  // no time passed, no Invalidate
}

TEST(TokenSourceTest, ForEndpointPrefersTheTokenFile) {
  testing::TempDir dir;
  ClusterEndpoint endpoint;
  EXPECT_EQ(TokenSource::ForEndpoint(endpoint), nullptr);

  endpoint.token = "static";
  EXPECT_EQ(TokenSource::ForEndpoint(endpoint)->Token(), "static");

  endpoint.token_file = dir.Write("token", "from-file");
  auto source = TokenSource::ForEndpoint(endpoint);
  EXPECT_EQ(source->Token(), "from-file");
  EXPECT_TRUE(source->refreshable());
}

}  // namespace
}  // namespace kce
