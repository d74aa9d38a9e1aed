#include "kce/token_source.h"

#include <spdlog/spdlog.h>

#include "kce/logging.h"
#include "kce/read_file.h"

namespace kce {
namespace {

std::shared_ptr<spdlog::logger> Logger() { return GetLogger("client"); }

std::string Trim(const std::string& text) {
  const char* kSpace = " \t\r\n";
  const std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// Reads the token from `path` into `*token`; returns false with `*error` set on failure.
bool ReadToken(const std::string& path, std::string* token, std::string* error) {
  std::string content;
  *error = ReadWholeFile(path, kMaxSmallFileBytes, &content);
  if (!error->empty()) return false;
  *token = Trim(content);
  if (token->empty()) {
    *error = "the file is empty";
    return false;
  }
  if (!IsValidBearerToken(*token)) {
    *error = "the file holds characters a bearer token cannot have (spaces or control bytes)";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<TokenSource> TokenSource::Static(std::string token) {
  return std::unique_ptr<TokenSource>(
      new TokenSource(std::move(token), "", SteadyNow, kDefaultMaxAge));
}

std::unique_ptr<TokenSource> TokenSource::FromFile(std::string path, Clock clock,
                                                   std::chrono::milliseconds max_age) {
  return std::unique_ptr<TokenSource>(
      new TokenSource("", std::move(path), std::move(clock), max_age));
}

std::unique_ptr<TokenSource> TokenSource::ForEndpoint(const ClusterEndpoint& endpoint,
                                                      Clock clock) {
  if (!endpoint.token_file.empty()) return FromFile(endpoint.token_file, std::move(clock));
  if (!endpoint.token.empty()) return Static(endpoint.token);
  return nullptr;
}

std::chrono::steady_clock::time_point TokenSource::SteadyNow() {
  return std::chrono::steady_clock::now();
}

TokenSource::TokenSource(std::string token, std::string path, Clock clock,
                         std::chrono::milliseconds max_age)
    : path_(std::move(path)), clock_(std::move(clock)), max_age_(max_age), token_(Trim(token)) {}

std::string TokenSource::Token() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (path_.empty()) return token_;

  const auto now = clock_();
  // Without any token yet there is nothing to keep, so every call tries the file again.
  if (!read_due_ && !token_.empty() && now - last_read_attempt_ < max_age_) return token_;
  read_due_ = false;
  last_read_attempt_ = now;

  std::string fresh;
  std::string error;
  if (ReadToken(path_, &fresh, &error)) {
    if (failing_) Logger()->info("token file readable again path={}", path_);
    failing_ = false;
    token_ = std::move(fresh);
  } else if (!failing_) {
    failing_ = true;
    Logger()->warn(
        "cannot read token file path={} error=\"{}\"; {}", path_, error,
        token_.empty() ? "requests go out without a token" : "keeping the last token read");
  }
  return token_;
}

void TokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  read_due_ = true;
}

}  // namespace kce
