"""Seeds the test cluster: nodes in several states and pods of every accounting shape.

Nothing runs pods here (no scheduler, kubelet or controller-manager), so pods are created
with spec.nodeName already set and node and pod status is written through the status
subresource, as a kubelet would.
"""

import concurrent.futures
import json
import os
import random
import time

from . import pods as podgen

RUNTIME_CLASS = "kata-e2e"
NAMESPACES = ["kube-system", "team-a", "team-b", "team-c", "batch", "web", "ml", "monitoring"]
FINALIZER = "e2e.kce.local/hold"
GHOST_NODE = "node-ghost"  # pods bound here are orphaned: no such node exists

# name: (capacity cpu, capacity memory, allocatable cpu, allocatable memory, state)
# The formats vary on purpose: the exporter must read every spelling of a quantity.
NODES = {
    "node-01": ("32", "128Gi", "31750m", "131189200Ki", "ready"),
    "node-02": ("32", "128Gi", "31.5", "125Gi", "ready"),
    "node-03": ("64", "256Gi", "63500m", "262144000Ki", "ready"),
    "node-04": ("64", "256Gi", "63", "270000000000", "ready"),
    "node-05": ("16", "64Gi", "15800m", "64Gi", "ready"),
    "node-06": ("16", "64Gi", "15.8", "66e9", "ready"),
    "node-07": ("48", "192Gi", "47", "190Gi", "ready"),
    "node-08": ("48", "192Gi", "47500m", "196Gi", "ready"),
    "node-09": ("32", "128Gi", "31", "120Gi", "cordoned"),
    "node-10": ("32", "128Gi", "31", "120Gi", "notready"),
    "node-11": ("96", "384Gi", "95", "380Gi", "tainted"),
    "node-12": ("32", "128Gi", "31", "120Gi", "prefer-no-schedule"),
}
USABLE_STATES = {"ready", "prefer-no-schedule"}


def _conditions(ready):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    conds = [{"type": t, "status": "False", "reason": "KubeletHas" + r, "message": "ok",
              "lastHeartbeatTime": now, "lastTransitionTime": now}
             for t, r in (("MemoryPressure", "SufficientMemory"),
                          ("DiskPressure", "NoDiskPressure"), ("PIDPressure", "SufficientPID"))]
    conds.append({"type": "Ready", "status": "True" if ready else "False",
                  "reason": "KubeletReady" if ready else "KubeletNotReady",
                  "message": "kubelet is posting ready status" if ready else "PLEG is not healthy",
                  "lastHeartbeatTime": now, "lastTransitionTime": now})
    return conds


