#!/usr/bin/env python3
"""Renders the chart with `helm template` and checks what it produces.

Configurations: the defaults (no ServiceMonitor, PrometheusRule or NetworkPolicy) and every
optional part enabled with selector labels set. Checked: the object kinds, the recommended
app.kubernetes.io labels, Pod Security "restricted" settings, probes and resources, RBAC limited
to get/list/watch on nodes and pods, honorLabels on the ServiceMonitor, the selector labels,
the alert job following the release name, and the chart's appVersion against CMake's project
version. With the exporter binary given, the rendered configuration file must pass
`kube-commitment-exporter --check-config`.

Usage: helm_template_check.py [BINARY]
"""

import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHART = os.path.join(REPO, "deploy", "helm", "kube-commitment-exporter")
BASE = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Service",
        "Deployment"}
OPTIONAL = {"ServiceMonitor", "PrometheusRule", "NetworkPolicy"}
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
          "app.kubernetes.io/component", "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by", "helm.sh/chart")
RESTRICTED = (r"runAsNonRoot: true", r"runAsUser: 65532",
              r"seccompProfile:\n\s+type: RuntimeDefault",
              r"allowPrivilegeEscalation: false", r"readOnlyRootFilesystem: true",
              r"capabilities:\n\s+drop:\n\s+- ALL", r"replicas: 1", r"livenessProbe:",
              r"path: /healthz", r"readinessProbe:", r"path: /readyz",
              r"requests:\n\s+cpu: \S+\n\s+memory: \S+", r"limits:\n\s+memory: \S+",
              r"name: metrics\n\s+containerPort: \d+",
              r"args:\n\s+- --config=/etc/kube-commitment-exporter/config.yaml")


def helm_bin():
    if os.environ.get("HELM"):
        return os.environ["HELM"]
    return subprocess.run([os.path.join(REPO, "deploy", "install-helm.sh")], check=True,
                          capture_output=True, text=True).stdout.strip()


def render(helm, release, *sets):
    cmd = [helm, "template", release, CHART, "--namespace", "monitoring"]
    for s in sets:
        cmd += ["--set", s]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr}")
    docs = {}
    for doc in re.split(r"^---\s*$", result.stdout, flags=re.M):
        m = re.search(r"^kind: (\w+)$", doc, re.M)
        if m:
            docs[m.group(1)] = doc
    return docs


def config_file(configmap):
    """The config.yaml block of the rendered ConfigMap, unindented."""
    lines = configmap.split("config.yaml: |\n", 1)[1].splitlines()
    body = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        body.append(line[4:])
    return "\n".join(body).strip() + "\n"


def check_config(binary, name, text, failures):
    """Runs --check-config on a rendered config file as the pod would: in-cluster, with a
    service account folder holding a token and a CA certificate."""
    with tempfile.TemporaryDirectory() as tmp:
        sa = os.path.join(tmp, "serviceaccount")
        os.mkdir(sa)
        for file, content in (("token", "test-token\n"), ("namespace", "monitoring\n")):
            with open(os.path.join(sa, file), "w") as f:
                f.write(content)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=kubernetes", "-keyout", os.path.join(tmp, "ca.key"),
                        "-out", os.path.join(sa, "ca.crt")], check=True, capture_output=True)
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            f.write(text)
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env.update(KUBERNETES_SERVICE_HOST="10.96.0.1", KUBERNETES_SERVICE_PORT="443")
        result = subprocess.run([binary, f"--config={path}", "--check-config",
                                 f"--service-account-dir={sa}"],
                                capture_output=True, text=True, timeout=30, env=env)
    if result.returncode != 0:
        failures.append(f"{name}: --check-config rejects the chart's config file "
                        f"({result.returncode}): {result.stdout}{result.stderr}\n{text}")
    else:
        print(f"{name}: the exporter accepts the rendered config file")


