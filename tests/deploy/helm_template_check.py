#!/usr/bin/env python3
"""Renders the chart with `helm template` and checks what it produces, parsed as YAML.

Configurations: the defaults (no ServiceMonitor, PrometheusRule or NetworkPolicy) and every
optional part enabled with selector labels set and another port. Checked in each:
- the object kinds, the recommended app.kubernetes.io labels, Pod Security "restricted"
  settings, resources, RBAC limited to get/list/watch on nodes and pods;
- that the objects fit together: the --config path lies in a volume mounted from the rendered
  ConfigMap and names one of its keys; the Deployment's, the Service's and the NetworkPolicy's
  selectors match the pod template's labels; the ServiceMonitor selects the Service, in its
  namespace, by a port name the Service has, with honorLabels and the configured path; the
  Service's targetPort and the probes' ports are the container port `metrics` (by name or
  number); the listen address in the config file (or a flag overriding it) is that port;
- the alert job following the release name, Prometheus template expressions passed through;
- the chart's appVersion against CMake's project version, and the runbook links against the
  Dockerfile's source label.
Values the chart must refuse (a severity in alerts.additionalLabels, extraArgs overriding a
derived flag) must fail the render with a message naming the value. With the exporter binary
given, each rendered configuration file must pass `kube-commitment-exporter --check-config`.

Needs PyYAML (Debian: python3-yaml). Usage: helm_template_check.py [BINARY]
"""

import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    # A Python of its own (pyenv, a venv) may lack PyYAML where Debian's has python3-yaml,
    # which .ci/install-deps --test installs.
    if sys.executable != "/usr/bin/python3" and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("FAIL PyYAML is missing: .ci/install-deps --test installs python3-yaml")
    sys.exit(1)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHART = os.path.join(REPO, "deploy", "helm", "kube-commitment-exporter")
BASE = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Service",
        "Deployment"}
OPTIONAL = {"ServiceMonitor", "PrometheusRule", "NetworkPolicy"}
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
          "app.kubernetes.io/component", "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by", "helm.sh/chart")
NAMESPACE = "monitoring"


def helm_bin():
    if os.environ.get("HELM"):
        return os.environ["HELM"]
    return subprocess.run([os.path.join(REPO, "deploy", "install-helm.sh")], check=True,
                          capture_output=True, text=True).stdout.strip()


def helm_template(helm, release, sets):
    cmd = [helm, "template", release, CHART, "--namespace", NAMESPACE]
    for s in sets:
        cmd += ["--set", s]
    return subprocess.run(cmd, capture_output=True, text=True)


def render(helm, release, *sets):
    """Maps kind to the one rendered object of that kind."""
    result = helm_template(helm, release, sets)
    if result.returncode != 0:
        raise RuntimeError(f"helm template {release} {' '.join(sets)} failed: {result.stderr}")
    docs = {}
    for doc in yaml.safe_load_all(result.stdout):
        if not doc:
            continue
        if doc.get("kind") in docs:
            raise RuntimeError(f"two {doc['kind']} objects rendered")
        docs[doc.get("kind")] = doc
    return docs


