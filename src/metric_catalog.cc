#include "kce/metric_catalog.h"

#include <array>
#include <stdexcept>
#include <string>

namespace kce {
namespace {

using prometheus::MetricType;
constexpr MetricType kGauge = MetricType::Gauge;
constexpr MetricType kCounter = MetricType::Counter;

constexpr std::array kCatalog = {
    // Per node.
    MetricInfo{"kube_commitment_node_cpu_allocatable_cores", kGauge, "node", "cores",
               "Allocatable CPU of the node in cores, from status.allocatable (capacity when "
               "absent)."},
    MetricInfo{"kube_commitment_node_cpu_capacity_cores", kGauge, "node", "cores",
               "CPU capacity of the node in cores, from status.capacity."},
    MetricInfo{"kube_commitment_node_cpu_requests_cores", kGauge, "node", "cores",
               "Sum of the effective CPU requests in cores of the active pods bound to the node."},
    MetricInfo{"kube_commitment_node_cpu_limits_cores", kGauge, "node", "cores",
               "Sum of the effective CPU limits in cores of the active pods bound to the node; a "
               "missing limit adds nothing."},
    MetricInfo{"kube_commitment_node_memory_allocatable_bytes", kGauge, "node", "bytes",
               "Allocatable memory of the node in bytes, from status.allocatable (capacity when "
               "absent)."},
    MetricInfo{"kube_commitment_node_memory_capacity_bytes", kGauge, "node", "bytes",
               "Memory capacity of the node in bytes, from status.capacity."},
    MetricInfo{"kube_commitment_node_memory_requests_bytes", kGauge, "node", "bytes",
               "Sum of the effective memory requests in bytes of the active pods bound to the "
               "node."},
    MetricInfo{"kube_commitment_node_memory_limits_bytes", kGauge, "node", "bytes",
               "Sum of the effective memory limits in bytes of the active pods bound to the "
               "node; a missing limit adds nothing."},
    MetricInfo{"kube_commitment_node_pods", kGauge, "node", "pods",
               "Number of active pods (phase neither Succeeded nor Failed) bound to the node."},
    MetricInfo{"kube_commitment_node_pods_allocatable", kGauge, "node", "pods",
               "Number of pods the node accepts, from status.allocatable.pods (capacity when "
               "allocatable is absent)."},
    MetricInfo{"kube_commitment_node_usable", kGauge, "node", "boolean",
               "1 when the node is Ready, schedulable, not being deleted and free of "
               "untolerated NoSchedule and NoExecute taints, else 0."},
    MetricInfo{"kube_commitment_node_unusable_reason", kGauge, "node,reason", "boolean",
               "1 for each reason the node's capacity is unusable (not_ready, cordoned, "
               "deleting, taint); absent for usable nodes."},
    // Cluster.
    MetricInfo{"kube_commitment_cluster_cpu_allocatable_cores", kGauge, "", "cores",
               "Sum of the allocatable CPU in cores of the usable nodes."},
    MetricInfo{"kube_commitment_cluster_memory_allocatable_bytes", kGauge, "", "bytes",
               "Sum of the allocatable memory in bytes of the usable nodes."},
    MetricInfo{"kube_commitment_cluster_cpu_requests_cores", kGauge, "", "cores",
               "Sum of the effective CPU requests in cores of the active pods on usable nodes."},
    MetricInfo{"kube_commitment_cluster_cpu_limits_cores", kGauge, "", "cores",
               "Sum of the effective CPU limits in cores of the active pods on usable nodes."},
    MetricInfo{"kube_commitment_cluster_memory_requests_bytes", kGauge, "", "bytes",
               "Sum of the effective memory requests in bytes of the active pods on usable "
               "nodes."},
    MetricInfo{"kube_commitment_cluster_memory_limits_bytes", kGauge, "", "bytes",
               "Sum of the effective memory limits in bytes of the active pods on usable nodes."},
    MetricInfo{"kube_commitment_cluster_cpu_commitment_ratio", kGauge, "", "ratio",
               "CPU requests of pods on usable nodes plus pending CPU requests, divided by usable "
               "allocatable CPU; 0 when nothing is requested, +Inf when nothing is usable."},
    MetricInfo{"kube_commitment_cluster_memory_commitment_ratio", kGauge, "", "ratio",
               "Memory requests of pods on usable nodes plus pending memory requests, divided by "
               "usable allocatable memory; 0 when nothing is requested, +Inf when nothing is "
               "usable."},
    MetricInfo{"kube_commitment_pending_pods", kGauge, "", "pods",
               "Number of active pods not bound to any node."},
    MetricInfo{"kube_commitment_pending_cpu_requests_cores", kGauge, "", "cores",
               "Sum of the effective CPU requests in cores of the pending pods."},
    MetricInfo{"kube_commitment_pending_memory_requests_bytes", kGauge, "", "bytes",
               "Sum of the effective memory requests in bytes of the pending pods."},
    MetricInfo{"kube_commitment_orphaned_pods", kGauge, "", "pods",
               "Number of active pods bound to a node that does not exist."},
    // Per namespace.
    MetricInfo{"kube_commitment_namespace_cpu_requests_cores", kGauge, "namespace", "cores",
               "Sum of the effective CPU requests in cores of the active pods of the namespace, "
               "scheduled or not."},
    MetricInfo{"kube_commitment_namespace_cpu_limits_cores", kGauge, "namespace", "cores",
               "Sum of the effective CPU limits in cores of the active pods of the namespace."},
    MetricInfo{"kube_commitment_namespace_memory_requests_bytes", kGauge, "namespace", "bytes",
               "Sum of the effective memory requests in bytes of the active pods of the "
               "namespace, scheduled or not."},
    MetricInfo{"kube_commitment_namespace_memory_limits_bytes", kGauge, "namespace", "bytes",
               "Sum of the effective memory limits in bytes of the active pods of the "
               "namespace."},
    MetricInfo{"kube_commitment_namespace_pods", kGauge, "namespace", "pods",
               "Number of active pods of the namespace, scheduled or not."},
    MetricInfo{"kube_commitment_namespace_containers_without_limits", kGauge, "namespace,resource",
               "containers",
               "Number of containers and native sidecars of active pods in the namespace with no "
               "limit for the resource, at container or pod level."},
    // The exporter itself.
    MetricInfo{"kube_commitment_build_info", kGauge, "version,revision", "info",
               "Always 1; labels give the exporter's version and source revision."},
    MetricInfo{"kube_commitment_last_poll_success", kGauge, "", "boolean",
               "1 when the last poll of the API server succeeded, else 0."},
    MetricInfo{"kube_commitment_last_poll_success_timestamp_seconds", kGauge, "", "seconds",
               "Unix time of the last successful poll; 0 before the first one."},
    MetricInfo{"kube_commitment_last_poll_duration_seconds", kGauge, "", "seconds",
               "Wall-clock duration of the last poll in seconds."},
    MetricInfo{"kube_commitment_poll_interval_seconds", kGauge, "", "seconds",
               "Configured interval between polls in seconds."},
    MetricInfo{"kube_commitment_poll_errors_total", kCounter, "reason", "polls",
               "Failed polls by reason since the exporter started."},
    MetricInfo{"kube_commitment_api_requests_total", kCounter, "resource,code", "requests",
               "Requests to the API server by resource and HTTP status code (0 when no response "
               "arrived)."},
    MetricInfo{"kube_commitment_skipped_objects_total", kCounter, "kind,reason", "objects",
               "Objects left out of a poll for bad data, by kind and reason, summed over polls."},
    MetricInfo{"kube_commitment_saturated_quantities_total", kCounter, "kind", "objects",
               "Objects kept with a quantity or a sum clamped at the int64 bound, by kind, summed "
               "over polls."},
};

}  // namespace

std::span<const MetricInfo> MetricCatalog() { return kCatalog; }

const MetricInfo& LookupMetric(std::string_view name) {
  for (const auto& info : kCatalog) {
    if (info.name == name) return info;
  }
  throw std::out_of_range("metric not in catalog: " + std::string(name));
}

}  // namespace kce
