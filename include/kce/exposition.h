#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "kce/commitment.h"

namespace kce {

/// The node, cluster, pending and namespace families of a snapshot, with HELP from the metric
/// catalog. CPU is converted from milli-cores to cores only here. Pure; thread-safe.
std::vector<prometheus::MetricFamily> SnapshotFamilies(const CommitmentSnapshot& snapshot);

/// Prometheus text exposition format (version 0.0.4) of `families`.
std::string SerializeFamilies(const std::vector<prometheus::MetricFamily>& families);

}  // namespace kce
