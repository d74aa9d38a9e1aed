#include "kce/http_client.h"

#include <strings.h>

namespace kce {

std::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kConnect:
      return "connect";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kTls:
      return "tls";
    case TransportError::kBodyTooLarge:
      return "body_too_large";
    case TransportError::kOther:
      return "other";
  }
  return "other";
}

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

HttpClient::~HttpClient() = default;

}  // namespace kce
