#pragma once

#include <string>

namespace kce::testing {

/// A plain-HTTP answer.
struct HttpGetResult {
  int status = 0;  // 0 when the connection failed
  std::string body;
};

/// GETs http://127.0.0.1:`port``path` with a blocking socket and a 10 s timeout.
HttpGetResult HttpGet(int port, const std::string& path);

/// The value of the first sample whose line starts with `series` followed by a space (for
/// example `kube_commitment_node_pods{node="a"}`), or NaN when absent.
double SampleValue(const std::string& exposition, const std::string& series);

}  // namespace kce::testing
