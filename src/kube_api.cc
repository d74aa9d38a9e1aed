#include "kce/kube_api.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "kce/logging.h"
#include "kce/version.h"

namespace kce {
namespace {

constexpr std::size_t kSnippetBytes = 300;

std::shared_ptr<spdlog::logger> Logger() { return GetLogger("client"); }

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// The Status message of an API error body, else the start of the body on one line.
std::string ErrorDetail(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (!body.empty() && body.front() == '{' &&
      parser.parse(body).get(document) == simdjson::SUCCESS) {
    std::string_view message;
    if (document["message"].get(message) == simdjson::SUCCESS && !message.empty()) {
      return std::string(message);
    }
  }
  std::string snippet = body.substr(0, kSnippetBytes);
  for (char& c : snippet) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > kSnippetBytes) snippet += "...";
  return snippet.empty() ? "(empty body)" : snippet;
}

// Seconds of a Retry-After header; -1 when absent or not a plain number (HTTP dates are rare
// from the API server and fall back to the normal backoff).
long long RetryAfterSeconds(const std::string& value) {
  if (value.empty() || value.size() > 9) return -1;
  long long seconds = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return -1;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

const char* TransportReason(TransportError error) {
  switch (error) {
    case TransportError::kConnect:
      return kReasonConnect;
    case TransportError::kTimeout:
      return kReasonTimeout;
    case TransportError::kTls:
      return kReasonTls;
    case TransportError::kBodyTooLarge:
      return kReasonBodyTooLarge;
    case TransportError::kNone:
    case TransportError::kOther:
      return kReasonTransport;
  }
  return kReasonTransport;
}

// The request path for messages, with the long opaque continue token shortened.
std::string DisplayPath(const std::string& path) {
  const std::size_t position = path.find("&continue=");
  if (position == std::string::npos) return path;
  return path.substr(0, position) + "&continue=...";
}

}  // namespace

struct KubeApi::Fetch {
  enum class Kind { kOk, kExpired, kFailed };
  Kind kind = Kind::kFailed;
  std::string body;
};

Sleeper DefaultSleeper() {
  return [](std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
    return true;
  };
}

KubeApi::KubeApi(HttpClient& http, TokenSource* tokens, ApiOptions options, Sleeper sleeper,
                 RequestObserver observer)
    : http_(http),
      tokens_(tokens),
      options_(options),
      sleeper_(sleeper ? std::move(sleeper) : DefaultSleeper()),
      observer_(std::move(observer)),
      jitter_(std::random_device{}()) {}

KubeApi::~KubeApi() = default;

ListOutcome KubeApi::ListNodes(const std::string& label_selector,
                               const std::function<void()>& on_restart,
                               const std::function<void(NodePage&)>& on_page) {
  std::string query = "limit=" + std::to_string(options_.page_size);
  if (!label_selector.empty()) query += "&labelSelector=" + UrlEncode(label_selector);
  return List("nodes", "/api/v1/nodes", query, on_restart,
              [this, &on_page](std::string& body, std::string* next, std::string* error) {
                NodePage page;
                if (!decoder_.DecodeNodeList(body, &page, error)) return false;
                *next = page.meta.continue_token;
                if (on_page) on_page(page);
                return true;
              });
}

ListOutcome KubeApi::ListPods(const std::string& label_selector,
                              const std::function<void()>& on_restart,
                              const std::function<void(PodPage&)>& on_page) {
  std::string query = "limit=" + std::to_string(options_.page_size);
  if (!label_selector.empty()) query += "&labelSelector=" + UrlEncode(label_selector);
  // Finished pods hold no resources on their node (accounting doc §2).
  query += "&fieldSelector=" + UrlEncode("status.phase!=Succeeded,status.phase!=Failed");
  return List("pods", "/api/v1/pods", query, on_restart,
              [this, &on_page](std::string& body, std::string* next, std::string* error) {
                PodPage page;
                if (!decoder_.DecodePodList(body, &page, error)) return false;
                *next = page.meta.continue_token;
                if (on_page) on_page(page);
                return true;
              });
}

ListOutcome KubeApi::List(std::string_view resource, const std::string& base_path,
                          const std::string& fixed_query, const std::function<void()>& on_restart,
                          const Decode& decode) {
  ListOutcome outcome;
  std::string continue_token;
  for (;;) {
    std::string path = base_path + "?" + fixed_query;
    if (!continue_token.empty()) path += "&continue=" + UrlEncode(continue_token);

    Fetch fetch = FetchPage(resource, path, &outcome);
    if (fetch.kind == Fetch::Kind::kFailed) return outcome;
    if (fetch.kind == Fetch::Kind::kExpired) {
      // Only a continue token can expire; a 410 on the first page would repeat forever.
      if (continue_token.empty() || outcome.restarts >= options_.max_restarts) {
        outcome.reason = kReasonExpired;
        outcome.status = 410;
        outcome.message = "list " + std::string(resource) + ": GET " + DisplayPath(path) +
                          ": HTTP 410: " + ErrorDetail(fetch.body) + " (after " +
                          std::to_string(outcome.restarts) + " restarts)";
        return outcome;
      }
      ++outcome.restarts;
      Logger()->debug("list restarts after 410 resource={} restart={}", resource, outcome.restarts);
      continue_token.clear();
      if (on_restart) on_restart();
      continue;
    }

    std::string error;
    std::string next;
    const bool decoded = decode(fetch.body, &next, &error);
    std::string().swap(fetch.body);  // the page is decoded; free its text before the next one
    if (!decoded) {
      outcome.reason = kReasonDecode;
      outcome.status = 200;
      outcome.message = "list " + std::string(resource) + ": GET " + DisplayPath(path) +
                        ": cannot decode the response: " + error;
      return outcome;
    }
    ++outcome.pages;
    if (next.empty()) {
      outcome.ok = true;
      return outcome;
    }
    continue_token = std::move(next);
  }
}

KubeApi::Fetch KubeApi::FetchPage(std::string_view resource, const std::string& path,
                                  ListOutcome* outcome) {
  const std::string where = "list " + std::string(resource) + ": GET " + DisplayPath(path);
  auto fail = [&](const char* reason, int status, std::string detail) {
    outcome->reason = reason;
    outcome->status = status;
    outcome->message = where + ": " + detail;
    return Fetch{};
  };

  bool token_renewed = false;
  int attempt = 0;
  for (;;) {
    ++attempt;
    HttpRequest request;
    request.path = path;
    request.timeout = options_.request_timeout;
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("User-Agent",
                                 "kube-commitment-exporter/" + std::string(Version()));
    if (tokens_ != nullptr) {
      if (std::string token = tokens_->Token(); !token.empty()) {
        request.headers.emplace_back("Authorization", "Bearer " + token);
      }
    }

    HttpResponse response = http_.Get(request);
    if (observer_) observer_(resource, response.status);
    const int status = response.status;

    const char* retry_reason = nullptr;
    std::string retry_detail;
    std::chrono::milliseconds wait = Backoff(attempt);
    if (status >= 200 && status < 300) {
      return Fetch{Fetch::Kind::kOk, std::move(response.body)};
    } else if (status == 0) {
      if (response.transport == TransportError::kBodyTooLarge) {
        // The transport message already names the request.
        outcome->reason = kReasonBodyTooLarge;
        outcome->status = 0;
        outcome->message = "list " + std::string(resource) + ": " + response.transport_error;
        return Fetch{};
      }
      retry_reason = TransportReason(response.transport);
      retry_detail = response.transport_error;
    } else if (status == 401) {
      if (!token_renewed && tokens_ != nullptr && tokens_->refreshable()) {
        // The token file may have been rotated since it was read: re-read it and try once more.
        tokens_->Invalidate();
        token_renewed = true;
        --attempt;
        ++outcome->retries;
        continue;
      }
      return fail(kReasonUnauthorized, status, "HTTP 401: " + ErrorDetail(response.body));
    } else if (status == 403) {
      return fail(kReasonForbidden, status, "HTTP 403: " + ErrorDetail(response.body));
    } else if (status == 410) {
      return Fetch{Fetch::Kind::kExpired, std::move(response.body)};
    } else if (status == 429) {
      retry_reason = kReasonRateLimited;
      retry_detail = "HTTP 429: " + ErrorDetail(response.body);
      if (const long long seconds = RetryAfterSeconds(response.Header("Retry-After"));
          seconds >= 0) {
        const auto asked = std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds),
                                                               options_.max_retry_after);
        wait = std::max(wait, asked);
      }
    } else if (status >= 500 && status < 600) {
      retry_reason = kReasonHttp5xx;
      retry_detail = "HTTP " + std::to_string(status) + ": " + ErrorDetail(response.body);
    } else if (status >= 400 && status < 500) {
      return fail(kReasonHttp4xx, status,
                  "HTTP " + std::to_string(status) + ": " + ErrorDetail(response.body));
    } else {
      return fail(kReasonHttpOther, status,
                  "unexpected HTTP " + std::to_string(status) + ": " + ErrorDetail(response.body));
    }

