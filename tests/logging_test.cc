#include "kce/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>
#include <thread>

#include "kce/config_error.h"

namespace kce {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Routes all component loggers into `out_` and back to stderr afterwards, so no logger keeps
// a pointer to a destroyed stream.
class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { SetupLogging("info", "text"); }

  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  std::ostringstream out_;
};

TEST_F(LoggingTest, OneLoggerPerComponent) {
  const auto a = GetLogger("test-a");
  EXPECT_EQ(a, GetLogger("test-a"));
  EXPECT_NE(a, GetLogger("test-b"));
  EXPECT_EQ(a->name(), "test-a");
  EXPECT_EQ(spdlog::get("test-a"), a);
}

TEST_F(LoggingTest, ComponentLoggersShareOneSink) {
  SetupLogging("info", "text", &out_);
  GetLogger("test-a")->info("from a");
  GetLogger("test-b")->info("from b");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("[test-a] from a"));
  EXPECT_THAT(lines[1], HasSubstr("[test-b] from b"));
}

TEST_F(LoggingTest, TextFormat) {
  SetupLogging("info", "text", &out_);
  GetLogger("poller")->warn("poll failed reason={}", "timeout");
  GetLogger("poller")->info("two\nlines");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(std::regex_match(
      lines[0],
      std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z warn \[poller\] poll failed )"
                 R"(reason=timeout)")))
      << lines[0];
  EXPECT_THAT(lines[1], HasSubstr(" info [poller] two\\nlines"));
}

TEST_F(LoggingTest, JsonFormatIsValidJsonForAwkwardMessages) {
  SetupLogging("debug", "json", &out_);
  const std::string messages[] = {
      "plain",
      "quote \" backslash \\ slash /",
      "newline\nreturn\rtab\tbell\x07 del\x7f",
      "utf8 \xC2\xB5 \xE2\x82\xAC \xF0\x9F\x98\x80",
      std::string("nul\0byte", 8),
  };
  for (const std::string& message : messages) GetLogger("json \"name\"")->debug(message);
  GetLogger("json")->info("bad utf8 \xff\xC0\xAF end \xE2\x82");

  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), std::size(messages) + 1);
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::object object;
    ASSERT_EQ(parser.parse(lines[i]).get(object), simdjson::SUCCESS) << lines[i];
    std::string_view ts, level, logger, msg;
    ASSERT_EQ(object["ts"].get(ts), simdjson::SUCCESS);
    ASSERT_EQ(object["level"].get(level), simdjson::SUCCESS);
    ASSERT_EQ(object["logger"].get(logger), simdjson::SUCCESS);
    ASSERT_EQ(object["msg"].get(msg), simdjson::SUCCESS);
    EXPECT_TRUE(
        std::regex_match(std::string(ts), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    if (i < std::size(messages)) {
      EXPECT_EQ(level, "debug");
      EXPECT_EQ(logger, "json \"name\"");
      EXPECT_EQ(msg, messages[i]);
    } else {
      EXPECT_EQ(level, "info");
      EXPECT_EQ(msg, "bad utf8 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
    }
  }
}

TEST_F(LoggingTest, LevelChangesAtRunTimeForEveryLogger) {
  SetupLogging("warn", "text", &out_);
  const auto existing = GetLogger("test-level-existing");
  existing->info("hidden");
  existing->warn("shown 1");
  ASSERT_TRUE(SetLogLevel("debug"));
  existing->debug("shown 2");
  GetLogger("test-level-new")->debug("shown 3");
  EXPECT_FALSE(SetLogLevel("loud"));
  existing->debug("shown 4");  // an unknown level changes nothing
  ASSERT_TRUE(SetLogLevel("off"));
  existing->error("hidden");

  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], HasSubstr("shown " + std::to_string(i + 1)));
  }
}

TEST_F(LoggingTest, SpdlogDefaultLoggerUsesTheSharedFormat) {
  SetupLogging("info", "json", &out_);
  spdlog::info("via default");
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], HasSubstr("\"msg\":\"via default\""));
}

