"""What the key dashboard panels must show, computed from the exporter's own exposition.

dashboards_check.py runs every panel query against a Prometheus scraping the exporter; for the
panels listed in EXPECTED it also compares the answer with a value worked out here from the
per-node and per-namespace samples of the same /metrics page, in plain Python and without
PromQL. So a query that drops `* kube_commitment_node_usable`, swaps requests and limits or
divides the wrong way gives a number that differs, while the example cluster (a large unusable
GPU node, several unusable workers, pending pods) keeps those mistakes visible.

Every expectation maps the answer's label sets (without `cluster`) to values; Topk(k, values)
stands for a topk() answer, where ties at the cut may pick either series.
"""

import math
import re

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class Exposition:
    """The samples of a Prometheus text exposition, by metric name."""

    def __init__(self, text):
        self.samples = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            m = SAMPLE_RE.match(line)
            if not m:
                raise ValueError(f"unparsable exposition line: {line}")
            labels = dict(LABEL_RE.findall(m.group(2) or ""))
            self.samples.setdefault(m.group(1), []).append((labels, float(m.group(3))))

    def one(self, name):
        samples = self.samples.get(name, [])
        if len(samples) != 1:
            raise KeyError(f"{name}: {len(samples)} samples, expected 1")
        return samples[0][1]

    def by(self, name, *keys, **match):
        """{(label values of keys): value} of the samples whose labels match."""
        found = {}
        for labels, value in self.samples.get(name, []):
            if all(labels.get(k) == v for k, v in match.items()):
                found[tuple(labels.get(k, "") for k in keys)] = value
        if not found:
            raise KeyError(f"no samples of {name} {match}")
        return found


class Topk:
    def __init__(self, k, values):
        self.k = k
        self.values = values


def scalar(value):
    return {frozenset(): value}


def keyed(values, *keys):
    return {frozenset(zip(keys, k)): v for k, v in values.items()}


class Cluster:
    """Figures of the example cluster, from per-node and per-namespace samples only."""

    def __init__(self, e):
        self.e = e
        usable = e.by("kube_commitment_node_usable", "node")
        self.nodes = sorted(n for (n,) in usable)
        self.usable = [n for (n,), v in usable.items() if v == 1]

    def node(self, metric):
        return {n: v for (n,), v in self.e.by(f"kube_commitment_node_{metric}", "node").items()}

    def usable_sum(self, metric):
        values = self.node(metric)
        return sum(values[n] for n in self.usable)

    def largest_usable(self, metric):
        values = self.node(metric)
        return max(values[n] for n in self.usable)

    def all_sum(self, metric):
        return sum(self.node(metric).values())

    def pending(self, resource):
        unit = "cores" if resource == "cpu" else "bytes"
        return self.e.one(f"kube_commitment_pending_{resource}_requests_{unit}")

    def ratio(self, resource):
        unit = "cores" if resource == "cpu" else "bytes"
        return ((self.usable_sum(f"{resource}_requests_{unit}") + self.pending(resource)) /
                self.usable_sum(f"{resource}_allocatable_{unit}"))

    def headroom(self, resource):
        unit = "cores" if resource == "cpu" else "bytes"
        return (self.usable_sum(f"{resource}_allocatable_{unit}")
                - self.largest_usable(f"{resource}_allocatable_{unit}")
                - self.usable_sum(f"{resource}_requests_{unit}") - self.pending(resource))

    def per_node(self, numerator, denominator):
        top, bottom = self.node(numerator), self.node(denominator)
        return keyed({(n,): top[n] / bottom[n] for n in self.nodes}, "node")

    def namespace(self, metric, **match):
        return self.e.by(f"kube_commitment_namespace_{metric}", "namespace", **match)

    def share(self, resource):
        unit = "cores" if resource == "cpu" else "bytes"
        usable = self.usable_sum(f"{resource}_allocatable_{unit}")
        return keyed({k: v / usable for k, v in
                      self.namespace(f"{resource}_requests_{unit}").items()}, "namespace")


def overview(c):
    cpu, mem = "cpu_%s_cores", "memory_%s_bytes"
    return {
        ("CPU commitment ratio", "A"): scalar(c.ratio("cpu")),
        ("Memory commitment ratio", "A"): scalar(c.ratio("memory")),
        ("CPU headroom after losing the largest node", "A"): scalar(c.headroom("cpu")),
        ("Memory headroom after losing the largest node", "A"): scalar(c.headroom("memory")),
        ("Largest usable node (CPU)", "A"): scalar(c.largest_usable(cpu % "allocatable")),
        ("Largest usable node (memory)", "A"): scalar(c.largest_usable(mem % "allocatable")),
        ("CPU: usable against total allocatable", "A"): scalar(c.all_sum(cpu % "allocatable")),
        ("CPU: usable against total allocatable", "B"): scalar(c.usable_sum(cpu % "allocatable")),
        ("CPU: usable against total allocatable", "C"): scalar(c.usable_sum(cpu % "requests")),
        ("CPU: usable against total allocatable", "D"): scalar(c.usable_sum(cpu % "limits")),
        ("Memory: usable against total allocatable", "A"): scalar(c.all_sum(mem % "allocatable")),
        ("Memory: usable against total allocatable", "B"):
            scalar(c.usable_sum(mem % "allocatable")),
        ("Memory: usable against total allocatable", "C"): scalar(c.usable_sum(mem % "requests")),
        ("Memory: usable against total allocatable", "D"): scalar(c.usable_sum(mem % "limits")),
        ("Limits against requests", "A"):
            scalar(c.usable_sum(cpu % "limits") / c.usable_sum(cpu % "requests")),
        ("Limits against requests", "B"):
            scalar(c.usable_sum(mem % "limits") / c.usable_sum(mem % "requests")),
        ("Commitment ratio", "A"): scalar(c.ratio("cpu")),
        ("Commitment ratio", "B"): scalar(c.ratio("memory")),
        ("Pending pods", "A"): scalar(c.e.one("kube_commitment_pending_pods")),
        ("Pending CPU requests", "A"): scalar(c.pending("cpu")),
        ("Pending memory requests", "A"): scalar(c.pending("memory")),
        ("Orphaned pods", "A"): scalar(c.e.one("kube_commitment_orphaned_pods")),
        ("Last poll", "A"): scalar(c.e.one("kube_commitment_last_poll_success")),
        ("Poll interval", "A"): scalar(c.e.one("kube_commitment_poll_interval_seconds")),
    }


