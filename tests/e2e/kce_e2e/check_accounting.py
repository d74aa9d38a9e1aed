"""Assertion 1: the exporter's per-node numbers equal `kubectl describe node` and the node
objects; cluster, pending, orphaned and namespace numbers equal the proven oracle."""

from . import describe, oracle

NODE = "kube_commitment_node_"
FLOAT_TOLERANCE = 1e-9


def close(a, b):
    return a is not None and b is not None and abs(a - b) <= FLOAT_TOLERANCE * max(1, abs(b))


class Mismatches:
    """Collects every mismatch so one run reports all of them, not only the first."""

    def __init__(self):
        self.items = []

    def expect(self, what, got, want, exact=False):
        ok = (got == want) if exact else close(got, want)
        if not ok:
            self.items.append(f"{what}: exporter {got!r}, expected {want!r}")
        return ok

    def raise_if_any(self, title):
        if self.items:
            shown = "\n  ".join(self.items[:60])
            more = f"\n  ... and {len(self.items) - 60} more" if len(self.items) > 60 else ""
            raise AssertionError(f"{title}: {len(self.items)} mismatch(es)\n  {shown}{more}")


def cluster_state(api):
    nodes = api.list_all("/api/v1/nodes")
    pods = api.list_all("/api/v1/pods")
    return nodes, pods


def check_all(kubectl, api, metrics, log=print):
    """Per-node, cluster, pending and namespace checks; raises with every mismatch found."""
    nodes, pods = cluster_state(api)
    expected = oracle.Expected(nodes, pods)
    bad = Mismatches()
    check_nodes(kubectl, expected, metrics, bad, log)
    check_totals(expected, metrics, bad, log)
    bad.raise_if_any("exporter vs kubectl describe node, node objects and oracle")


def check_nodes(kubectl, expected, metrics, bad, log=print):
    """Compares every node's series with describe and the node object."""
    exported = set(metrics.by_label(NODE + "cpu_allocatable_cores", "node"))
    bad.expect("set of nodes with series", sorted(exported), sorted(expected.nodes), exact=True)
    for name in sorted(expected.nodes):
        desc = describe.parse_describe_node(kubectl.out("describe", "node", name))
        got = lambda m: metrics.value(NODE + m, node=name)  # noqa: E731
        # describe is the reference; the oracle must agree with it too, which is what lets the
        # later checks trust the oracle where kubectl shows nothing.
        req, lim = expected.node_req.get(name, (0, 0)), expected.node_lim.get(name, (0, 0))
        bad.expect(f"{name} oracle vs describe cpu/memory requests+limits",
                   (req, lim, expected.node_pods.get(name, 0)),
                   ((desc["cpu"][0], desc["memory"][0]), (desc["cpu"][1], desc["memory"][1]),
                    desc["pods"]), exact=True)
        bad.expect(f"{name} cpu_requests_cores (describe {desc['raw']['cpu'][0]})",
                   got("cpu_requests_cores"), desc["cpu"][0] / 1000)
        bad.expect(f"{name} cpu_limits_cores (describe {desc['raw']['cpu'][1]})",
                   got("cpu_limits_cores"), desc["cpu"][1] / 1000)
        bad.expect(f"{name} memory_requests_bytes (describe {desc['raw']['memory'][0]})",
                   got("memory_requests_bytes"), float(desc["memory"][0]))
        bad.expect(f"{name} memory_limits_bytes (describe {desc['raw']['memory'][1]})",
                   got("memory_limits_bytes"), float(desc["memory"][1]))
        bad.expect(f"{name} pods (describe Non-terminated Pods)", got("pods"),
                   float(desc["pods"]))
        a_cpu, a_mem, a_pods = expected.allocatable(name)
        c_cpu, c_mem = expected.capacity(name)
        bad.expect(f"{name} cpu_allocatable_cores", got("cpu_allocatable_cores"), a_cpu / 1000)
        bad.expect(f"{name} memory_allocatable_bytes", got("memory_allocatable_bytes"),
                   float(a_mem))
        bad.expect(f"{name} pods_allocatable", got("pods_allocatable"), float(a_pods))
        bad.expect(f"{name} cpu_capacity_cores", got("cpu_capacity_cores"), c_cpu / 1000)
        bad.expect(f"{name} memory_capacity_bytes", got("memory_capacity_bytes"), float(c_mem))
        bad.expect(f"{name} usable", got("usable"), 1.0 if expected.usable[name] else 0.0)
    log(f"  compared {len(expected.nodes)} nodes with kubectl describe node")


