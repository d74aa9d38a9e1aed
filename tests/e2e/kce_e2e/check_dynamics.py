"""Assertions 4 and 5: changes in the cluster are followed, and an API server outage is
survived with the last values served and the failure visible in the self-metrics."""

import json
import time

from . import check_accounting, oracle, procs

DELETED_NODE = "node-08"
CORDONED_NODE = "node-06"
COMPLETED_ON = "node-02"


def _pick_completed_pod(api):
    pods = api.list_all(f"/api/v1/pods?fieldSelector=spec.nodeName%3D{COMPLETED_ON}")
    for pod in pods:
        req, _ = oracle.effective(pod)
        if oracle.counts(pod) and oracle.node_units(req)[0] > 0 and \
                not pod["metadata"].get("deletionTimestamp"):
            return pod, oracle.node_units(req)
    raise AssertionError(f"no running pod with a CPU request on {COMPLETED_ON} to complete")


def check_changes(cl, exp, log=print):
    """Deletes a node, cordons one and completes a pod; the next poll must show all three."""
    kubectl, api = cl.kubectl, cl.api
    before = exp.metrics()
    node_series = lambda m, n: [k for k in m.samples if ("node", n) in k[1]]  # noqa: E731
    if not node_series(before, DELETED_NODE):
        raise AssertionError(f"{DELETED_NODE} has no series before the change")
    pod, (cpu_m, mem_b) = _pick_completed_pod(api)
    orphans_before = before.value("kube_commitment_orphaned_pods")
    on_deleted = len([p for p in api.list_all(
        f"/api/v1/pods?fieldSelector=spec.nodeName%3D{DELETED_NODE}") if oracle.counts(p)])

    since = time.time()
    kubectl.run("delete", "node", DELETED_NODE)
    kubectl.run("cordon", CORDONED_NODE)
    kubectl.run("patch", "pod", "-n", pod["metadata"]["namespace"], pod["metadata"]["name"],
                "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Succeeded"}}))
    # A poll that started before the last change may finish after `since`: wait for two.
    exp.wait_poll_after(since + 0.5, timeout=30)
    after = exp.wait_poll_after(time.time(), timeout=30)

    bad = check_accounting.Mismatches()
    left = node_series(after, DELETED_NODE)
    bad.expect(f"series still labelled node={DELETED_NODE}", left[:5], [], exact=True)
    bad.expect(f"{CORDONED_NODE} usable", after.value("kube_commitment_node_usable",
                                                      node=CORDONED_NODE), 0.0)
    want_req = before.value("kube_commitment_node_cpu_requests_cores", node=COMPLETED_ON) \
        - cpu_m / 1000
    bad.expect(f"{COMPLETED_ON} cpu_requests_cores after {pod['metadata']['name']} completed",
               after.value("kube_commitment_node_cpu_requests_cores", node=COMPLETED_ON),
               want_req)
    want_mem = before.value("kube_commitment_node_memory_requests_bytes", node=COMPLETED_ON) \
        - mem_b
    bad.expect(f"{COMPLETED_ON} memory_requests_bytes after completion",
               after.value("kube_commitment_node_memory_requests_bytes", node=COMPLETED_ON),
               want_mem)
    bad.expect(f"{COMPLETED_ON} pods after completion",
               after.value("kube_commitment_node_pods", node=COMPLETED_ON),
               before.value("kube_commitment_node_pods", node=COMPLETED_ON) - 1)
    bad.expect("orphaned_pods after the node was deleted",
               after.value("kube_commitment_orphaned_pods"), orphans_before + on_deleted)
    bad.raise_if_any("changes followed")
    log(f"  deleted {DELETED_NODE} ({on_deleted} pods now orphaned), cordoned {CORDONED_NODE}, "
        f"completed {pod['metadata']['namespace']}/{pod['metadata']['name']}")
    # And the whole picture still agrees with kubectl after the changes.
    check_accounting.check_all(kubectl, api, after, log)


def _node_values(metrics):
    return {k: v for k, v in metrics.samples.items()
            if k[0].startswith(("kube_commitment_node_", "kube_commitment_cluster_",
                                "kube_commitment_namespace_", "kube_commitment_pending_"))}


def _errors_total(metrics):
    return sum(metrics.series("kube_commitment_poll_errors_total").values())


def check_outage(cl, exp, log=print):
    """Stops kube-apiserver mid-run, checks the exporter, starts it again, checks recovery."""
    before = exp.wait_poll_after(time.time(), timeout=30)
    last_ok = before.value("kube_commitment_last_poll_success_timestamp_seconds")
    errors_before = _errors_total(before)
    code, took = cl.stop_apiserver()
    log(f"  kube-apiserver stopped (exit {code}, {took:.1f} s)")

    def failing():
        m = exp.metrics()
        return m if m.value("kube_commitment_last_poll_success") == 0 else None
    during = procs.wait_until("last_poll_success 0 while the API server is down", failing, 90)
    t0 = time.monotonic()
    status, _ = exp.get("/metrics", timeout=5)
    scrape_s = time.monotonic() - t0

    bad = check_accounting.Mismatches()
    bad.expect("/metrics status during the outage", status, 200, exact=True)
    bad.expect("/metrics answered within 1 s during the outage", scrape_s < 1.0, True, exact=True)
    kept, now_vals = _node_values(before), _node_values(during)
    changed = sorted(f"{k[0]}{dict(k[1])}: {kept[k]} -> {now_vals.get(k)}"
                     for k in kept if now_vals.get(k) != kept[k])
    bad.expect("node/cluster/namespace series changed during the outage", changed[:5], [],
               exact=True)
    bad.expect("last_poll_success_timestamp_seconds kept during the outage",
               during.value("kube_commitment_last_poll_success_timestamp_seconds"), last_ok)
    bad.expect("poll_errors_total grew during the outage",
               _errors_total(during) > errors_before, True, exact=True)
    reasons = sorted(f"{dict(k).get('reason', '')}={v:g}" for k, v in
                     during.series("kube_commitment_poll_errors_total").items() if v > 0)
    bad.raise_if_any("during the outage")
    log(f"  outage: last values kept ({len(kept)} series), poll errors by reason {reasons}, "
        f"scrape {scrape_s * 1000:.0f} ms")

    restarted = time.time()
    cl.start_apiserver()
    after = exp.wait_poll_after(restarted, timeout=120)
    bad.expect("last_poll_success after recovery",
               after.value("kube_commitment_last_poll_success"), 1.0)
    recovered = _node_values(after)
    # Nothing changed in the cluster meanwhile, so the same series with the same values.
    diff = sorted(f"{k[0]}{dict(k[1])}: {kept.get(k)} -> {recovered.get(k)}"
                  for k in set(kept) | set(recovered) if kept.get(k) != recovered.get(k))
    bad.expect("series after recovery differ from before the outage", diff[:5], [], exact=True)
    bad.raise_if_any("after the API server came back")
    back = after.value("kube_commitment_last_poll_success_timestamp_seconds") - restarted
    log(f"  recovered {back:.1f} s after the restart began")