def check_common(name, docs, expected_kinds, failures):
    kinds = set(docs)
    if kinds != expected_kinds:
        failures.append(f"{name}: kinds {sorted(kinds)}, expected {sorted(expected_kinds)}")
    for kind, doc in docs.items():
        for label in LABELS:
            if f"    {label}: " not in doc:
                failures.append(f"{name}: {kind} lacks the label {label}")
    deployment = docs.get("Deployment", "")
    for pattern in RESTRICTED:
        if not re.search(pattern, deployment):
            failures.append(f"{name}: Deployment lacks {pattern!r}")
    role = docs.get("ClusterRole", "")
    rules = re.findall(r"^  - apiGroups: (.*)\n    resources: (.*)\n    verbs: (.*)$", role, re.M)
    if rules != [('[""]', '["nodes", "pods"]', '["get", "list", "watch"]')]:
        failures.append(f"{name}: ClusterRole rules are {rules}, expected read-only nodes/pods")
    if re.search(r"/|create|update|patch|delete|\*", role.split("\nrules:\n", 1)[-1]):
        failures.append(f"{name}: ClusterRole grants more than get/list/watch")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    helm = helm_bin()
    failures = []

    defaults = render(helm, "kube-commitment-exporter")
    check_common("defaults", defaults, BASE, failures)
    if "containerPort: 10490" not in defaults.get("Deployment", ""):
        failures.append("defaults: the container port is not 10490")
    service = defaults.get("Service", "")
    if not re.search(r"- name: metrics\n\s+port: 10490\n\s+targetPort: metrics", service):
        failures.append("defaults: Service has no named metrics port 10490")
    config = config_file(defaults["ConfigMap"])
    if 'listen_address: ":10490"' not in config or 'metrics_path: "/metrics"' not in config:
        failures.append(f"defaults: config file lacks listen_address/metrics_path:\n{config}")

    selector = "release=kube-prometheus-stack"
    full = render(helm, "kce", "serviceMonitor.enabled=true", "prometheusRule.enabled=true",
                  "networkPolicy.enabled=true", "networkPolicy.apiServer.cidrs={192.0.2.10/32}",
                  f"serviceMonitor.additionalLabels.{selector}",
                  f"prometheusRule.additionalLabels.{selector}", "containerPort=9100",
                  "config.tolerated_taints={nvidia.com/gpu}", "config.page_size=250")
    check_common("all parts", full, BASE | OPTIONAL, failures)
    monitor = full.get("ServiceMonitor", "")
    for pattern in (r"honorLabels: true", r"release: kube-prometheus-stack", r"port: metrics",
                    r"path: /metrics"):
        if not re.search(pattern, monitor):
            failures.append(f"all parts: ServiceMonitor lacks {pattern!r}")
    rule = full.get("PrometheusRule", "")
    if "release: kube-prometheus-stack" not in rule:
        failures.append("all parts: PrometheusRule lacks its selector label")
    # The release is "kce", so the full name (and the ServiceMonitor's job) is kce-kube-...
    if 'up{job="kce-kube-commitment-exporter"}' not in rule:
        failures.append("all parts: the ExporterDown alert does not follow the release's job name")
    if "{{ $value" not in rule or "{{`" in rule:
        failures.append("all parts: Prometheus template expressions were not passed through")
    policy = full.get("NetworkPolicy", "")
    for pattern in (r"- Ingress", r"- Egress", r"cidr: 192.0.2.10/32", r"port: metrics"):
        if not re.search(pattern, policy):
            failures.append(f"all parts: NetworkPolicy lacks {pattern!r}")
    full_config = config_file(full["ConfigMap"])
    for expected in ('listen_address: ":9100"', "page_size: 250", "- nvidia.com/gpu"):
        if expected not in full_config:
            failures.append(f"all parts: config file lacks {expected!r}:\n{full_config}")
    if "containerPort: 9100" not in full.get("Deployment", ""):
        failures.append("all parts: containerPort does not follow the value")

    with open(os.path.join(CHART, "Chart.yaml")) as f:
        app_version = re.search(r'^appVersion: "?([^"\n]+)"?$', f.read(), re.M).group(1)
    with open(os.path.join(REPO, "CMakeLists.txt")) as f:
        project = re.search(r"project\([^)]*VERSION (\S+)", f.read()).group(1)
    if app_version != project:
        failures.append(f"Chart appVersion {app_version} differs from the CMake version {project}")

    if binary:
        for name, text in (("defaults", config), ("all parts", full_config)):
            check_config(binary, name, text, failures)
    for failure in failures:
        print("FAIL", failure)
    print(f"helm template: 2 configurations, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