def check_totals(expected, metrics, bad, log=print):
    """Cluster, pending, orphaned and namespace series against the oracle."""
    usable = [n for n, ok in expected.usable.items() if ok]
    alloc = [expected.allocatable(n) for n in usable]
    c_req = [expected.node_req.get(n, (0, 0)) for n in usable]
    c_lim = [expected.node_lim.get(n, (0, 0)) for n in usable]
    want = {
        "cluster_cpu_allocatable_cores": sum(a[0] for a in alloc) / 1000,
        "cluster_memory_allocatable_bytes": float(sum(a[1] for a in alloc)),
        "cluster_cpu_requests_cores": sum(r[0] for r in c_req) / 1000,
        "cluster_memory_requests_bytes": float(sum(r[1] for r in c_req)),
        "cluster_cpu_limits_cores": sum(r[0] for r in c_lim) / 1000,
        "cluster_memory_limits_bytes": float(sum(r[1] for r in c_lim)),
        "pending_pods": float(expected.pending_pods),
        "pending_cpu_requests_cores": expected.pending_req[0] / 1000,
        "pending_memory_requests_bytes": float(expected.pending_req[1]),
        "orphaned_pods": float(expected.orphaned),
    }
    cpu_alloc, mem_alloc = sum(a[0] for a in alloc), sum(a[1] for a in alloc)
    want["cluster_cpu_commitment_ratio"] = (
        (sum(r[0] for r in c_req) + expected.pending_req[0]) / cpu_alloc)
    want["cluster_memory_commitment_ratio"] = (
        (sum(r[1] for r in c_req) + expected.pending_req[1]) / mem_alloc)
    for name, value in want.items():
        bad.expect(name, metrics.value("kube_commitment_" + name), value)

    prefix = "kube_commitment_namespace_"
    got_ns = set(metrics.by_label(prefix + "pods", "namespace"))
    bad.expect("set of namespaces with series", sorted(got_ns), sorted(expected.ns_pods),
               exact=True)
    for ns in sorted(expected.ns_pods):
        req, lim = expected.ns_req[ns], expected.ns_lim[ns]
        got = lambda m: metrics.value(prefix + m, namespace=ns)  # noqa: E731
        bad.expect(f"namespace {ns} pods", got("pods"), float(expected.ns_pods[ns]))
        bad.expect(f"namespace {ns} cpu_requests_cores", got("cpu_requests_cores"), req[0] / 1000)
        bad.expect(f"namespace {ns} memory_requests_bytes", got("memory_requests_bytes"),
                   float(req[1]))
        bad.expect(f"namespace {ns} cpu_limits_cores", got("cpu_limits_cores"), lim[0] / 1000)
        bad.expect(f"namespace {ns} memory_limits_bytes", got("memory_limits_bytes"),
                   float(lim[1]))
        for res in ("cpu", "memory"):
            bad.expect(f"namespace {ns} containers_without_limits{{resource={res}}}",
                       metrics.value(prefix + "containers_without_limits", namespace=ns,
                                     resource=res),
                       float(expected.ns_unlimited[(ns, res)]))
    active = sum(metrics.by_label(prefix + "pods", "namespace").values())
    # More than one page of 500: equal counts prove the exporter followed every `continue`.
    log(f"  cluster: {len(usable)} usable nodes, {expected.pending_pods} pending, "
        f"{expected.orphaned} orphaned, {len(expected.ns_pods)} namespaces, "
        f"{active:.0f} active pods counted by the exporter (API: {sum(expected.ns_pods.values())})")
