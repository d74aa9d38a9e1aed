#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kce/cluster_endpoint.h"

namespace kce {

/// Supplies the bearer token for API requests: either a fixed token, or a token file that is
/// re-read when the copy in memory is older than `max_age` and after Invalidate() (bound
/// service-account tokens rotate about hourly; the kubelet swaps the file atomically).
///
/// A failed or empty read keeps the last good token and logs one warning (logger "client") until
/// a read succeeds again; the token itself is never logged. Thread-safe.
class TokenSource {
 public:
  /// Returns "now"; injectable so tests control time.
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  /// Re-read interval of token files.
  static constexpr std::chrono::seconds kDefaultMaxAge{60};

  /// A token that never changes. An empty token sends no Authorization header.
  static std::unique_ptr<TokenSource> Static(std::string token);
  /// A token read from `path` now and again whenever older than `max_age` or invalidated.
  /// While no read has succeeded the token is empty (requests go out unauthenticated and
  /// fail with 401) and every call reads the file again. Never throws.
  static std::unique_ptr<TokenSource> FromFile(std::string path, Clock clock = SteadyNow,
                                               std::chrono::milliseconds max_age = kDefaultMaxAge);
  /// The source `endpoint` asks for: its token_file, else its token, else null (no bearer
  /// authentication, e.g. client certificates only).
  static std::unique_ptr<TokenSource> ForEndpoint(const ClusterEndpoint& endpoint,
                                                  Clock clock = SteadyNow);

  /// The current token, re-reading the file first when due. Surrounding whitespace is
  /// trimmed. May be empty.
  std::string Token();
  /// Forces a re-read on the next Token() call; call it after a 401 answer.
  void Invalidate();
  /// True when Invalidate() can yield a different token (a file source).
  bool refreshable() const { return !path_.empty(); }

  /// std::chrono::steady_clock::now().
  static std::chrono::steady_clock::time_point SteadyNow();

 private:
  TokenSource(std::string token, std::string path, Clock clock, std::chrono::milliseconds max_age);

  const std::string path_;  // empty for a static token
  const Clock clock_;
  const std::chrono::milliseconds max_age_;

  std::mutex mutex_;
  std::string token_;
  bool read_due_ = true;
  std::chrono::steady_clock::time_point last_read_attempt_{};
  bool failing_ = false;  // the last read failed and was reported
};

}  // namespace kce