def nodes(c):
    reasons = c.e.by("kube_commitment_node_unusable_reason", "node", "reason")
    table = {"A": "cpu_allocatable_cores", "B": "cpu_requests_cores", "C": "cpu_limits_cores",
             "D": "memory_allocatable_bytes", "E": "memory_requests_bytes",
             "F": "memory_limits_bytes", "G": "pods", "H": "usable"}
    expected = {
        ("Usable nodes", "A"): scalar(len(c.usable)),
        ("Unusable nodes", "A"): scalar(len(c.nodes) - len(c.usable)),
        ("Unusable nodes and why", "A"):
            keyed({k: v for k, v in reasons.items() if v == 1}, "node", "reason"),
        ("Nodes", "I"): c.per_node("cpu_requests_cores", "cpu_allocatable_cores"),
        ("Nodes", "J"): c.per_node("memory_requests_bytes", "memory_allocatable_bytes"),
        ("CPU requests / allocatable per node", "A"):
            c.per_node("cpu_requests_cores", "cpu_allocatable_cores"),
        ("Memory requests / allocatable per node", "A"):
            c.per_node("memory_requests_bytes", "memory_allocatable_bytes"),
        ("Memory limits / allocatable per node", "A"):
            c.per_node("memory_limits_bytes", "memory_allocatable_bytes"),
        ("Pods / allocatable pods per node", "A"): c.per_node("pods", "pods_allocatable"),
    }
    for ref, metric in table.items():
        expected[("Nodes", ref)] = keyed({(n,): v for n, v in c.node(metric).items()}, "node")
    return expected


def namespaces(c):
    cpu = c.namespace("containers_without_limits", resource="cpu")
    memory = c.namespace("containers_without_limits", resource="memory")
    without = c.e.by("kube_commitment_namespace_containers_without_limits", "namespace",
                     "resource")
    table = {"A": ("pods", {}), "B": ("cpu_requests_cores", {}), "C": ("cpu_limits_cores", {}),
             "D": ("memory_requests_bytes", {}), "E": ("memory_limits_bytes", {}),
             "F": ("containers_without_limits", {"resource": "cpu"}),
             "G": ("containers_without_limits", {"resource": "memory"})}
    expected = {
        ("Top 10 namespaces by CPU requests", "A"):
            Topk(10, keyed(c.namespace("cpu_requests_cores"), "namespace")),
        ("Top 10 namespaces by memory requests", "A"):
            Topk(10, keyed(c.namespace("memory_requests_bytes"), "namespace")),
        ("Share of usable CPU by namespace", "A"): c.share("cpu"),
        ("Share of usable memory by namespace", "A"): c.share("memory"),
        ("Containers without a CPU limit", "A"): scalar(sum(cpu.values())),
        ("Containers without a memory limit", "A"): scalar(sum(memory.values())),
        ("Containers without limits by namespace", "A"):
            Topk(10, keyed(without, "namespace", "resource")),
    }
    for ref, (metric, match) in table.items():
        expected[("Namespaces", ref)] = keyed(c.namespace(metric, **match), "namespace")
    return expected


def expected_values(exposition_text):
    """{(dashboard uid, panel title, refId): expected answer} for the example cluster."""
    c = Cluster(Exposition(exposition_text))
    found = {}
    for uid, table in (("kce-overview", overview), ("kce-nodes", nodes),
                       ("kce-namespaces", namespaces)):
        for (title, ref), value in table(c).items():
            found[(uid, title, ref)] = value
    return found


def close(a, b):
    if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def compare(expected, answer):
    """Differences between an expected answer and {frozenset(labels): value}; [] if none."""
    problems = []
    if isinstance(expected, Topk):
        want = min(expected.k, len(expected.values))
        if len(answer) != want:
            problems.append(f"{len(answer)} series, expected the top {want}")
        for labels, value in answer.items():
            if labels not in expected.values:
                problems.append(f"unexpected series {dict(labels)}")
            elif not close(value, expected.values[labels]):
                problems.append(f"{dict(labels)} is {value}, expected {expected.values[labels]}")
        left_out = [v for k, v in expected.values.items() if k not in answer]
        if answer and left_out and max(left_out) > min(answer.values()):
            problems.append(f"left out {max(left_out)}, larger than the shown "
                            f"{min(answer.values())}")
        return problems
    for labels in sorted(set(expected) | set(answer), key=sorted):
        if labels not in answer:
            problems.append(f"no series {dict(labels)} (expected {expected[labels]})")
        elif labels not in expected:
            problems.append(f"unexpected series {dict(labels)} = {answer[labels]}")
        elif not close(answer[labels], expected[labels]):
            problems.append(f"{dict(labels) or 'value'} is {answer[labels]}, expected "
                            f"{expected[labels]}")
    return problems
