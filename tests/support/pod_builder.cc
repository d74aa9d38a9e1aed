#include "support/pod_builder.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace kce::testing {

Quantity Q(const char* text) {
  QuantityParse parsed = ParseQuantity(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "test fixture has a bad quantity: %s\n", parsed.error.c_str());
    std::abort();
  }
  return parsed.value;
}

ResourceList Resources(std::initializer_list<std::pair<const char*, const char*>> entries) {
  ResourceList list;
  for (const auto& [name, value] : entries) list.Set(name, Q(value));
  return list;
}

Container MakeContainer(std::string name, ResourceList requests, ResourceList limits,
                        bool sidecar) {
  Container c;
  c.name = std::move(name);
  c.requests = std::move(requests);
  c.limits = std::move(limits);
  c.sidecar = sidecar;
  return c;
}

Node MakeNode(std::string name, const char* cpu, const char* memory, const char* pods) {
  Node node;
  node.name = std::move(name);
  node.ready = ReadyStatus::kTrue;
  node.capacity = Resources({{"cpu", cpu}, {"memory", memory}, {"pods", pods}});
  node.allocatable = node.capacity;
  return node;
}

Pod MakePod(std::string ns, std::string name, std::string node,
            std::initializer_list<Container> containers) {
  Pod pod;
  pod.ns = std::move(ns);
  pod.name = std::move(name);
  pod.node_name = std::move(node);
  pod.phase = pod.node_name.empty() ? "Pending" : "Running";
  pod.containers = containers;
  return pod;
}

NodeCommitment FindNode(const CommitmentSnapshot& snapshot, const std::string& name) {
  for (const auto& node : snapshot.nodes) {
    if (node.name == name) return node;
  }
  throw std::runtime_error("no node " + name + " in the snapshot");
}

}  // namespace kce::testing
