"""An independent reading of the accounting rules (accounting doc sections 1-3) in Python.

The suite first proves this oracle against `kubectl describe node` on every node, then uses
it where kubectl has no view of its own: pending pods, namespaces, containers without limits.
Status-based resize is not modelled: the seeded pods carry no container resource status.
"""

import math
from fractions import Fraction

from . import quantity

POD_LEVEL_KEYS = ("cpu", "memory")


def _rl(resources, kind):
    return {k: quantity.parse(v) for k, v in ((resources or {}).get(kind) or {}).items()}


def _add(into, other):
    for k, v in other.items():
        into[k] = into.get(k, Fraction(0)) + v


def _maxmerge(into, other):
    for k, v in other.items():
        into[k] = max(into.get(k, v), v)


def _aggregate(spec, kind):
    total, sidecars, init_peak = {}, {}, {}
    for c in spec.get("containers") or []:
        _add(total, _rl(c.get("resources"), kind))
    for c in spec.get("initContainers") or []:
        own = _rl(c.get("resources"), kind)
        if c.get("restartPolicy") == "Always":
            _add(total, own)
            _add(sidecars, own)
            candidate = dict(sidecars)
        else:
            candidate = dict(own)
            _add(candidate, sidecars)
        _maxmerge(init_peak, candidate)
    _maxmerge(total, init_peak)
    return total


def effective(pod):
    """(requests, limits) of a pod as exact Fractions keyed by resource name."""
    spec = pod.get("spec") or {}
    requests, limits = _aggregate(spec, "requests"), _aggregate(spec, "limits")
    pod_req = _rl(spec.get("resources"), "requests")
    pod_lim = _rl(spec.get("resources"), "limits")
    for key in POD_LEVEL_KEYS:
        if key in pod_req:
            requests[key] = pod_req[key]
    if any(k in POD_LEVEL_KEYS for k in list(pod_req) + list(pod_lim)):
        for key in POD_LEVEL_KEYS:
            if key in pod_lim:
                limits[key] = pod_lim[key]
    overhead = {k: quantity.parse(v) for k, v in (spec.get("overhead") or {}).items()}
    _add(requests, overhead)
    for key, extra in overhead.items():
        if limits.get(key):
            limits[key] += extra
    return requests, limits


def round_up(value):
    return math.ceil(value) if value >= 0 else math.floor(value)


def node_units(amounts):
    """Scheduler units of one pod: (cpu millicores, memory bytes), each rounded up."""
    return (round_up(amounts.get("cpu", Fraction(0)) * 1000),
            round_up(amounts.get("memory", Fraction(0))))


def counts(pod):
    """Whether a pod counts at all: not Succeeded or Failed."""
    return ((pod.get("status") or {}).get("phase")) not in ("Succeeded", "Failed")


def containers_without_limits(pod, resource):
    """Containers and sidecars of the pod without a limit for `resource`, at container or pod
    level (the README's definition of the metric): a pod-level limit bounds them all."""
    spec = pod.get("spec") or {}
    if resource in (((spec.get("resources") or {}).get("limits")) or {}):
        return 0
    members = list(spec.get("containers") or [])
    members += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    return sum(1 for c in members
               if resource not in (((c.get("resources") or {}).get("limits")) or {}))


def node_usable(node, tolerated=()):
    """Usable for new pods: Ready, not cordoned, not being deleted, no NoSchedule or NoExecute
    taint whose key is not tolerated."""
    if (node.get("metadata") or {}).get("deletionTimestamp"):
        return False
    spec, status = node.get("spec") or {}, node.get("status") or {}
    if spec.get("unschedulable"):
        return False
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    if not ready or ready[0].get("status") != "True":
        return False
    return not any(t.get("effect") in ("NoSchedule", "NoExecute") and t.get("key") not in tolerated
                   for t in spec.get("taints") or [])


class Expected:
    """Per-node, per-namespace, pending and orphaned totals computed from the API's objects."""

    def __init__(self, nodes, pods):
        self.nodes = {n["metadata"]["name"]: n for n in nodes}
        self.node_req, self.node_lim, self.node_pods = {}, {}, {}
        self.ns_req, self.ns_lim, self.ns_pods, self.ns_unlimited = {}, {}, {}, {}
        self.pending_pods, self.pending_req, self.orphaned = 0, (0, 0), 0
        for pod in pods:
            if not counts(pod):
                continue
            req, lim = effective(pod)
            r_units, l_units = node_units(req), node_units(lim)
            ns = pod["metadata"]["namespace"]
            self._acc(self.ns_req, ns, r_units)
            self._acc(self.ns_lim, ns, l_units)
            self.ns_pods[ns] = self.ns_pods.get(ns, 0) + 1
            for res in ("cpu", "memory"):
                key = (ns, res)
                self.ns_unlimited[key] = (self.ns_unlimited.get(key, 0)
                                          + containers_without_limits(pod, res))
            node = (pod.get("spec") or {}).get("nodeName")
            if not node:
                self.pending_pods += 1
                self.pending_req = tuple(a + b for a, b in zip(self.pending_req, r_units))
            elif node not in self.nodes:
                self.orphaned += 1
            else:
                self._acc(self.node_req, node, r_units)
                self._acc(self.node_lim, node, l_units)
                self.node_pods[node] = self.node_pods.get(node, 0) + 1
        self.usable = {name: node_usable(n) for name, n in self.nodes.items()}

    @staticmethod
    def _acc(table, key, units):
        old = table.get(key, (0, 0))
        table[key] = (old[0] + units[0], old[1] + units[1])

    def allocatable(self, node):
        """(cpu millicores, memory bytes, pods) of a node; capacity when allocatable is absent."""
        status = self.nodes[node].get("status") or {}
        source = status.get("allocatable") or status.get("capacity") or {}
        return (quantity.milli(source.get("cpu", "0")), quantity.value(source.get("memory", "0")),
                quantity.value(source.get("pods", "0")))

    def capacity(self, node):
        cap = (self.nodes[node].get("status") or {}).get("capacity") or {}
        return quantity.milli(cap.get("cpu", "0")), quantity.value(cap.get("memory", "0"))
