#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "kce/http_client.h"
#include "kce/list_decoder.h"
#include "kce/token_source.h"

namespace kce {

/// Paging and retry settings of KubeApi.
struct ApiOptions {
  /// `limit` of each LIST page.
  int page_size = 500;
  /// Deadline of each HTTP request (one page, one attempt).
  std::chrono::milliseconds request_timeout{30000};
  /// Tries per page for 429, 5xx and transport errors (the first try included).
  int max_attempts = 4;
  /// Backoff before retry n (n >= 1) is a random duration in [b/2, b] with
  /// b = min(max_backoff, base_backoff * 2^(n-1)).
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{10000};
  /// Longest Retry-After of a 429 that is honoured; longer values wait this long.
  std::chrono::milliseconds max_retry_after{60000};
  /// How often one list may restart from the first page after 410 Expired.
  int max_restarts = 2;
};

/// Waits between retries. Returns false when the process is stopping, which ends the list
/// with reason "cancelled". DefaultSleeper() sleeps the calling thread.
using Sleeper = std::function<bool(std::chrono::milliseconds)>;
/// Sleeper that calls std::this_thread::sleep_for and always returns true.
Sleeper DefaultSleeper();

/// Called after every HTTP request with the resource ("nodes" or "pods") and the status
/// (0 when no HTTP response arrived), for self-metrics.
using RequestObserver = std::function<void(std::string_view resource, int status)>;

/// Result of one complete LIST.
struct ListOutcome {
  bool ok = false;
  /// Failure label, one of the kReason* values below; empty when ok.
  std::string reason;
  /// Failure sentence naming the resource, the request path (never a token) and the cause:
  /// the Status message of an API error, or the transport error. Empty when ok.
  std::string message;
  /// HTTP status of the failing response, 0 for none.
  int status = 0;
  int pages = 0;     // pages delivered to on_page (counting restarted attempts)
  int restarts = 0;  // restarts after 410 Expired
  int retries = 0;   // requests repeated after 401, 429, 5xx or transport errors
};

/// The fixed set of ListOutcome::reason values (usable as a metric label).
inline constexpr const char* kReasonConnect = "connect";      // no connection
inline constexpr const char* kReasonTimeout = "timeout";      // request deadline
inline constexpr const char* kReasonTls = "tls";              // handshake or alert
inline constexpr const char* kReasonTransport = "transport";  // other transport errors
inline constexpr const char* kReasonBodyTooLarge = "body_too_large";
inline constexpr const char* kReasonUnauthorized = "unauthorized";  // 401
inline constexpr const char* kReasonForbidden = "forbidden";        // 403
inline constexpr const char* kReasonRateLimited = "rate_limited";   // 429 after all tries
inline constexpr const char* kReasonExpired = "expired";            // 410 beyond max_restarts
inline constexpr const char* kReasonHttp4xx = "http_4xx";           // other 4xx
inline constexpr const char* kReasonHttp5xx = "http_5xx";           // 5xx after all tries
inline constexpr const char* kReasonHttpOther = "http_other";       // 1xx or 3xx
inline constexpr const char* kReasonDecode = "decode";              // unreadable list JSON
inline constexpr const char* kReasonCancelled = "cancelled";        // sleeper said stop

/// Lists nodes and pods from the API server page by page (accounting doc §5.3): `limit` and
/// `continue` with otherwise identical parameters, no resourceVersion (a consistent read).
/// Each page is decoded as soon as it arrives and its body dropped. Retries 5xx, 429 (waiting
/// at least Retry-After seconds) and transport errors with exponential backoff and jitter; on
/// 401 invalidates the token source and retries once when the token can change; never retries
/// 403 or other 4xx. A 410 Expired on a continued page restarts the whole list.
///
/// Not thread-safe (it owns a ListDecoder): use one per thread. Never throws; callbacks may.
class KubeApi {
 public:
  /// `http` and `tokens` (may be null: no Authorization header) must outlive this object.
  /// An empty `sleeper` means DefaultSleeper(); `observer` may be empty.
  KubeApi(HttpClient& http, TokenSource* tokens, ApiOptions options = {}, Sleeper sleeper = {},
          RequestObserver observer = {});
  ~KubeApi();

  /// Lists nodes. `on_restart` is called before a restart after 410 (drop the pages received
  /// so far); `on_page` receives each decoded page in order, and may move from it.
  ListOutcome ListNodes(const std::string& label_selector, const std::function<void()>& on_restart,
                        const std::function<void(NodePage&)>& on_page);
  /// Lists pods of all namespaces that still hold resources: always with fieldSelector
  /// status.phase!=Succeeded,status.phase!=Failed. Callbacks as for ListNodes.
  ListOutcome ListPods(const std::string& label_selector, const std::function<void()>& on_restart,
                       const std::function<void(PodPage&)>& on_page);

 private:
  struct Fetch;
  using Decode =
      std::function<bool(std::string& body, std::string* continue_token, std::string* error)>;

  ListOutcome List(std::string_view resource, const std::string& base_path,
                   const std::string& fixed_query, const std::function<void()>& on_restart,
                   const Decode& decode);
  Fetch FetchPage(std::string_view resource, const std::string& path, ListOutcome* outcome);
  std::chrono::milliseconds Backoff(int retry);

  HttpClient& http_;
  TokenSource* tokens_;
  ApiOptions options_;
  Sleeper sleeper_;
  RequestObserver observer_;
  ListDecoder decoder_;
  std::minstd_rand jitter_;
};

}  // namespace kce
