#pragma once

#include <string>

namespace kce::testing {

/// A plain-HTTP answer.
struct HttpGetResult {
  int status = 0;       // 0 when the connection failed
  std::string headers;  // the header lines as received, "Name: value\r\n" each
  std::string body;
};

/// Sends `method` http://127.0.0.1:`port``path` with a blocking socket and a 10 s timeout.
HttpGetResult HttpRequest(int port, const std::string& method, const std::string& path);

/// GETs http://127.0.0.1:`port``path`.
inline HttpGetResult HttpGet(int port, const std::string& path) {
  return HttpRequest(port, "GET", path);
}

/// The value of the first sample whose line starts with `series` followed by a space (for
/// example `kube_commitment_node_pods{node="a"}`), or NaN when absent.
double SampleValue(const std::string& exposition, const std::string& series);

}  // namespace kce::testing
