"""Assertion 7: Debian's Prometheus scrapes the exporter through a real scrape config, and a
query for every metric of the contract returns data."""

import json
import os
import shutil
import urllib.parse
import urllib.request

from . import procs

PREFIX = "kube_commitment_"
# The contract of issue 2 (README metric table) plus the self-metrics the suite relies on.
CONTRACT = [
    "node_cpu_allocatable_cores", "node_cpu_capacity_cores", "node_cpu_requests_cores",
    "node_cpu_limits_cores", "node_memory_allocatable_bytes", "node_memory_capacity_bytes",
    "node_memory_requests_bytes", "node_memory_limits_bytes", "node_pods",
    "node_pods_allocatable", "node_usable",
    "cluster_cpu_allocatable_cores", "cluster_memory_allocatable_bytes",
    "cluster_cpu_requests_cores", "cluster_cpu_limits_cores", "cluster_memory_requests_bytes",
    "cluster_memory_limits_bytes", "cluster_cpu_commitment_ratio",
    "cluster_memory_commitment_ratio",
    "pending_pods", "pending_cpu_requests_cores", "pending_memory_requests_bytes",
    "orphaned_pods",
    "namespace_cpu_requests_cores", "namespace_cpu_limits_cores",
    "namespace_memory_requests_bytes", "namespace_memory_limits_bytes", "namespace_pods",
    "namespace_containers_without_limits",
    "build_info", "last_poll_success", "last_poll_success_timestamp_seconds",
    "poll_errors_total", "api_requests_total",
]


class Prometheus:
    """A Prometheus server on a free loopback port scraping one target every second."""

    def __init__(self, workdir, target, rules_file=None):
        self.port = procs.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        folder = os.path.join(workdir, "prometheus")
        os.makedirs(folder, exist_ok=True)
        config = os.path.join(folder, "prometheus.yml")
        lines = ["global:", "  scrape_interval: 1s", "  evaluation_interval: 1s"]
        if rules_file:
            shutil.copy(rules_file, os.path.join(folder, "rules.yaml"))
            lines += ["rule_files:", "  - rules.yaml"]
        lines += ["scrape_configs:", "  - job_name: kube-commitment-exporter",
                  "    static_configs:", f"      - targets: ['{target}']"]
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.child = procs.Child("prometheus", [
            shutil.which("prometheus") or "/usr/bin/prometheus",
            "--config.file", config, "--storage.tsdb.path", os.path.join(folder, "data"),
            "--web.listen-address", f"127.0.0.1:{self.port}", "--log.level", "warn",
        ], os.path.join(workdir, "prometheus.log"))

    def api(self, path, **query):
        url = f"{self.base}/api/v1/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = json.loads(resp.read())
        if body.get("status") != "success":
            raise AssertionError(f"Prometheus {path} {query}: {body}")
        return body["data"]

    def wait_up(self, timeout=60):
        def up():
            if not self.child.running():
                raise procs.Fatal("prometheus exited:\n" + self.child.log_tail())
            targets = self.api("targets")["activeTargets"]
            return targets and all(t["health"] == "up" for t in targets)
        procs.wait_until("Prometheus target up", up, timeout, interval=0.5)

    def stop(self):
        self.child.stop(grace=10)


def check_queries(prom, exporter_metrics, log=print):
    """Queries every contract metric and every kube_commitment_* family the exporter serves."""
    names = {PREFIX + n for n in CONTRACT}
    served = {n for n in exporter_metrics.names() if n.startswith(PREFIX)}
    # Families the exporter adds beyond the contract (poll duration, skipped objects, ...).
    names |= {n for n in served if not n.endswith(("_bucket", "_sum", "_count"))}
    empty = []
    for name in sorted(names):
        result = prom.api("query", query=name)["result"]
        if not result:
            empty.append(name)
    if empty:
        raise AssertionError(f"{len(empty)} metric(s) returned no data from Prometheus: "
                             + ", ".join(empty))
    log(f"  {len(names)} metrics queried through Prometheus, all with data")


def check_rules(prom, log=print):
    """The shipped rules file loads and its rules evaluate without error."""
    def evaluated():
        groups = prom.api("rules")["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return (groups, rules) if rules and all(r.get("lastEvaluation", "").startswith("2")
                                                and not r["lastEvaluation"].startswith("0001")
                                                for r in rules) else None
    groups, rules = procs.wait_until("Prometheus rules evaluated", evaluated, 30)
    broken = [f"{r['name']}: {r.get('lastError')}" for r in rules if r.get("health") == "err"]
    if broken:
        raise AssertionError("rules failing in Prometheus: " + "; ".join(broken))
    log(f"  deploy/prometheus/rules.yaml: {len(groups)} groups, {len(rules)} rules evaluate")
