"""Assertion 6: every manifest in deploy/kubernetes/ is accepted by the real API server with
--dry-run=server. Objects of the Prometheus Operator (ServiceMonitor, PrometheusRule) are
checked against the operator's real CRDs, installed from its Go module."""

import glob
import json
import os
import subprocess

from . import manifests

# The operator's CRDs ship in its Go module (example/prometheus-operator-crd/).
PROMETHEUS_OPERATOR = "github.com/prometheus-operator/prometheus-operator@v0.85.0"
OPERATOR_GROUP = "monitoring.coreos.com"


def _operator_crd_dir():
    proc = subprocess.run(["go", "mod", "download", "-json", PROMETHEUS_OPERATOR],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"go mod download {PROMETHEUS_OPERATOR} failed:\n{proc.stdout}"
                             f"{proc.stderr}")
    return os.path.join(json.loads(proc.stdout)["Dir"], "example", "prometheus-operator-crd")


def install_operator_crds(kubectl, kinds, log=print):
    """Creates the CRDs for the monitoring.coreos.com kinds used and waits until served."""
    wanted = sorted({k.lower() + "s" for api, k in kinds if api.startswith(OPERATOR_GROUP)})
    if not wanted:
        return []
    folder = _operator_crd_dir()
    for plural in wanted:
        path = os.path.join(folder, f"{OPERATOR_GROUP}_{plural}.yaml")
        # Server-side apply: these CRDs exceed the size of the client-side annotation.
        kubectl.run("apply", "--server-side", "-f", path)
        kubectl.run("wait", "--for=condition=Established", "--timeout=60s",
                    f"crd/{plural}.{OPERATOR_GROUP}")
    log(f"  installed CRDs {', '.join(wanted)} from {PROMETHEUS_OPERATOR}")
    return wanted


def check_dry_run(kubectl, repo, log=print):
    files = manifests.files(repo)
    if not files:
        raise AssertionError(f"no manifests under {repo}/deploy/kubernetes")
    kinds = {(api, kind) for f in files for api, kind, _ in manifests.documents(f)}
    install_operator_crds(kubectl, kinds, log)
    failures = []
    for f in files:
        proc = kubectl.run("apply", "--dry-run=server", "-f", f, check=False)
        rel = os.path.relpath(f, repo)
        if proc.returncode != 0:
            failures.append(f"{rel}:\n{proc.stdout}{proc.stderr}")
        else:
            log(f"  {rel}: {len(proc.stdout.splitlines())} object(s) accepted")
    if failures:
        raise AssertionError("rejected by the API server with --dry-run=server:\n"
                             + "\n".join(failures))
    # The chart's templates are what these files are rendered from; the rules file is loaded
    # by Prometheus in assertion 7.
    others = sorted(os.path.relpath(os.path.dirname(f), repo)
                    for f in glob.glob(os.path.join(repo, "deploy", "**", "*"), recursive=True)
                    if os.path.isfile(f) and f not in files)
    log(f"  not manifests, not applied here: {', '.join(sorted(set(others)))}")
