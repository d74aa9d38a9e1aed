#include "kce/exposition.h"

#include <functional>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "kce/metric_catalog.h"

namespace kce {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

double Cores(std::int64_t milli) { return static_cast<double>(milli) / 1000.0; }
double Number(std::int64_t n) { return static_cast<double>(n); }

MetricFamily Family(std::string_view name) {
  const MetricInfo& info = LookupMetric(name);
  MetricFamily family;
  family.name = std::string(info.name);
  family.help = std::string(info.help);
  family.type = info.type;
  return family;
}

ClientMetric Sample(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

template <typename Row>
struct Column {
  std::string_view name;
  std::function<double(const Row&)> value;
};

// Families with one series per row (node or namespace), labelled by the row's name.
template <typename Row>
void AddPerRow(const std::vector<Row>& rows, std::string_view label,
               const std::vector<Column<Row>>& columns, std::vector<MetricFamily>& out) {
  for (const auto& column : columns) {
    MetricFamily family = Family(column.name);
    family.metric.reserve(rows.size());
    for (const Row& row : rows) {
      family.metric.push_back(Sample({{std::string(label), row.name}}, column.value(row)));
    }
    out.push_back(std::move(family));
  }
}

const std::vector<Column<NodeCommitment>>& NodeColumns() {
  using N = NodeCommitment;
  static const std::vector<Column<N>> columns = {
      {"kube_commitment_node_cpu_allocatable_cores",
       [](const N& n) { return Cores(n.cpu_allocatable_milli); }},
      {"kube_commitment_node_cpu_capacity_cores",
       [](const N& n) { return Cores(n.cpu_capacity_milli); }},
      {"kube_commitment_node_cpu_requests_cores",
       [](const N& n) { return Cores(n.committed.cpu_requests_milli); }},
      {"kube_commitment_node_cpu_limits_cores",
       [](const N& n) { return Cores(n.committed.cpu_limits_milli); }},
      {"kube_commitment_node_memory_allocatable_bytes",
       [](const N& n) { return Number(n.memory_allocatable_bytes); }},
      {"kube_commitment_node_memory_capacity_bytes",
       [](const N& n) { return Number(n.memory_capacity_bytes); }},
      {"kube_commitment_node_memory_requests_bytes",
       [](const N& n) { return Number(n.committed.memory_requests_bytes); }},
      {"kube_commitment_node_memory_limits_bytes",
       [](const N& n) { return Number(n.committed.memory_limits_bytes); }},
      {"kube_commitment_node_pods", [](const N& n) { return Number(n.pods); }},
      {"kube_commitment_node_pods_allocatable",
       [](const N& n) { return Number(n.pods_allocatable); }},
      {"kube_commitment_node_usable", [](const N& n) { return n.usability.usable ? 1.0 : 0.0; }},
  };
  return columns;
}

const std::vector<Column<NamespaceCommitment>>& NamespaceColumns() {
  using S = NamespaceCommitment;
  static const std::vector<Column<S>> columns = {
      {"kube_commitment_namespace_cpu_requests_cores",
       [](const S& s) { return Cores(s.committed.cpu_requests_milli); }},
      {"kube_commitment_namespace_cpu_limits_cores",
       [](const S& s) { return Cores(s.committed.cpu_limits_milli); }},
      {"kube_commitment_namespace_memory_requests_bytes",
       [](const S& s) { return Number(s.committed.memory_requests_bytes); }},
      {"kube_commitment_namespace_memory_limits_bytes",
       [](const S& s) { return Number(s.committed.memory_limits_bytes); }},
      {"kube_commitment_namespace_pods", [](const S& s) { return Number(s.pods); }},
  };
  return columns;
}

void AddUnusableReasons(const std::vector<NodeCommitment>& nodes, std::vector<MetricFamily>& out) {
  MetricFamily family = Family("kube_commitment_node_unusable_reason");
  for (const auto& node : nodes) {
    for (UnusableReason reason : node.usability.reasons) {
      family.metric.push_back(
          Sample({{"node", node.name}, {"reason", std::string(ReasonLabel(reason))}}, 1));
    }
  }
  out.push_back(std::move(family));
}

void AddContainersWithoutLimits(const std::vector<NamespaceCommitment>& namespaces,
                                std::vector<MetricFamily>& out) {
  MetricFamily family = Family("kube_commitment_namespace_containers_without_limits");
  for (const auto& ns : namespaces) {
    family.metric.push_back(Sample({{"namespace", ns.name}, {"resource", "cpu"}},
                                   Number(ns.containers_without_cpu_limit)));
    family.metric.push_back(Sample({{"namespace", ns.name}, {"resource", "memory"}},
                                   Number(ns.containers_without_memory_limit)));
  }
  out.push_back(std::move(family));
}

void AddClusterWide(const ClusterCommitment& c, std::vector<MetricFamily>& out) {
  const std::pair<std::string_view, double> values[] = {
      {"kube_commitment_cluster_cpu_allocatable_cores", Cores(c.cpu_allocatable_milli)},
      {"kube_commitment_cluster_memory_allocatable_bytes", Number(c.memory_allocatable_bytes)},
      {"kube_commitment_cluster_cpu_requests_cores", Cores(c.committed.cpu_requests_milli)},
      {"kube_commitment_cluster_cpu_limits_cores", Cores(c.committed.cpu_limits_milli)},
      {"kube_commitment_cluster_memory_requests_bytes", Number(c.committed.memory_requests_bytes)},
      {"kube_commitment_cluster_memory_limits_bytes", Number(c.committed.memory_limits_bytes)},
      {"kube_commitment_cluster_cpu_commitment_ratio", c.cpu_commitment_ratio},
      {"kube_commitment_cluster_memory_commitment_ratio", c.memory_commitment_ratio},
      {"kube_commitment_pending_pods", Number(c.pending_pods)},
      {"kube_commitment_pending_cpu_requests_cores", Cores(c.pending_cpu_requests_milli)},
      {"kube_commitment_pending_memory_requests_bytes", Number(c.pending_memory_requests_bytes)},
      {"kube_commitment_orphaned_pods", Number(c.orphaned_pods)},
  };
  for (const auto& [name, value] : values) {
    MetricFamily family = Family(name);
    family.metric.push_back(Sample({}, value));
    out.push_back(std::move(family));
  }
}

}  // namespace

std::vector<MetricFamily> SnapshotFamilies(const CommitmentSnapshot& snapshot) {
  std::vector<MetricFamily> out;
  AddPerRow(snapshot.nodes, "node", NodeColumns(), out);
  AddUnusableReasons(snapshot.nodes, out);
  AddClusterWide(snapshot.cluster, out);
  AddPerRow(snapshot.namespaces, "namespace", NamespaceColumns(), out);
  AddContainersWithoutLimits(snapshot.namespaces, out);
  return out;
}

std::string SerializeFamilies(const std::vector<MetricFamily>& families) {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, families);
  return std::move(text).str();
}

}  // namespace kce
