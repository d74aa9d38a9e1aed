#pragma once

#include "kce/model.h"
#include "kce/resource_list.h"

namespace kce {

/// A pod's effective requests and limits as the scheduler counts them.
struct PodResources {
  ResourceList requests;
  ResourceList limits;
};

/// Computes a pod's effective requests and limits (accounting doc §1.2-§1.5): containers,
/// init containers and native sidecars, in-place resize status (when `use_status`), pod-level
/// resources, then overhead. Pure; thread-safe.
PodResources EffectiveResources(const Pod& pod, bool use_status = true);

/// True when the pod occupies its node: its phase is neither Succeeded nor Failed
/// (accounting doc §2). Pods being deleted still count.
bool PodIsActive(const Pod& pod);

/// The resources a container is unbounded for: no limit on the container, and none at
/// pod level either (spec.resources.limits). Ephemeral containers never count.
bool ContainerLacksLimit(const Pod& pod, const Container& container, std::string_view resource);

}  // namespace kce