TEST_F(LoggingTest, SetupRejectsUnknownValues) {
  EXPECT_THROW(SetupLogging("verbose", "text"), ConfigError);
  EXPECT_THROW(SetupLogging("info", "xml"), ConfigError);
  EXPECT_FALSE(ParseLogLevel("warning"));
  EXPECT_EQ(ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(ParseLogLevel("error"), spdlog::level::err);
}

class FakeClock {
 public:
  RateLimitedLog::Clock::time_point now{std::chrono::hours(1)};
  RateLimitedLog::ClockFunction Function() {
    return [this] { return now; };
  }
};

TEST(RateLimitedLogTest, FirstThenOncePerIntervalCountingSuppressed) {
  FakeClock clock;
  RateLimitedLog limiter(std::chrono::seconds(10), clock.Function());
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.ShouldLog("list", &suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 3; ++i) {
    clock.now += std::chrono::seconds(3);
    EXPECT_FALSE(limiter.ShouldLog("list", &suppressed));
  }
  EXPECT_EQ(limiter.Suppressed("list"), 3u);
  clock.now += std::chrono::seconds(1);  // exactly 10s after the first
  EXPECT_TRUE(limiter.ShouldLog("list", &suppressed));
  EXPECT_EQ(suppressed, 3u);
  EXPECT_EQ(limiter.Suppressed("list"), 0u);
  clock.now += std::chrono::seconds(9);
  EXPECT_FALSE(limiter.ShouldLog("list"));
}

TEST(RateLimitedLogTest, KeysAreIndependent) {
  FakeClock clock;
  RateLimitedLog limiter(std::chrono::minutes(1), clock.Function());
  EXPECT_TRUE(limiter.ShouldLog("a"));
  EXPECT_TRUE(limiter.ShouldLog("b"));
  EXPECT_FALSE(limiter.ShouldLog("a"));
  EXPECT_EQ(limiter.Suppressed("a"), 1u);
  EXPECT_EQ(limiter.Suppressed("b"), 0u);
  EXPECT_EQ(limiter.Suppressed("never"), 0u);
}

TEST(RateLimitedLogTest, ExplicitTimeOverridesTheClock) {
  RateLimitedLog limiter(std::chrono::seconds(5));
  const RateLimitedLog::Clock::time_point t0{std::chrono::seconds(100)};
  EXPECT_TRUE(limiter.ShouldLog("k", t0));
  EXPECT_FALSE(limiter.ShouldLog("k", t0 + std::chrono::seconds(4)));
  std::uint64_t suppressed = 0;
  EXPECT_TRUE(limiter.ShouldLog("k", t0 + std::chrono::seconds(5), &suppressed));
  EXPECT_EQ(suppressed, 1u);
}

TEST(RateLimitedLogTest, ForgettingIdleKeysKeepsPendingCounts) {
  FakeClock clock;
  RateLimitedLog limiter(std::chrono::seconds(10), clock.Function(), /*max_keys=*/2);
  EXPECT_TRUE(limiter.ShouldLog("idle"));
  EXPECT_TRUE(limiter.ShouldLog("busy"));
  clock.now += std::chrono::seconds(5);
  EXPECT_FALSE(limiter.ShouldLog("busy"));
  clock.now += std::chrono::seconds(6);
  EXPECT_TRUE(limiter.ShouldLog("third"));  // forces a prune: "idle" goes, "busy" stays
  EXPECT_EQ(limiter.Suppressed("busy"), 1u);
  std::uint64_t suppressed = 0;
  EXPECT_TRUE(limiter.ShouldLog("busy", &suppressed));
  EXPECT_EQ(suppressed, 1u);
  EXPECT_TRUE(limiter.ShouldLog("idle"));  // forgotten keys start afresh
}

TEST(RateLimitedLogTest, ConcurrentCallersGetOneAllowedLine) {
  FakeClock clock;
  RateLimitedLog limiter(std::chrono::seconds(10), clock.Function());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.ShouldLog("shared")) ++allowed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1);
  EXPECT_EQ(limiter.Suppressed("shared"), 3999u);
}

}  // namespace
}  // namespace kce
