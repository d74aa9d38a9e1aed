#include "list_decoder_objects.h"

#include <string>
#include <string_view>
#include <utility>

namespace kce::json {
namespace {

constexpr error_code kOk = simdjson::SUCCESS;

ReadyStatus ParseReady(std::string_view status) {
  if (status == "True") return ReadyStatus::kTrue;
  if (status == "False") return ReadyStatus::kFalse;
  return ReadyStatus::kUnknown;
}

// API defaulting (SetDefaults_Pod): a limit without a request implies the request.
void DefaultRequestsFromLimits(Container* container) {
  for (const auto& [name, quantity] : container->limits.entries()) {
    if (!container->requests.Has(name)) container->requests.Set(name, quantity);
  }
}

error_code ReadLabels(od::value& value, const PathNode& at, ItemState& state,
                      std::vector<std::pair<std::string, std::string>>* labels) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return state.Recover(e, at);
    std::string_view text;
    if (auto e = ReadString(field.value(), At(at, key), state, &text)) return e;
    labels->emplace_back(key, text);
    return kOk;
  });
}

error_code ReadTaints(od::value& value, const PathNode& at, ItemState& state,
                      std::vector<Taint>* taints) {
  return ForEachElement(value, at, state, [&](std::size_t index, od::value& element) {
    Taint taint;
    const PathNode taint_at = Element(at, index, &taint.key);
    const error_code walk_error =
        ForEachField(element, taint_at, state, [&](od::field& field) -> error_code {
          const od::raw_json_string key = field.key();
          if (key == "key")
            return ReadString(field.value(), At(taint_at, "key"), state, &taint.key);
          if (key == "value") {
            return ReadString(field.value(), At(taint_at, "value"), state, &taint.value);
          }
          if (key == "effect") {
            return ReadString(field.value(), At(taint_at, "effect"), state, &taint.effect);
          }
          return kOk;
        });
    if (!walk_error) taints->push_back(std::move(taint));
    return walk_error;
  });
}

error_code ReadNodeConditions(od::value& value, const PathNode& at, ItemState& state,
                              ReadyStatus* ready) {
  return ForEachElement(value, at, state, [&](std::size_t index, od::value& element) {
    const PathNode condition_at = Element(at, index);
    std::string_view type;
    std::string_view status;
    bool have_type = false;
    bool have_status = false;
    const error_code walk_error =
        ForEachField(element, condition_at, state, [&](od::field& field) -> error_code {
          const od::raw_json_string key = field.key();
          error_code e = kOk;
          if (key == "type") {
            e = ReadString(field.value(), At(condition_at, "type"), state, &type);
            have_type = true;
          } else if (key == "status") {
            e = ReadString(field.value(), At(condition_at, "status"), state, &status);
            have_status = true;
          }
          // Only the Ready condition matters; the others are passed over once their type is known.
          if (!e && have_type && (type != "Ready" || have_status)) return kStopWalk;
          return e;
        });
    if (!walk_error && type == "Ready") *ready = ParseReady(status);
    return walk_error;
  });
}

error_code ReadPodConditions(od::value& value, const PathNode& at, ItemState& state,
                             bool* resize_infeasible) {
  return ForEachElement(value, at, state, [&](std::size_t index, od::value& element) {
    const PathNode condition_at = Element(at, index);
    std::string_view type;
    std::string_view reason;
    bool have_type = false;
    bool have_reason = false;
    const error_code walk_error =
        ForEachField(element, condition_at, state, [&](od::field& field) -> error_code {
          const od::raw_json_string key = field.key();
          error_code e = kOk;
          if (key == "type") {
            e = ReadString(field.value(), At(condition_at, "type"), state, &type);
            have_type = true;
          } else if (key == "reason") {
            e = ReadString(field.value(), At(condition_at, "reason"), state, &reason);
            have_reason = true;
          }
          if (!e && have_type && (type != "PodResizePending" || have_reason)) return kStopWalk;
          return e;
        });
    if (!walk_error && type == "PodResizePending" && reason == "Infeasible")
      *resize_infeasible = true;
    return walk_error;
  });
}