def dig(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


def flag_values(args, flag):
    """Values a flag gets in an argument list, as `--flag=v` or `--flag v`, in order."""
    values = []
    for i, arg in enumerate(args):
        if arg.startswith(flag + "="):
            values.append(arg.split("=", 1)[1])
        elif arg == flag and i + 1 < len(args):
            values.append(args[i + 1])
    return values


def exporter_container(deployment, failures, name):
    containers = dig(deployment, "spec", "template", "spec", "containers", default=[])
    if len(containers) != 1:
        failures.append(f"{name}: the Deployment has {len(containers)} containers, expected 1")
    return containers[0] if containers else {}


def metrics_port(container, failures, name):
    """The containerPort named `metrics`."""
    ports = [p for p in container.get("ports", []) if p.get("name") == "metrics"]
    if len(ports) != 1:
        failures.append(f"{name}: the container has no single port named metrics: "
                        f"{container.get('ports')}")
        return None
    return ports[0].get("containerPort")


def config_file(docs, failures, name):
    """(path in the container, text) of the --config file, checked to be a ConfigMap key
    mounted from the rendered ConfigMap."""
    deployment = docs.get("Deployment", {})
    container = exporter_container(deployment, failures, name)
    configs = flag_values(container.get("args", []), "--config")
    if not configs:
        failures.append(f"{name}: the exporter gets no --config")
        return None, ""
    path = configs[-1]
    configmap = docs.get("ConfigMap", {})
    cm_name = dig(configmap, "metadata", "name")
    volumes = {v.get("name"): v for v in dig(deployment, "spec", "template", "spec", "volumes",
                                             default=[]) or []}
    for mount in container.get("volumeMounts", []) or []:
        mount_path = mount.get("mountPath", "").rstrip("/")
        sub_path = mount.get("subPath")
        volume = volumes.get(mount.get("name"), {})
        source = volume.get("configMap")
        if not source or source.get("name") != cm_name:
            continue
        if sub_path:
            if path != mount_path:
                continue
            relative = sub_path
        elif path.startswith(mount_path + "/"):
            relative = path[len(mount_path) + 1:]
        else:
            continue
        items = {i.get("path"): i.get("key") for i in source.get("items", []) or []}
        key = items.get(relative) if items else relative
        text = dig(configmap, "data", key) if key else None
        if text is None:
            failures.append(f"{name}: --config={path} is {relative} in the mount of ConfigMap "
                            f"{cm_name}, which has no such key (keys: "
                            f"{sorted(configmap.get('data', {}))})")
            return path, ""
        print(f"{name}: --config={path} is key {key} of the mounted ConfigMap {cm_name}")
        return path, text
    failures.append(f"{name}: --config={path} lies in no volume mounted from the ConfigMap "
                    f"{cm_name}: the exporter would find no file")
    return path, ""


def subset(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_wiring(name, docs, failures):
    """The objects point at each other: selectors, ports, probes, config file."""
    deployment = docs.get("Deployment", {})
    pod_labels = dig(deployment, "spec", "template", "metadata", "labels", default={}) or {}
    container = exporter_container(deployment, failures, name)
    port = metrics_port(container, failures, name)
    port_ok = ("metrics", port)

    if not subset(dig(deployment, "spec", "selector", "matchLabels"), pod_labels):
        failures.append(f"{name}: the Deployment's selector does not match its pod labels")

    service = docs.get("Service", {})
    if not subset(dig(service, "spec", "selector"), pod_labels):
        failures.append(f"{name}: the Service selector {dig(service, 'spec', 'selector')} "
                        f"matches no pod of the Deployment (pod labels {pod_labels})")
    service_ports = {p.get("name"): p for p in dig(service, "spec", "ports", default=[]) or []}
    if "metrics" not in service_ports:
        failures.append(f"{name}: the Service has no port named metrics")
    for port_name, p in service_ports.items():
        if p.get("targetPort") not in port_ok:
            failures.append(f"{name}: Service port {port_name} targets {p.get('targetPort')}, "
                            f"not the container port metrics ({port})")

    for probe in ("livenessProbe", "readinessProbe"):
        target = dig(container, probe, "httpGet", "port")
        if target not in port_ok:
            failures.append(f"{name}: the {probe} goes to port {target!r}, not the container "
                            f"port metrics ({port})")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        if dig(container, probe, "httpGet", "path") != path:
            failures.append(f"{name}: the {probe} does not ask {path}")

    _, text = config_file(docs, failures, name)
    config = {}
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        failures.append(f"{name}: the config file is not YAML: {e}")
    args = container.get("args", [])
    listen = (flag_values(args, "--listen-address") or [config.get("listen_address", ":10490")])[-1]
    m = re.fullmatch(r"(.*):(\d+)", str(listen))
    if not m or int(m.group(2)) != port:
        failures.append(f"{name}: the exporter listens on {listen!r}, but the container port "
                        f"metrics is {port}")
    metrics_path = (flag_values(args, "--metrics-path") or
                    [config.get("metrics_path", "/metrics")])[-1]

    monitor = docs.get("ServiceMonitor")
    if monitor:
        service_labels = dig(service, "metadata", "labels", default={}) or {}
        selector = dig(monitor, "spec", "selector", "matchLabels")
        if not subset(selector, service_labels):
            failures.append(f"{name}: the ServiceMonitor selector {selector} does not match the "
                            f"Service's labels {service_labels}")
        namespaces = dig(monitor, "spec", "namespaceSelector", "matchNames", default=[])
        if dig(service, "metadata", "namespace") not in namespaces:
            failures.append(f"{name}: the ServiceMonitor looks in {namespaces}, not in the "
                            "Service's namespace")
        endpoints = dig(monitor, "spec", "endpoints", default=[]) or []
        if not endpoints:
            failures.append(f"{name}: the ServiceMonitor has no endpoints")
        for endpoint in endpoints:
            if endpoint.get("port") not in service_ports:
                failures.append(f"{name}: the ServiceMonitor scrapes port "
                                f"{endpoint.get('port')!r}, which the Service does not name")
            if endpoint.get("path") != metrics_path:
                failures.append(f"{name}: the ServiceMonitor scrapes {endpoint.get('path')}, the "
                                f"exporter serves {metrics_path}")
            if endpoint.get("honorLabels") is not True:
                failures.append(f"{name}: the ServiceMonitor lacks honorLabels: true")

    policy = docs.get("NetworkPolicy")
    if policy:
        if not subset(dig(policy, "spec", "podSelector", "matchLabels"), pod_labels):
            failures.append(f"{name}: the NetworkPolicy selects no pod of the Deployment")
        ingress_ports = [p.get("port") for rule in dig(policy, "spec", "ingress", default=[])
                         for p in rule.get("ports", [])]
        if not ingress_ports or any(p not in port_ok for p in ingress_ports):
            failures.append(f"{name}: the NetworkPolicy admits ports {ingress_ports}, not the "
                            f"container port metrics ({port})")
    return text


def check_common(name, docs, expected_kinds, failures):
    kinds = set(docs)
    if kinds != expected_kinds:
        failures.append(f"{name}: kinds {sorted(kinds)}, expected {sorted(expected_kinds)}")
    for kind, doc in docs.items():
        labels = dig(doc, "metadata", "labels", default={}) or {}
        for label in LABELS:
            if label not in labels:
                failures.append(f"{name}: {kind} lacks the label {label}")
        if kind not in ("ClusterRole", "ClusterRoleBinding") and \
                dig(doc, "metadata", "namespace") != NAMESPACE:
            failures.append(f"{name}: {kind} is not in the release namespace")

    deployment = docs.get("Deployment", {})
    pod = dig(deployment, "spec", "template", "spec", default={}) or {}
    container = exporter_container(deployment, failures, name)
    expected = (
        ("replicas", dig(deployment, "spec", "replicas"), 1),
        ("runAsNonRoot", dig(pod, "securityContext", "runAsNonRoot"), True),
        ("runAsUser", dig(pod, "securityContext", "runAsUser"), 65532),
        ("seccompProfile", dig(pod, "securityContext", "seccompProfile", "type"),
         "RuntimeDefault"),
        ("allowPrivilegeEscalation", dig(container, "securityContext",
                                         "allowPrivilegeEscalation"), False),
        ("readOnlyRootFilesystem", dig(container, "securityContext", "readOnlyRootFilesystem"),
         True),
        ("capabilities.drop", dig(container, "securityContext", "capabilities", "drop"),
         ["ALL"]),
    )
    for what, got, want in expected:
        if got != want:
            failures.append(f"{name}: Deployment {what} is {got!r}, expected {want!r}")
    resources = container.get("resources", {})
    for path in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory")):
        if not dig(resources, *path):
            failures.append(f"{name}: the container has no resources.{'.'.join(path)}")

    rules = dig(docs.get("ClusterRole", {}), "rules", default=[])
    if rules != [{"apiGroups": [""], "resources": ["nodes", "pods"],
                  "verbs": ["get", "list", "watch"]}]:
        failures.append(f"{name}: ClusterRole rules are {rules}, expected get/list/watch on "
                        "nodes and pods")
    binding = docs.get("ClusterRoleBinding", {})
    account = dig(docs.get("ServiceAccount", {}), "metadata", "name")
    if dig(binding, "roleRef", "name") != dig(docs.get("ClusterRole", {}), "metadata", "name") or \
            dig(binding, "subjects", 0, "name") != account or \
            dig(pod, "serviceAccountName") != account:
        failures.append(f"{name}: the ClusterRoleBinding does not bind the ClusterRole to the "
                        "pod's ServiceAccount")


def check_refused(helm, failures):
    """Values the chart must refuse with a message, rather than render something broken."""
    for sets, message in (
            (["prometheusRule.enabled=true", "alerts.additionalLabels.severity=page"],
             "alerts.additionalLabels must not set severity"),
            (["extraArgs={--listen-address=:9999}"], "extraArgs must not set --listen-address"),
            (["extraArgs={--log-level=debug,--listen-address,:9999}"],
             "extraArgs must not set --listen-address"),
            (["extraArgs={--metrics-path=/m}"], "extraArgs must not set --metrics-path"),
            (["extraArgs={--config=/tmp/x.yaml}"], "extraArgs must not set --config")):
        result = helm_template(helm, "kube-commitment-exporter", sets)
        if result.returncode == 0 or message not in result.stderr:
            failures.append(f"--set {' '.join(sets)} should fail with {message!r}; exit "
                            f"{result.returncode}: {result.stderr.strip()[:300]}")
        else:
            print(f"refused: --set {' '.join(sets)}")


def check_config(binary, name, docs, text, failures):
    """Runs --check-config with the container's arguments and the rendered config file as the
    pod would: in-cluster, with a service account folder holding a token and a CA
    certificate."""
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
        args = [f"--config={path}" if a.startswith("--config=") else a
                for a in exporter_container(docs["Deployment"], [], name).get("args", [])]
        result = subprocess.run([binary] + args + ["--check-config",
                                                   f"--service-account-dir={sa}"],
                                capture_output=True, text=True, timeout=30, env=env)
    if result.returncode != 0:
        failures.append(f"{name}: --check-config rejects the chart's config file "
                        f"({result.returncode}): {result.stdout}{result.stderr}\n{text}")
    else:
        print(f"{name}: the exporter accepts the rendered config file")


def dockerfile_source():
    """The default of the Dockerfile's SOURCE build argument."""
    with open(os.path.join(REPO, "Dockerfile")) as f:
        m = re.search(r"^ARG SOURCE=(\S+)$", f.read(), re.M)
    return m.group(1) if m else None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    helm = helm_bin()
    failures = []

    defaults = render(helm, "kube-commitment-exporter")
    check_common("defaults", defaults, BASE, failures)
    config = check_wiring("defaults", defaults, failures)
    if metrics_port(exporter_container(defaults["Deployment"], failures, "defaults"),
                    failures, "defaults") != 10490:
        failures.append("defaults: the container port is not 10490")
    if dig(defaults, "Service", "spec", "ports", 0, "port") != 10490:
        failures.append("defaults: the Service port is not 10490")

    selector = "release=kube-prometheus-stack"
    full = render(helm, "kce", "serviceMonitor.enabled=true", "prometheusRule.enabled=true",
                  "networkPolicy.enabled=true", "networkPolicy.apiServer.cidrs={192.0.2.10/32}",
                  f"serviceMonitor.additionalLabels.{selector}",
                  f"prometheusRule.additionalLabels.{selector}", "containerPort=9100",
                  "config.tolerated_taints={nvidia.com/gpu}", "config.page_size=250",
                  "extraArgs={--log-level=debug}", "alerts.additionalLabels.team=platform")
    check_common("all parts", full, BASE | OPTIONAL, failures)
    full_config = check_wiring("all parts", full, failures)
    monitor_labels = dig(full, "ServiceMonitor", "metadata", "labels", default={})
    if monitor_labels.get("release") != "kube-prometheus-stack":
        failures.append("all parts: ServiceMonitor lacks its selector label")
    rule = full.get("PrometheusRule", {})
    if dig(rule, "metadata", "labels", "release") != "kube-prometheus-stack":
        failures.append("all parts: PrometheusRule lacks its selector label")
    alerts = [r for g in dig(rule, "spec", "groups", default=[]) for r in g.get("rules", [])]
    by_name = {a.get("alert"): a for a in alerts}
    down = by_name.get("KubeCommitmentExporterDown", {})
    # The release is "kce", so the full name (and the ServiceMonitor's job) is kce-kube-...
    if 'up{job="kce-kube-commitment-exporter"}' not in down.get("expr", ""):
        failures.append("all parts: the ExporterDown alert does not follow the release's job name")
    text = yaml.safe_dump(rule)
    if "{{ $value" not in text or "{{`" in text:
        failures.append("all parts: Prometheus template expressions were not passed through")
    for alert in alerts:
        labels = alert.get("labels", {})
        if labels.get("team") != "platform" or labels.get("severity") not in (
                "critical", "warning", "info"):
            failures.append(f"all parts: {alert.get('alert')} labels {labels}")
    egress = dig(full, "NetworkPolicy", "spec", "egress", 0, "to", 0, "ipBlock", "cidr")
    if egress != "192.0.2.10/32":
        failures.append(f"all parts: NetworkPolicy egress is {egress}, expected 192.0.2.10/32")
    parsed = yaml.safe_load(full_config) or {}
    if parsed.get("page_size") != 250 or parsed.get("tolerated_taints") != ["nvidia.com/gpu"]:
        failures.append(f"all parts: config file lacks the config values:\n{full_config}")
    check_refused(helm, failures)

    with open(os.path.join(CHART, "Chart.yaml")) as f:
        app_version = str(yaml.safe_load(f)["appVersion"])
    with open(os.path.join(REPO, "CMakeLists.txt")) as f:
        project = re.search(r"project\([^)]*VERSION (\S+)", f.read()).group(1)
    if app_version != project:
        failures.append(f"Chart appVersion {app_version} differs from the CMake version {project}")
    source = dockerfile_source()
    runbooks = {a.get("annotations", {}).get("runbook_url", "") for a in alerts}
    if not source or not all(u.startswith(source + "/") for u in runbooks):
        failures.append(f"the runbook links {sorted(runbooks)} do not lie under the Dockerfile's "
                        f"source label {source}")

    if binary:
        for name, docs, text in (("defaults", defaults, config),
                                 ("all parts", full, full_config)):
            check_config(binary, name, docs, text, failures)
    for failure in failures:
        print("FAIL", failure)
    print(f"helm template: 2 configurations, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