    if (attempt >= options_.max_attempts) {
      const std::string tries = " (gave up after " + std::to_string(attempt) + " attempts)";
      // The transport message already names the request.
      if (status == 0) {
        outcome->reason = retry_reason;
        outcome->status = 0;
        outcome->message = "list " + std::string(resource) + ": " + retry_detail + tries;
        return Fetch{};
      }
      return fail(retry_reason, status, retry_detail + tries);
    }
    Logger()->debug("retrying list resource={} reason={} attempt={} wait_ms={}", resource,
                    retry_reason, attempt, wait.count());
    if (!sleeper_(wait)) {
      return fail(kReasonCancelled, status, "stopped while waiting to retry after " + retry_detail);
    }
    ++outcome->retries;
  }
}

std::chrono::milliseconds KubeApi::Backoff(int retry) {
  const int doublings = std::clamp(retry - 1, 0, 30);
  const long long ceiling = std::min<long long>(options_.max_backoff.count(),
                                                options_.base_backoff.count() * (1LL << doublings));
  if (ceiling <= 1) return std::chrono::milliseconds(std::max(0LL, ceiling));
  std::uniform_int_distribution<long long> pick(ceiling / 2, ceiling);
  return std::chrono::milliseconds(pick(jitter_));
}

}  // namespace kce