error_code ReadContainers(od::value& value, const PathNode& at, ItemState& state, bool init,
                          std::vector<Container>* containers) {
  return ForEachElement(value, at, state, [&](std::size_t index, od::value& element) {
    Container container;
    const PathNode container_at = Element(at, index, &container.name);
    // Fields still wanted; the rest of the container (image, env, probes...) is skipped at once.
    int wanted = init ? 3 : 2;
    const error_code walk_error =
        ForEachField(element, container_at, state, [&](od::field& field) -> error_code {
          const od::raw_json_string key = field.key();
          error_code e = kOk;
          if (key == "name") {
            e = ReadString(field.value(), At(container_at, "name"), state, &container.name);
          } else if (key == "resources") {
            e = ReadRequirements(field.value(), At(container_at, "resources"), state,
                                 &container.requests, &container.limits);
          } else if (init && key == "restartPolicy") {
            std::string_view policy;
            e = ReadString(field.value(), At(container_at, "restartPolicy"), state, &policy);
            container.sidecar = policy == "Always";
          } else {
            return kOk;
          }
          return !e && --wanted == 0 ? kStopWalk : e;
        });
    if (walk_error) return walk_error;
    DefaultRequestsFromLimits(&container);
    containers->push_back(std::move(container));
    return kOk;
  });
}

error_code ReadContainerStatuses(od::value& value, const PathNode& at, ItemState& state,
                                 std::vector<ContainerStatus>* statuses) {
  return ForEachElement(value, at, state, [&](std::size_t index, od::value& element) {
    ContainerStatus status;
    const PathNode status_at = Element(at, index, &status.name);
    int wanted = 3;
    const error_code walk_error =
        ForEachField(element, status_at, state, [&](od::field& field) -> error_code {
          const od::raw_json_string key = field.key();
          error_code e = kOk;
          if (key == "name") {
            e = ReadString(field.value(), At(status_at, "name"), state, &status.name);
          } else if (key == "allocatedResources") {
            e = ReadResourceList(field.value(), At(status_at, "allocatedResources"), state,
                                 &status.allocated);
          } else if (key == "resources") {
            e = ReadRequirements(field.value(), At(status_at, "resources"), state, &status.requests,
                                 &status.limits);
          } else {
            return kOk;
          }
          return !e && --wanted == 0 ? kStopWalk : e;
        });
    if (walk_error) return walk_error;
    status.has_resources = !status.requests.empty() || !status.limits.empty();
    statuses->push_back(std::move(status));
    return kOk;
  });
}

error_code ReadNodeMetadata(od::value& value, const PathNode& at, ItemState& state, Node* node) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "name") return ReadString(field.value(), At(at, "name"), state, &node->name);
    if (key == "uid") return ReadString(field.value(), At(at, "uid"), state, &node->uid);
    if (key == "labels") return ReadLabels(field.value(), At(at, "labels"), state, &node->labels);
    if (key == "deletionTimestamp") {
      return ReadIsSet(field.value(), At(at, "deletionTimestamp"), state, &node->deleting);
    }
    return kOk;
  });
}

error_code ReadNodeSpec(od::value& value, const PathNode& at, ItemState& state, Node* node) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "unschedulable") {
      return ReadBool(field.value(), At(at, "unschedulable"), state, &node->unschedulable);
    }
    if (key == "taints") return ReadTaints(field.value(), At(at, "taints"), state, &node->taints);
    return kOk;
  });
}

error_code ReadNodeStatus(od::value& value, const PathNode& at, ItemState& state, Node* node) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "capacity") {
      return ReadResourceList(field.value(), At(at, "capacity"), state, &node->capacity);
    }
    if (key == "allocatable") {
      return ReadResourceList(field.value(), At(at, "allocatable"), state, &node->allocatable);
    }
    if (key == "conditions") {
      return ReadNodeConditions(field.value(), At(at, "conditions"), state, &node->ready);
    }
    return kOk;
  });
}

