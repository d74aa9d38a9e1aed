#pragma once

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace kce {

/// Maps a level name (trace, debug, info, warn, error, off) to spdlog's level; nullopt when
/// unknown. Never throws.
std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view level);

/// Sets the level and format of every component logger, present and future. Formats:
///   text: "2026-12-03T18:00:00.123Z info [component] message key=value" (UTC, milliseconds;
///         control characters in the message are escaped so one event is one line);
///   json: {"ts":"2026-12-03T18:00:00.123Z","level":"info","logger":"component","msg":"..."}
///         one object per line, strings escaped per RFC 8259, invalid UTF-8 replaced by U+FFFD.
/// Level names in lines: trace, debug, info, warn, error, critical. Lines go to `out`, or to
/// stderr when `out` is null; `out` must outlive its use and is only written under the sink's
/// lock. May be called again at any time. Thread-safe. Throws ConfigError for an unknown level
/// or format.
void SetupLogging(const std::string& level, const std::string& format, std::ostream* out = nullptr);

/// Changes the level of every component logger at run time (and of loggers created later).
/// Returns false, changing nothing, for an unknown level name. Thread-safe.
bool SetLogLevel(std::string_view level);

/// The logger of one component ("client", "poller", "http", ...): created on first use with
/// the current level and format, registered with spdlog under that name, and shared by later
/// calls. All component loggers write through one sink. Thread-safe; never returns null.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& component);

/// Limits how often a repeated failure is logged: the first occurrence of a key is allowed,
/// then at most one per interval per key. Occurrences in between are counted and handed to the
/// caller on the next allowed one, to be reported on that line (e.g. "suppressed=12").
/// Tracks at most `max_keys` keys; beyond that, keys whose interval has passed with nothing
/// suppressed are forgotten first. Thread-safe.
class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;
  using ClockFunction = std::function<Clock::time_point()>;

  /// `clock` defaults to Clock::now; tests pass a fake one.
  explicit RateLimitedLog(Clock::duration interval, ClockFunction clock = nullptr,
                          std::size_t max_keys = 4096);

  /// True when a line for `key` should be written at `now`. When true and `suppressed` is not
  /// null, *suppressed receives the number of occurrences withheld since the last allowed
  /// one (0 for the first), and the count restarts.
  bool ShouldLog(std::string_view key, Clock::time_point now, std::uint64_t* suppressed = nullptr);

  /// As above, at the time the clock gives.
  bool ShouldLog(std::string_view key, std::uint64_t* suppressed = nullptr);

  /// Occurrences of `key` withheld since its last allowed one.
  std::uint64_t Suppressed(std::string_view key) const;

 private:
  struct Entry {
    Clock::time_point last_allowed;
    std::uint64_t suppressed = 0;
  };

  void PruneLocked(Clock::time_point now);

  const Clock::duration interval_;
  const ClockFunction clock_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace kce
