"""Assertions 2 and 3: the shipped least-privilege RBAC in in-cluster mode, a token without
the binding, and every kubeconfig credential mode against the real server."""

import json
import os
import re
import shutil
import time

from . import cluster as clustermod
from . import manifests
from .exporter import Exporter

RBAC_KINDS = ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding")
ALLOWED_VERBS = {"get", "list", "watch"}


def deploy_rbac(kubectl, repo, workdir):
    """Applies the Namespace, ServiceAccount, ClusterRole and ClusterRoleBinding objects found
    in deploy/kubernetes/ for real; returns them."""
    docs = [text for f in manifests.files(repo) for _, kind, text in manifests.documents(f)
            if kind in RBAC_KINDS]
    if not docs:
        raise AssertionError(f"no RBAC objects in manifests under {repo}/deploy/kubernetes")
    # kubectl parses the YAML for us: this keeps the suite free of third-party modules.
    objs = manifests.json_stream(kubectl.out("create", "--dry-run=client", "-o", "json",
                                             "-f", "-", stdin="\n---\n".join(docs)))
    # The same object may be defined in more than one file; apply each once.
    unique = {}
    for o in objs:
        meta = o["metadata"]
        unique.setdefault((o["kind"], meta.get("namespace", ""), meta["name"]), o)
    objs = list(unique.values())
    # Without a Namespace in deploy/, the ServiceAccount's namespace is made here.
    have = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    for ns in {o["metadata"].get("namespace") for o in objs if o["kind"] == "ServiceAccount"}:
        if ns and ns not in have:
            objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            have.add(ns)
    kinds = {o["kind"] for o in objs}
    if not {"ServiceAccount", "ClusterRole", "ClusterRoleBinding"} <= kinds:
        raise AssertionError(f"deploy/kubernetes lacks RBAC objects; found kinds {sorted(kinds)}")
    objs.sort(key=lambda o: RBAC_KINDS.index(o["kind"]))
    path = os.path.join(workdir, "deploy-rbac.json")
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": objs}, f)
    kubectl.run("apply", "-f", path)
    return objs


def _rules_are_least_privilege(objs):
    problems = []
    for role in (o for o in objs if o["kind"] == "ClusterRole"):
        for rule in role.get("rules") or []:
            verbs = set(rule.get("verbs") or [])
            resources = set(rule.get("resources") or [])
            if not verbs <= ALLOWED_VERBS:
                problems.append(f"{role['metadata']['name']}: verbs {sorted(verbs)}")
            if "*" in resources or "secrets" in resources or any("/" in r for r in resources):
                problems.append(f"{role['metadata']['name']}: resources {sorted(resources)}")
    return problems


def _token_dir(workdir, name, token, ca_file):
    folder = os.path.join(workdir, "sa-" + name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "token"), "w") as f:
        f.write(token)
    shutil.copy(ca_file, os.path.join(folder, "ca.crt"))
    with open(os.path.join(folder, "namespace"), "w") as f:
        f.write("kube-commitment-exporter")
    return folder


def _node_count(metrics):
    return len(metrics.by_label("kube_commitment_node_cpu_allocatable_cores", "node"))


