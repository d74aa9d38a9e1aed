#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace kce {

/// True when `hash` has the form of a bcrypt hash: "$2a$", "$2b$" or "$2y$", a two-digit cost
/// from 04 to 31, "$", then 53 characters of bcrypt's base64 alphabet (60 in all). Never throws.
bool IsBcryptHash(std::string_view hash);

/// True when bcrypt of `password` with the salt and cost of `hash` gives `hash` (libcrypt's
/// crypt_rn; the final comparison takes constant time). False for a hash IsBcryptHash rejects
/// and for a password holding a NUL byte, which crypt would silently cut short. Takes the time
/// the hash's cost demands (tens of milliseconds at cost 10). Thread-safe; never throws.
bool BcryptMatches(std::string_view password, const std::string& hash);

/// User name and password of an HTTP Basic Authorization header.
struct BasicCredentials {
  std::string user;
  std::string password;
};

/// Decodes an Authorization header value "Basic <base64 of user:password>" (scheme name in any
/// case, RFC 7617; the user is everything before the first ':'). nullopt when the scheme is
/// another, the base64 is malformed or there is no ':'. Never throws.
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header);

/// Checks HTTP Basic credentials against bcrypt hashes, the way exporters with a web config
/// file do. A request for an unknown user still pays one bcrypt run, so timing does not tell
/// which users exist. Only one bcrypt run happens at a time, which bounds the CPU that bad
/// guesses can take; a request that cannot start its run within one second is refused. A
/// success is remembered for `cache_ttl` as an HMAC-SHA-256 (per-process random key) of user,
/// hash and password, so regular scrapes skip bcrypt; no password is kept. Thread-safe.
class BasicAuthenticator {
 public:
  using Clock = std::chrono::steady_clock;

  /// `users` maps user name to bcrypt hash (as WebConfig::basic_auth_users); hashes that are
  /// not bcrypt never match. `clock` defaults to Clock::now; tests pass a fake one. Throws
  /// std::runtime_error when OpenSSL cannot provide a random key.
  explicit BasicAuthenticator(std::map<std::string, std::string> users,
                              Clock::duration cache_ttl = std::chrono::minutes(5),
                              std::size_t cache_capacity = 64,
                              std::function<Clock::time_point()> clock = nullptr);

  /// False when there are no users: every request is then allowed.
  bool enabled() const { return !users_.empty(); }

  /// True when `authorization` (the Authorization header value; empty when absent) names a
  /// configured user with the right password, or when enabled() is false.
  bool Authorize(std::string_view authorization);

  /// How many bcrypt computations Authorize has run.
  std::uint64_t bcrypt_runs() const { return bcrypt_runs_.load(); }

 private:
  using Digest = std::array<unsigned char, 32>;

  Digest CacheKey(const BasicCredentials& credentials, const std::string& hash) const;
  bool Cached(const Digest& key);
  void Remember(const Digest& key);

  const std::map<std::string, std::string> users_;
  const Clock::duration cache_ttl_;
  const std::size_t cache_capacity_;
  const std::function<Clock::time_point()> clock_;
  std::array<unsigned char, 32> hmac_key_{};
  std::atomic<std::uint64_t> bcrypt_runs_{0};
  std::timed_mutex bcrypt_mutex_;
  std::mutex cache_mutex_;
  std::map<Digest, Clock::time_point> cache_;  // key -> expiry
};

}  // namespace kce
