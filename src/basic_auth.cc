#include "kce/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace kce {
namespace {

constexpr std::string_view kBcryptAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

constexpr std::chrono::seconds kBcryptQueueLimit{1};

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 (RFC 4648 §4), padding optional; nullopt on any other character.
std::optional<std::string> DecodeBase64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool IsBcryptHash(std::string_view hash) {
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') {
    return false;
  }
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return hash.substr(7).find_first_not_of(kBcryptAlphabet) == std::string_view::npos;
}

bool BcryptMatches(std::string_view password, const std::string& hash) {
  if (!IsBcryptHash(hash) || password.find('\0') != std::string_view::npos) return false;
  // crypt_data is about 32 KiB: too big for a worker thread's stack.
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  const bool matches = result != nullptr && std::strlen(result) == hash.size() &&
                       CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(phrase.data(), phrase.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return matches;
}

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "basic";
  if (header.size() <= kScheme.size() || !EqualsIgnoreCase(header.substr(0, 5), kScheme) ||
      (header[5] != ' ' && header[5] != '\t')) {
    return std::nullopt;
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  std::optional<std::string> decoded = DecodeBase64(header);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  std::optional<BasicCredentials> credentials;
  if (colon != std::string::npos) {
    credentials = BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return credentials;
}

BasicAuthenticator::BasicAuthenticator(std::map<std::string, std::string> users,
                                       Clock::duration cache_ttl, std::size_t cache_capacity,
                                       std::function<Clock::time_point()> clock)
    : users_(std::move(users)),
      cache_ttl_(cache_ttl),
      cache_capacity_(cache_capacity),
      clock_(clock ? std::move(clock) : [] { return Clock::now(); }) {
  if (RAND_bytes(hmac_key_.data(), static_cast<int>(hmac_key_.size())) != 1) {
    throw std::runtime_error("basic auth: OpenSSL could not generate a random cache key");
  }
}

bool BasicAuthenticator::Authorize(std::string_view authorization) {
  if (!enabled()) return true;
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(authorization);
  if (!credentials) return false;

  const auto user = users_.find(credentials->user);
  const bool known = user != users_.end();
  // An unknown user is checked against a real user's hash, and refused whatever the result,
  // so the answer takes as long as for a known user.
  const std::string& hash = known ? user->second : users_.begin()->second;
  const Digest key = CacheKey(*credentials, hash);
  bool matches = known && Cached(key);
  if (!matches) {
    // A flood of guesses must not park every worker thread in this queue.
    std::unique_lock<std::timed_mutex> lock(bcrypt_mutex_, kBcryptQueueLimit);
    if (lock.owns_lock()) {
      matches = BcryptMatches(credentials->password, hash) && known;
      bcrypt_runs_.fetch_add(1);
      lock.unlock();
      if (matches) Remember(key);
    }
  }
  OPENSSL_cleanse(credentials->password.data(), credentials->password.size());
  return matches;
}

BasicAuthenticator::Digest BasicAuthenticator::CacheKey(const BasicCredentials& credentials,
                                                        const std::string& hash) const {
  // Length prefixes keep ("a", "b:c") and ("a:b", "c") apart.
  std::string message = std::to_string(credentials.user.size()) + ":" + credentials.user +
                        std::to_string(hash.size()) + ":" + hash + credentials.password;
  Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  OPENSSL_cleanse(message.data(), message.size());
  return digest;
}

bool BasicAuthenticator::Cached(const Digest& key) {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const auto entry = cache_.find(key);
  if (entry == cache_.end()) return false;
  if (entry->second <= clock_()) {
    cache_.erase(entry);
    return false;
  }
  return true;
}

void BasicAuthenticator::Remember(const Digest& key) {
  if (cache_capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const Clock::time_point now = clock_();
  if (cache_.size() >= cache_capacity_ && cache_.find(key) == cache_.end()) {
    std::erase_if(cache_, [now](const auto& entry) { return entry.second <= now; });
  }
  if (cache_.size() >= cache_capacity_ && cache_.find(key) == cache_.end()) {
    cache_.erase(std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    }));
  }
  cache_[key] = now + cache_ttl_;
}

}  // namespace kce
