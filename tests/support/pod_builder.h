#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "kce/commitment.h"
#include "kce/model.h"
#include "kce/quantity.h"

namespace kce::testing {

/// A ResourceList from {"cpu", "250m"} pairs; aborts the test binary on a bad quantity.
ResourceList Resources(std::initializer_list<std::pair<const char*, const char*>> entries);

/// The quantity of `text`; aborts on a bad quantity.
Quantity Q(const char* text);

/// A container with the given requests and limits.
Container MakeContainer(std::string name, ResourceList requests, ResourceList limits = {},
                        bool sidecar = false);

/// A Ready, schedulable node with the given allocatable cpu and memory (capacity the same).
Node MakeNode(std::string name, const char* cpu, const char* memory, const char* pods = "110");

/// A Running pod in `ns` bound to `node` (empty for pending) with the given containers.
Pod MakePod(std::string ns, std::string name, std::string node,
            std::initializer_list<Container> containers);

/// The node named `name` in `snapshot`; throws std::runtime_error when absent.
NodeCommitment FindNode(const CommitmentSnapshot& snapshot, const std::string& name);

}  // namespace kce::testing
