#include "kce/accounting.h"

#include <array>

namespace kce {
namespace {

enum class Kind { kRequests, kLimits };

const ContainerStatus* FindStatus(const Pod& pod, const std::string& name) {
  for (const auto& status : pod.statuses) {
    if (status.name == name) return &status;
  }
  return nullptr;
}

// One container's contribution (accounting doc §1.2, `eff`). With in-place resize the kubelet
// may be running a container above its spec, so the larger of spec, actuated and allocated
// values counts; an infeasible resize leaves the spec out because it was never granted.
ResourceList Effective(const Pod& pod, const Container& c, Kind kind, bool use_status) {
  const ResourceList& spec = kind == Kind::kRequests ? c.requests : c.limits;
  if (!use_status) return spec;
  const ContainerStatus* status = FindStatus(pod, c.name);
  if (status == nullptr || !status->has_resources) return spec;

  ResourceList result;
  if (kind == Kind::kRequests) {
    if (!pod.resize_infeasible) result = spec;
    result.MaxMerge(status->requests);
    result.MaxMerge(status->allocated);
  } else {
    if (!pod.resize_infeasible) result = spec;
    result.MaxMerge(status->limits);
  }
  return result;
}

ResourceList Aggregate(const Pod& pod, Kind kind, bool use_status) {
  ResourceList total;
  for (const auto& c : pod.containers) total.Add(Effective(pod, c, kind, use_status));

  ResourceList sidecars;
  ResourceList init_peak;
  for (const auto& c : pod.init_containers) {
    ResourceList candidate;
    if (c.sidecar) {
      ResourceList e = Effective(pod, c, kind, use_status);
      total.Add(e);
      sidecars.Add(e);
      candidate = sidecars;
    } else {
      // An ordinary init container runs alone beside the sidecars started before it, and is
      // never resized, so only its spec counts.
      candidate = kind == Kind::kRequests ? c.requests : c.limits;
      candidate.Add(sidecars);
    }
    init_peak.MaxMerge(candidate);
  }
  total.MaxMerge(init_peak);
  return total;
}

constexpr std::array<std::string_view, 2> kPodLevelKeys = {kCpu, kMemory};

bool IsPodLevelKey(std::string_view name) {
  for (auto key : kPodLevelKeys) {
    if (name == key) return true;
  }
  return name.starts_with("hugepages-");
}

bool HasPodLevelResources(const Pod& pod) {
  for (const auto& [name, value] : pod.pod_requests.entries()) {
    if (IsPodLevelKey(name)) return true;
  }
  for (const auto& [name, value] : pod.pod_limits.entries()) {
    if (IsPodLevelKey(name)) return true;
  }
  return false;
}

// API defaulting of pod-level requests (PodLevelResources; defaultPodRequests in
// pkg/apis/core/v1): once a pod has pod-level limits, a cpu or memory request missing at pod
// level becomes the containers' declared aggregate when they request it, else the pod-level
// limit. Objects from the API server carry the result already; hand-written snapshots get it
// here.
ResourceList DefaultedPodRequests(const Pod& pod) {
  ResourceList requests = pod.pod_requests;
  if (pod.pod_limits.empty()) return requests;
  const ResourceList declared = Aggregate(pod, Kind::kRequests, /*use_status=*/false);
  for (const auto& [name, value] : declared.entries()) {
    if ((name == kCpu || name == kMemory) && !requests.Has(name)) requests.Set(name, value);
  }
  for (const auto& [name, value] : pod.pod_limits.entries()) {
    if (IsPodLevelKey(name) && !requests.Has(name)) requests.Set(name, value);
  }
  return requests;
}

void ApplyOverhead(const Pod& pod, PodResources& r) {
  r.requests.Add(pod.overhead);
  // Overhead raises a limit only where one exists: an unlimited pod stays unlimited.
  for (const auto& [name, value] : pod.overhead.entries()) {
    const Quantity* limit = r.limits.Find(name);
    if (limit != nullptr && limit->nanos != 0) {
      r.limits.Set(name, Quantity{limit->nanos + value.nanos});
    }
  }
}

}  // namespace

PodResources EffectiveResources(const Pod& pod, bool use_status) {
  PodResources r;
  r.requests = Aggregate(pod, Kind::kRequests, use_status);
  r.limits = Aggregate(pod, Kind::kLimits, use_status);

  // Pod-level values replace the container aggregate key by key (not a max).
  const ResourceList pod_requests = DefaultedPodRequests(pod);
  for (const auto& [name, value] : pod_requests.entries()) {
    if (IsPodLevelKey(name)) r.requests.Set(name, value);
  }
  if (HasPodLevelResources(pod)) {
    for (const auto& [name, value] : pod.pod_limits.entries()) {
      if (IsPodLevelKey(name)) r.limits.Set(name, value);
    }
  }

  ApplyOverhead(pod, r);
  return r;
}

bool PodIsActive(const Pod& pod) { return pod.phase != "Succeeded" && pod.phase != "Failed"; }

bool ContainerLacksLimit(const Pod& pod, const Container& container, std::string_view resource) {
  return !container.limits.Has(resource) && !pod.pod_limits.Has(resource);
}

}  // namespace kce