def _base_objects():
    objs = []
    for ns in NAMESPACES:
        if ns != "kube-system":
            objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        # No controller-manager runs, so nothing creates the default ServiceAccount.
        objs.append({"apiVersion": "v1", "kind": "ServiceAccount",
                     "metadata": {"name": "default", "namespace": ns}})
    objs.append({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
                 "metadata": {"name": RUNTIME_CLASS}, "handler": "kata",
                 "overhead": {"podFixed": {"cpu": "250m", "memory": "120Mi"}}})
    # LimitRanger fills requests and limits of containers that declare none in "web".
    objs.append({"apiVersion": "v1", "kind": "LimitRange",
                 "metadata": {"name": "defaults", "namespace": "web"},
                 "spec": {"limits": [{"type": "Container",
                                      "default": {"cpu": "500m", "memory": "256Mi"},
                                      "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}})
    for name, (_, _, _, _, state) in NODES.items():
        objs.append({"apiVersion": "v1", "kind": "Node",
                     "metadata": {"name": name, "labels": {
                         "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                         "e2e.kce.local/state": state}}})
    return {"apiVersion": "v1", "kind": "List", "items": objs}


def _post_all(api, jobs, workers=8):
    """Runs (method, path, body) jobs concurrently; raises on the first failure."""
    def one(job):
        method, path, body = job
        if method == "POST":
            return api.create(path, body)
        return api.merge_patch(path, body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(one, jobs):
            pass


class Seeded:
    """What was seeded, for the assertions: node states, pod names by role, counts."""

    def __init__(self):
        self.node_state = {n: v[4] for n, v in NODES.items()}
        self.pods = {}          # role -> list of (namespace, name)
        self.timings = {}

    def usable(self, node):
        return self.node_state.get(node) in USABLE_STATES

    def total_pods(self):
        return sum(len(v) for v in self.pods.values())


def seed(cluster, workdir, bulk_pods=1600, rng_seed=20261203):
    """Creates nodes, namespaces, the RuntimeClass and pods; returns a Seeded summary."""
    kubectl, api = cluster.kubectl, cluster.api
    out = Seeded()
    started = time.monotonic()

    base = os.path.join(workdir, "seed-base.json")
    with open(base, "w") as f:
        json.dump(_base_objects(), f)
    kubectl.run("create", "-f", base)

    for name, (cap_cpu, cap_mem, alloc_cpu, alloc_mem, state) in NODES.items():
        status = {"status": {
            "capacity": {"cpu": cap_cpu, "memory": cap_mem, "pods": "250",
                         "ephemeral-storage": "200Gi"},
            "allocatable": {"cpu": alloc_cpu, "memory": alloc_mem, "pods": "250",
                            "ephemeral-storage": "190Gi"},
            "conditions": _conditions(state != "notready"),
            "nodeInfo": {"kubeletVersion": "v1.36.3", "osImage": "e2e", "architecture": "amd64",
                         "operatingSystem": "linux", "kernelVersion": "6.1", "machineID": name,
                         "systemUUID": name, "bootID": name, "containerRuntimeVersion": "fake://1",
                         "kubeProxyVersion": ""}}}
        kubectl.run("patch", "node", name, "--subresource=status", "--type=merge",
                    "-p", json.dumps(status))
    # The TaintNodesByCondition admission plugin taints every new node not-ready; the node
    # lifecycle controller would lift it for Ready nodes, but none runs here.
    kubectl.run("taint", "nodes", "-l", "e2e.kce.local/state!=notready",
                "node.kubernetes.io/not-ready:NoSchedule-")
    kubectl.run("taint", "nodes", "node-11", "dedicated=gpu:NoSchedule")
    kubectl.run("taint", "nodes", "node-12", "spot=true:PreferNoSchedule")
    kubectl.run("cordon", "node-09")
    out.timings["nodes_s"] = time.monotonic() - started

    rng = random.Random(rng_seed)
    nodes = list(NODES)
    jobs, terminal = [], []

    def add(role, ns, pod):
        out.pods.setdefault(role, []).append((ns, pod["metadata"]["name"]))
        jobs.append(("POST", f"/api/v1/namespaces/{ns}/pods", pod))

    for ns, pod, node_hint in podgen.showcase_pods(RUNTIME_CLASS):
        pod["spec"]["nodeName"] = node_hint
        add("showcase", ns, pod)
    for i in range(bulk_pods):
        ns = NAMESPACES[i % len(NAMESPACES)]
        pod = podgen.random_pod(rng, ns, f"app-{i:05d}", RUNTIME_CLASS)
        pod["spec"]["nodeName"] = nodes[rng.randrange(len(nodes))]
        add("bulk", ns, pod)
    for i in range(40):
        ns = NAMESPACES[(i * 3) % len(NAMESPACES)]
        add("pending", ns, podgen.random_pod(rng, ns, f"pending-{i:03d}", RUNTIME_CLASS))
    for i in range(5):
        ns = NAMESPACES[i % len(NAMESPACES)]
        pod = podgen.random_pod(rng, ns, f"orphan-{i:03d}", RUNTIME_CLASS)
        pod["spec"]["nodeName"] = GHOST_NODE
        add("orphan", ns, pod)
    for i in range(60):
        ns = NAMESPACES[i % len(NAMESPACES)]
        pod = podgen.random_pod(rng, ns, f"done-{i:03d}", RUNTIME_CLASS)
        pod["spec"]["nodeName"] = nodes[i % len(nodes)]
        add("terminal", ns, pod)
        terminal.append((ns, pod["metadata"]["name"], "Succeeded" if i % 3 else "Failed"))
    for i in range(3):
        ns = NAMESPACES[i + 1]
        pod = podgen.random_pod(rng, ns, f"finalizing-{i:03d}", RUNTIME_CLASS)
        pod["metadata"]["finalizers"] = [FINALIZER]
        pod["spec"]["nodeName"] = nodes[i]
        add("finalizing", ns, pod)

    t0 = time.monotonic()
    _post_all(api, jobs)
    out.timings["pods_create_s"] = time.monotonic() - t0

    t0 = time.monotonic()
    patches = []
    for ns, name, phase in terminal:
        patches.append(("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status",
                        podgen.terminal_status(phase)))
    _post_all(api, patches)
    # A pod bound to a node is deleted gracefully: the object stays, with a deletionTimestamp,
    # until the kubelet and then the finalizer let go. Neither happens here.
    for ns, name in out.pods["finalizing"]:
        kubectl.run("delete", "pod", "-n", ns, name, "--wait=false")
    out.timings["status_s"] = time.monotonic() - t0
    out.timings["seed_total_s"] = time.monotonic() - started
    return out
