#!/usr/bin/env python3
"""End-to-end suite: kube-commitment-exporter against a real kube-apiserver and etcd.

    tests/e2e/run_e2e.py --exporter build/kube-commitment-exporter
    tests/e2e/run_e2e.py --cluster-only       # bring up and seed a cluster, wait for Ctrl-C

Builds (or finds cached) kube-apiserver, kubectl and etcd with build-servers.sh, starts them
on 127.0.0.1, seeds nodes and pods, runs the exporter in every access mode and checks what it
serves (see README.md). Exits 0 when every assertion passes, 1 otherwise, 77 (ctest: skipped)
only when KCE_SKIP_E2E=1. Standard library only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from kce_e2e import (check_access, check_accounting, check_deploy, check_dynamics,  # noqa: E402
                     check_prometheus, cluster, procs, seed)
from kce_e2e.exporter import Exporter  # noqa: E402

SKIP_CODE = 77


def log(msg):
    print(msg, flush=True)


def build_servers():
    started = time.monotonic()
    proc = subprocess.run([os.path.join(HERE, "build-servers.sh")], stdout=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit(f"e2e: build-servers.sh failed with exit {proc.returncode}")
    bins = dict(line.split("=", 1) for line in proc.stdout.split() if "=" in line)
    for name in ("kube-apiserver", "kubectl", "etcd"):
        if name not in bins:
            raise SystemExit(f"e2e: build-servers.sh printed no path for {name}")
    return bins, time.monotonic() - started


class Results:
    """Runs named checks, records pass/fail and duration, never stops at the first failure."""

    def __init__(self):
        self.rows = []

    def run(self, key, title, fn, *args):
        log(f"\n[{key}] {title}")
        started = time.monotonic()
        try:
            value = fn(*args)
            ok, detail = True, ""
        except Exception as err:  # every failure is reported, then the next check runs
            value, ok = None, False
            detail = str(err) if isinstance(err, (AssertionError, TimeoutError)) else \
                traceback.format_exc()
            log(f"  FAIL: {detail}")
        took = time.monotonic() - started
        self.rows.append((key, title, ok, took, detail))
        log(f"  {'PASS' if ok else 'FAIL'} ({took:.1f} s)")
        return value if ok else None

    def failed(self):
        return [r for r in self.rows if not r[2]]

    def table(self):
        return "\n".join(f"  {'PASS' if ok else 'FAIL'}  {key:<4} {title} ({took:.1f} s)"
                         for key, title, ok, took, _ in self.rows)


def bring_up(bins, workdir, bulk_pods):
    cl = cluster.Cluster(workdir, bins)
    cl.start()
    log(f"cluster up at {cl.server} in {cl.timings['cluster_start_s']:.1f} s "
        f"(kubeconfig {cl.kubeconfig})")
    seeded = seed.seed(cl, workdir, bulk_pods=bulk_pods)
    pods = cl.api.list_all("/api/v1/pods")
    pages = -(-len(pods) // 500)
    log(f"seeded {len(seed.NODES)} nodes and {len(pods)} pods ({pages} pages of 500) in "
        f"{seeded.timings['seed_total_s']:.1f} s: " +
        ", ".join(f"{k} {v:.1f} s" for k, v in seeded.timings.items()))
    return cl, seeded, len(pods)


def run_suite(args, bins, workdir):
    results = Results()
    cl, seeded, pod_count = bring_up(bins, workdir, args.pods)
    if pod_count <= 1500:
        raise AssertionError(f"only {pod_count} pods seeded; pagination needs more than 1500")
    main_exp = Exporter(args.exporter, workdir, "main", ["--kubeconfig", cl.kubeconfig])
    main_exp.wait_ready(timeout=60)
    rules_file = os.path.join(REPO, "deploy", "prometheus", "rules.yaml")
    rules_file = rules_file if os.path.exists(rules_file) else None
    prom = check_prometheus.Prometheus(workdir, f"127.0.0.1:{main_exp.port}", rules_file)

    def accounting():
        m = main_exp.wait_poll_after(time.time())
        check_accounting.check_all(cl.kubectl, cl.api, m, log)

    results.run("1", "exporter equals kubectl describe node and the node objects", accounting)
    results.run("2", "shipped RBAC, in-cluster token, unbound token gets 403",
                check_access.check_in_cluster, cl, args.exporter, REPO, workdir, log)
    results.run("3", "kubeconfig modes: token, tokenFile, client cert, CA data, --context",
                check_access.check_kubeconfig_modes, cl, args.exporter, workdir, log)
    results.run("4", "node deleted, node cordoned, pod completed are followed",
                check_dynamics.check_changes, cl, main_exp, log)
    results.run("5", "API server stopped mid-run and restarted",
                check_dynamics.check_outage, cl, main_exp, log)

    def prometheus():
        prom.wait_up()
        check_prometheus.check_queries(prom, main_exp.metrics(), log)
        if rules_file:
            check_prometheus.check_rules(prom, log)

    results.run("7", "Prometheus scrapes the exporter; every contract metric has data",
                prometheus)
    results.run("6", "deploy/kubernetes accepted with --dry-run=server",
                check_deploy.check_dry_run, cl.kubectl, REPO, log)

    def shutdown():
        code, took = main_exp.stop()
        if code != 0 or took > 2.0:
            raise AssertionError(f"exporter exited {code} {took:.2f} s after SIGTERM "
                                 "(expected 0 within 2 s)")
        log(f"  exporter stopped in {took:.2f} s with exit 0")

    results.run("S", "exporter stops cleanly on SIGTERM", shutdown)
    prom.stop()
    cl.stop()
    return results, pod_count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exporter", default=os.environ.get("KCE_EXPORTER"),
                        help="path of the kube-commitment-exporter binary")
    parser.add_argument("--pods", type=int, default=1600, help="bulk pods to seed")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--cluster-only", action="store_true",
                        help="bring up and seed a cluster, then wait for Ctrl-C")
    args = parser.parse_args()
    if os.environ.get("KCE_SKIP_E2E") == "1":
        log("e2e: skipped because KCE_SKIP_E2E=1")
        return SKIP_CODE
    if not args.cluster_only:
        if not args.exporter or not os.access(args.exporter, os.X_OK):
            log(f"e2e: FAIL: exporter binary {args.exporter!r} is missing or not executable "
                "(pass --exporter or build the kube-commitment-exporter target)")
            return 1
        args.exporter = os.path.abspath(args.exporter)
    # A Go new enough for the module proxy builds, first on PATH for every child.
    found = subprocess.run([os.path.join(REPO, ".ci", "find-go")], stdout=subprocess.PIPE,
                           text=True)
    if found.returncode != 0:
        log("e2e: FAIL: no usable Go (see the find-go message above)")
        return 1
    os.environ["PATH"] = found.stdout.strip() + os.pathsep + os.environ["PATH"]
    for tool in ("openssl", "prometheus", "go"):
        if not shutil.which(tool) and not (tool == "prometheus"
                                           and os.path.exists("/usr/bin/prometheus")):
            log(f"e2e: FAIL: '{tool}' is not on PATH")
            return 1

    suite_start = time.monotonic()
    procs.install_signal_handlers()
    bins, build_s = build_servers()
    log(f"servers ready in {build_s:.1f} s: " + ", ".join(f"{k}={v}" for k, v in bins.items()))
    workdir = tempfile.mkdtemp(prefix="kce-e2e-")
    ok = False
    try:
        if args.cluster_only:
            cl, _, _ = bring_up(bins, workdir, args.pods)
            log(f"\nexport KUBECONFIG={cl.kubeconfig}   # Ctrl-C stops the cluster")
            while True:
                time.sleep(3600)
        results, pod_count = run_suite(args, bins, workdir)
        total = time.monotonic() - suite_start
        log(f"\nsummary ({pod_count} pods, server builds {build_s:.0f} s, "
            f"whole suite {total:.0f} s):\n{results.table()}")
        ok = not results.failed()
        return 0 if ok else 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        log("e2e: FAIL: the suite could not run:\n" + traceback.format_exc())
        return 1
    finally:
        procs.stop_all()
        left = procs.leftover_pids()
        if left:
            log(f"e2e: processes still running after cleanup: {left}")
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"e2e: logs and files kept in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