def check_in_cluster(cl, binary, repo, workdir, log=print):
    """The shipped RBAC, a bound token in in-cluster mode, and an unbound token."""
    kubectl = cl.kubectl
    objs = deploy_rbac(kubectl, repo, workdir)
    problems = _rules_are_least_privilege(objs)
    if problems:
        raise AssertionError("ClusterRole grants more than get/list/watch on nodes and pods: "
                             + "; ".join(problems))
    sa = next(o for o in objs if o["kind"] == "ServiceAccount")["metadata"]
    ns, name = sa.get("namespace", "default"), sa["name"]
    who = f"system:serviceaccount:{ns}:{name}"
    for question, want in [("list nodes", "yes"), ("watch pods", "yes"), ("get pods", "yes"),
                           ("list pods", "yes"), ("list secrets", "no"), ("delete pods", "no"),
                           ("create pods", "no"), ("patch nodes", "no"),
                           ("list configmaps", "no"), ("get nodes --subresource=proxy", "no"),
                           ("create pods --subresource=eviction", "no")]:
        got = kubectl.run("auth", "can-i", *question.split(), "--as", who,
                          check=False).stdout.strip()
        if got != want:
            raise AssertionError(f"kubectl auth can-i {question} --as {who}: {got}, "
                                 f"expected {want}")
    node_total = len(cl.api.list_all("/api/v1/nodes"))
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(cl.api_port)}

    token = kubectl.out("create", "token", name, "-n", ns, "--duration=1h").strip()
    folder = _token_dir(workdir, "bound", token, cl.pki.ca_crt)
    exp = Exporter(binary, workdir, "in-cluster", ["--service-account-dir", folder], env)
    try:
        exp.wait_ready(timeout=30)
        m = exp.metrics()
        if _node_count(m) != node_total:
            raise AssertionError(f"in-cluster exporter shows {_node_count(m)} nodes, "
                                 f"API has {node_total}")
        if "Bearer" in exp.log() and token[:20] in exp.log():
            raise AssertionError("the exporter logged the service-account token")
    finally:
        exp.stop()
    log(f"  in-cluster with {who}: ready, {node_total} nodes")

    kubectl.run("create", "serviceaccount", "kce-e2e-unbound", "-n", ns)
    token = kubectl.out("create", "token", "kce-e2e-unbound", "-n", ns, "--duration=1h").strip()
    folder = _token_dir(workdir, "unbound", token, cl.pki.ca_crt)
    exp = Exporter(binary, workdir, "unbound", ["--service-account-dir", folder], env)
    try:
        exp.wait_serving(timeout=15)
        deadline = time.monotonic() + 12  # six poll intervals
        while time.monotonic() < deadline:
            status, _ = exp.get("/readyz")
            if status == 200:
                raise AssertionError("/readyz answered 200 for a token without RBAC binding")
            time.sleep(0.5)
        text = exp.log()
        lines = [l for l in text.splitlines() if "403" in l and re.search(r"\b(nodes|pods)\b", l)]
        if not lines:
            raise AssertionError("no log line names the 403 and the resource (nodes or pods); "
                                 "log tail:\n" + exp.child.log_tail(15))
        m = exp.metrics()
        if m.value("kube_commitment_last_poll_success") != 0:
            raise AssertionError("kube_commitment_last_poll_success is not 0 for the unbound "
                                 "token")
        log(f"  unbound token: /readyz stayed unready; log says: {lines[0].strip()[:160]}")
    finally:
        exp.stop()


def check_kubeconfig_modes(cl, binary, workdir, log=print):
    """token, tokenFile, client certificate (files and inline), CA as file and as data,
    and --context choosing a context other than current-context."""
    kubectl, pki = cl.kubectl, cl.pki
    kubectl.run("create", "clusterrolebinding", "kce-e2e-cert-user",
                "--clusterrole=kube-commitment-exporter", f"--user={clustermod.CERT_USER}")
    sa_token = kubectl.out("create", "token", "kube-commitment-exporter", "-n",
                           "kube-commitment-exporter", "--duration=1h").strip()
    token_file = os.path.join(workdir, "kubeconfig-token")
    with open(token_file, "w") as f:
        f.write(sa_token + "\n")
    ca_file = {"certificate-authority": pki.ca_crt}
    ca_data = {"certificate-authority-data": pki.b64(pki.ca_crt)}
    modes = [
        ("token", {"token": cl.admin_token}, ca_file, []),
        ("tokenFile", {"tokenFile": token_file}, ca_data, []),
        ("client-cert-files", {"client-certificate": pki.client_crt,
                               "client-key": pki.client_key}, ca_data, []),
        ("client-cert-data", {"client-certificate-data": pki.b64(pki.client_crt),
                              "client-key-data": pki.b64(pki.client_key)}, ca_file, []),
    ]
    node_total = len(cl.api.list_all("/api/v1/nodes"))
    results = []
    for name, user, cluster_extra, extra_args in modes:
        path = clustermod.write_kubeconfig(os.path.join(workdir, f"kc-{name}.yaml"), cl.server,
                                           user, cluster_extra)
        results.append(_run_mode(binary, workdir, name, path, extra_args, node_total))
    # current-context points at a server that does not answer; --context must win.
    path = clustermod.write_kubeconfig(
        os.path.join(workdir, "kc-context.yaml"), cl.server, {"token": cl.admin_token}, ca_file,
        contexts={"wrong": ("nowhere", "e2e")}, current="wrong",
        extra_clusters={"nowhere": {"server": "https://127.0.0.1:1", **ca_file}})
    results.append(_run_mode(binary, workdir, "context", path, ["--context", "e2e"], node_total))
    log("  kubeconfig modes ready: " + ", ".join(results))


def _run_mode(binary, workdir, name, kubeconfig, extra_args, node_total):
    exp = Exporter(binary, workdir, "kc-" + name, ["--kubeconfig", kubeconfig, *extra_args])
    try:
        try:
            exp.wait_ready(timeout=30)
        except Exception as err:
            raise AssertionError(f"kubeconfig mode {name}: {err}\nlog tail:\n"
                                 f"{exp.child.log_tail(15)}") from None
        count = _node_count(exp.metrics())
        if count != node_total:
            raise AssertionError(f"kubeconfig mode {name}: {count} nodes, API has {node_total}")
    finally:
        exp.stop()
    return name