error_code ReadPodMetadata(od::value& value, const PathNode& at, ItemState& state, Pod* pod) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "name") return ReadString(field.value(), At(at, "name"), state, &pod->name);
    if (key == "namespace") return ReadString(field.value(), At(at, "namespace"), state, &pod->ns);
    if (key == "uid") return ReadString(field.value(), At(at, "uid"), state, &pod->uid);
    if (key == "deletionTimestamp") {
      return ReadIsSet(field.value(), At(at, "deletionTimestamp"), state, &pod->deleting);
    }
    return kOk;
  });
}

error_code ReadPodSpec(od::value& value, const PathNode& at, ItemState& state, Pod* pod) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "containers") {
      return ReadContainers(field.value(), At(at, "containers"), state, false, &pod->containers);
    }
    if (key == "initContainers") {
      return ReadContainers(field.value(), At(at, "initContainers"), state, true,
                            &pod->init_containers);
    }
    if (key == "nodeName") {
      return ReadString(field.value(), At(at, "nodeName"), state, &pod->node_name);
    }
    if (key == "overhead") {
      return ReadResourceList(field.value(), At(at, "overhead"), state, &pod->overhead);
    }
    if (key == "resources") {
      return ReadRequirements(field.value(), At(at, "resources"), state, &pod->pod_requests,
                              &pod->pod_limits);
    }
    return kOk;
  });
}

error_code ReadPodStatus(od::value& value, const PathNode& at, ItemState& state, Pod* pod) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "phase") return ReadString(field.value(), At(at, "phase"), state, &pod->phase);
    if (key == "conditions") {
      return ReadPodConditions(field.value(), At(at, "conditions"), state, &pod->resize_infeasible);
    }
    if (key == "containerStatuses") {
      return ReadContainerStatuses(field.value(), At(at, "containerStatuses"), state,
                                   &pod->statuses);
    }
    if (key == "initContainerStatuses") {
      return ReadContainerStatuses(field.value(), At(at, "initContainerStatuses"), state,
                                   &pod->statuses);
    }
    if (key == "resize") {
      // The 1.27 to 1.32 form of an infeasible resize.
      std::string_view resize;
      const error_code e = ReadString(field.value(), At(at, "resize"), state, &resize);
      if (resize == "Infeasible") pod->resize_infeasible = true;
      return e;
    }
    return kOk;
  });
}

// Calls read(value, path, state, item) for the metadata, spec and status of an object.
template <typename T, typename ReadFn>
error_code ReadSections(od::object& object, ItemState& state, T* item, ReadFn read_metadata,
                        ReadFn read_spec, ReadFn read_status) {
  const PathNode root{};
  const PathNode metadata = At(root, "metadata");
  const PathNode spec = At(root, "spec");
  const PathNode status = At(root, "status");
  for (auto result : object) {
    od::field field;
    if (const error_code e = std::move(result).get(field)) return e;
    const od::raw_json_string key = field.key();
    error_code e = kOk;
    if (key == "metadata") {
      e = read_metadata(field.value(), metadata, state, item);
    } else if (key == "spec") {
      e = read_spec(field.value(), spec, state, item);
    } else if (key == "status") {
      e = read_status(field.value(), status, state, item);
    }
    if (e) return e;
  }
  return kOk;
}

}  // namespace

error_code DecodeNode(od::object& object, ItemState& state, Node* node) {
  return ReadSections(object, state, node, ReadNodeMetadata, ReadNodeSpec, ReadNodeStatus);
}

error_code DecodePod(od::object& object, ItemState& state, Pod* pod) {
  return ReadSections(object, state, pod, ReadPodMetadata, ReadPodSpec, ReadPodStatus);
}

}  // namespace kce::json
