#include "kce/logging.h"

namespace kce {

RateLimitedLog::RateLimitedLog(Clock::duration interval, ClockFunction clock, std::size_t max_keys)
    : interval_(interval),
      clock_(clock ? std::move(clock) : ClockFunction([] { return Clock::now(); })),
      max_keys_(max_keys) {}

bool RateLimitedLog::ShouldLog(std::string_view key, Clock::time_point now,
                               std::uint64_t* suppressed) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) PruneLocked(now);
    entries_.emplace(std::string(key), Entry{now, 0});
    if (suppressed != nullptr) *suppressed = 0;
    return true;
  }
  Entry& entry = it->second;
  if (now - entry.last_allowed < interval_) {
    ++entry.suppressed;
    return false;
  }
  if (suppressed != nullptr) *suppressed = entry.suppressed;
  entry = Entry{now, 0};
  return true;
}

bool RateLimitedLog::ShouldLog(std::string_view key, std::uint64_t* suppressed) {
  return ShouldLog(key, clock_(), suppressed);
}

std::uint64_t RateLimitedLog::Suppressed(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.suppressed;
}

void RateLimitedLog::PruneLocked(Clock::time_point now) {
  // An entry whose interval has passed with nothing withheld would allow its next line anyway,
  // so forgetting it changes no decision.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.suppressed == 0 && now - it->second.last_allowed >= interval_) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace kce
