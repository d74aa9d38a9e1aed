#pragma once

#include <span>
#include <string_view>

#include <prometheus/metric_type.h>

namespace kce {

/// One metric of the product's contract: its name is API, documented in the README's table.
struct MetricInfo {
  std::string_view name;
  prometheus::MetricType type;
  std::string_view labels;  // comma-separated label names, empty for none
  std::string_view unit;    // cores, bytes, pods, ratio, seconds, ...
  std::string_view help;    // one sentence ending in a period
};

/// Every metric the exporter serves, in exposition order. A test keeps it and the README's
/// metric table in step.
std::span<const MetricInfo> MetricCatalog();

/// The catalog entry for `name`. Throws std::out_of_range for a name not in the catalog (a
/// programming error caught by the tests).
const MetricInfo& LookupMetric(std::string_view name);

}  // namespace kce
