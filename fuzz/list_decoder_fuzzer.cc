// libFuzzer entry point for the list decoder, built by fuzz/CMakeLists.txt and run by the
// ctest test fuzz.list_decoder (fuzz/run.sh).
// The same bytes go to DecodePodList, DecodeNodeList and DecodeObjects; every
// invariant violation traps, so the fuzzer records the input that caused it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kce/list_decoder.h"
#include "kce/quantity.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckList(const kce::ResourceList& list) {
  for (const auto& [name, quantity] : list.entries()) {
    Check(quantity.nanos <= kce::kMaxQuantityNanos && quantity.nanos >= -kce::kMaxQuantityNanos);
  }
}

void CheckIssues(const std::vector<kce::ObjectIssue>& issues) {
  for (const kce::ObjectIssue& issue : issues) {
    Check(issue.kind == "node" || issue.kind == "pod" || issue.kind == "item");
    Check(!issue.object.empty() && !issue.reason.empty());
    // The message starts with "<kind> <object>: " and names a field after it.
    Check(issue.message.rfind(issue.kind + " " + issue.object + ": ", 0) == 0);
    Check(issue.message.size() > issue.kind.size() + issue.object.size() + 3);
    Check(issue.skipped == (issue.reason != "saturated"));
  }
}

void CheckContainers(const std::vector<kce::Container>& containers, bool init) {
  for (const kce::Container& container : containers) {
    CheckList(container.requests);
    CheckList(container.limits);
    Check(init || !container.sidecar);
    // API defaulting: every limit has a request.
    for (const auto& [name, quantity] : container.limits.entries()) {
      Check(container.requests.Has(name));
    }
  }
}

void CheckPods(const std::vector<kce::Pod>& pods) {
  for (const kce::Pod& pod : pods) {
    CheckContainers(pod.containers, false);
    CheckContainers(pod.init_containers, true);
    CheckList(pod.overhead);
    CheckList(pod.pod_requests);
    CheckList(pod.pod_limits);
    for (const kce::ContainerStatus& status : pod.statuses) {
      Check(status.has_resources == (!status.requests.empty() || !status.limits.empty()));
      CheckList(status.requests);
      CheckList(status.limits);
      CheckList(status.allocated);
    }
  }
}

void CheckNodes(const std::vector<kce::Node>& nodes) {
  for (const kce::Node& node : nodes) {
    CheckList(node.capacity);
    CheckList(node.allocatable);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Kept across inputs, as in the daemon, so parser reuse is exercised too.
  static kce::ListDecoder decoder;
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string error;

  std::string json = input;
  kce::PodPage pods;
  const bool pods_ok = decoder.DecodePodList(json, &pods, &error);
  Check(json == input);  // padding is added past the end, never inside
  if (pods_ok) {
    CheckPods(pods.items);
    CheckIssues(pods.issues);
  } else {
    Check(!error.empty() && pods.items.empty() && pods.issues.empty());
  }

  // A second pass over the same bytes gives the same answer.
  json = input;
  kce::PodPage again;
  Check(decoder.DecodePodList(json, &again, &error) == pods_ok);
  Check(again.items.size() == pods.items.size() && again.issues.size() == pods.issues.size());

  json = input;
  kce::NodePage nodes;
  error.clear();
  if (decoder.DecodeNodeList(json, &nodes, &error)) {
    CheckNodes(nodes.items);
    CheckIssues(nodes.issues);
  } else {
    Check(!error.empty() && nodes.items.empty() && nodes.issues.empty());
  }

  json = input;
  kce::ClusterObjects objects;
  error.clear();
  if (decoder.DecodeObjects(json, &objects, &error)) {
    CheckNodes(objects.nodes);
    CheckPods(objects.pods);
    CheckIssues(objects.issues);
  } else {
    Check(!error.empty() && objects.nodes.empty() && objects.pods.empty() &&
          objects.issues.empty());
  }
  return 0;
}
