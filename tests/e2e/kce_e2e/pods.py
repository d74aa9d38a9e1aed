"""Pod manifests for seeding: the worked examples of the accounting doc and random pods.

Memory quantities are whole bytes on purpose: `kubectl describe node` sums exact values while
the scheduler (and the exporter) round each pod up to a byte, so fractional bytes would make
the two differ for a reason that is not a bug.
"""

CPU = ["10m", "25m", "50m", "0.05", "100m", "0.1", "150m", "200m", "250m", "2.5e-1", "0.3",
       "500m", "1", "1500m"]
MEMORY = ["48Mi", "64Mi", "100M", "1e8", "128Mi", "134217728", "200Mi", "256Mi", "300M",
          "0.5Gi", "1Gi"]

SHAPES = [("simple", 30), ("requests_only", 15), ("limits_only", 8), ("mixed", 12),
          ("init", 8), ("sidecar", 8), ("overhead", 7), ("pod_level", 6),
          ("pod_level_cpu", 3), ("best_effort", 3)]
# LimitRanger defaults in "web" (limit 500m / 256Mi) would collide with larger requests.
WEB_SHAPES = [("simple_small", 5), ("best_effort", 3), ("limits_only", 2)]


def _container(name, requests=None, limits=None, sidecar=False, image="registry.local/app:1.0"):
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "resources": res,
         "env": [{"name": "LOG_LEVEL", "value": "info"}],
         "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]}
    if sidecar:
        c["restartPolicy"] = "Always"
    else:
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}
    return c


def _pod(ns, name, containers, init=None, labels=None, runtime_class=None, resources=None):
    spec = {"containers": containers, "terminationGracePeriodSeconds": 30,
            "automountServiceAccountToken": False,
            "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]}
    if init:
        # Probes are only allowed on containers that keep running.
        for c in init:
            if c.get("restartPolicy") != "Always":
                c.pop("readinessProbe", None)
        spec["initContainers"] = init
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    if resources:
        spec["resources"] = resources
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"app.kubernetes.io/name": name.rsplit("-", 1)[0],
                                    "e2e.kce.local/seed": "true", **(labels or {})},
                         "annotations": {"e2e.kce.local/owner": "kce-e2e"}},
            "spec": spec}


def showcase_pods(runtime_class):
    """The accounting doc's worked examples (section 1.7) and odd spellings, each with the node
    it goes to: yields (namespace, pod, node)."""
    cpu = lambda v: {"cpu": v}  # noqa: E731
    yield "team-a", _pod("team-a", "example-a", [_container("c1", cpu("1"))], init=[
        _container("init-1", cpu("5")), _container("sidecar-1", cpu("1"), sidecar=True),
        _container("sidecar-2", cpu("2"), sidecar=True), _container("init-2", cpu("5")),
        _container("sidecar-3", cpu("3"), sidecar=True)]), "node-03"
    yield "team-a", _pod("team-a", "example-b", [_container("c", cpu("100m"))], init=[
        _container("sidecar", cpu("10m"), sidecar=True), _container("init", cpu("200m"))]), \
        "node-03"
    yield "team-b", _pod("team-b", "example-c", [_container(
        "c", {"cpu": "1", "memory": "1Gi"}, {"cpu": "2"})], runtime_class=runtime_class), "node-04"
    yield "team-b", _pod("team-b", "example-d", [
        _container("c1", {"cpu": "250m", "memory": "512Mi"}),
        _container("c2", {"cpu": "250m", "memory": "512Mi"})],
        resources={"requests": {"cpu": "1"}}), "node-04"
    yield "ml", _pod("ml", "pod-level-limits", [
        _container("trainer", {"cpu": "1", "memory": "2Gi"}, {"cpu": "2", "memory": "4Gi"}),
        _container("logger", {"cpu": "100m", "memory": "64Mi"})],
        resources={"requests": {"cpu": "2", "memory": "3Gi"},
                   "limits": {"cpu": "3", "memory": "6Gi"}}), "node-05"
    # Stored rounded up to 2m; a JSON number is accepted as a quantity too.
    yield "batch", _pod("batch", "sub-milli-cpu", [
        _container("c", {"cpu": "1.5m", "memory": 67108864}, {"cpu": 1})]), "node-05"
    yield "monitoring", _pod("monitoring", "overhead-no-limits", [
        _container("c", {"cpu": "300m", "memory": "256Mi"})], runtime_class=runtime_class), \
        "node-11"


def _pick(rng, options):
    return options[rng.randrange(len(options))]


def _weighted(rng, shapes):
    total = sum(w for _, w in shapes)
    roll = rng.randrange(total)
    for name, weight in shapes:
        if roll < weight:
            return name
        roll -= weight
    raise AssertionError("unreachable")


def random_pod(rng, ns, name, runtime_class):
    """A pod of a random accounting shape with random quantities (no nodeName)."""
    shape = _weighted(rng, WEB_SHAPES if ns == "web" else SHAPES)
    req = lambda: {"cpu": _pick(rng, CPU), "memory": _pick(rng, MEMORY)}  # noqa: E731
    small = lambda: {"cpu": _pick(rng, CPU[:9]), "memory": _pick(rng, MEMORY[:6])}  # noqa: E731
    big_limits = {"cpu": "2", "memory": "2Gi"}
    labels = {"e2e.kce.local/shape": shape}
    if shape == "simple":
        return _pod(ns, name, [_container("app", req(), big_limits)], labels=labels)
    if shape == "simple_small":
        return _pod(ns, name, [_container("app", small(), {"cpu": "500m", "memory": "256Mi"})],
                    labels=labels)
    if shape == "requests_only":
        return _pod(ns, name, [_container("app", req())], labels=labels)
    if shape == "limits_only":
        return _pod(ns, name, [_container("app", None, small())], labels=labels)
    if shape == "mixed":
        return _pod(ns, name, [_container("app", req(), big_limits),
                               _container("helper", small())], labels=labels)
    if shape == "init":
        return _pod(ns, name, [_container("app", small(), big_limits)],
                    init=[_container("migrate", req(), big_limits)], labels=labels)
    if shape == "sidecar":
        return _pod(ns, name, [_container("app", req(), big_limits)], init=[
            _container("proxy", small(), {"memory": "512Mi"}, sidecar=True),
            _container("setup", req())], labels=labels)
    if shape == "overhead":
        limits = big_limits if rng.randrange(2) else None
        return _pod(ns, name, [_container("app", req(), limits)], labels=labels,
                    runtime_class=runtime_class)
    if shape == "pod_level":
        # Pod-level requests must cover the containers' aggregate, container limits must fit
        # under pod-level limits.
        return _pod(ns, name, [_container("app", small(), {"cpu": "1"}),
                               _container("helper", small())], labels=labels,
                    resources={"requests": {"cpu": "1500m", "memory": "1Gi"},
                               "limits": {"cpu": "3", "memory": "3Gi"}})
    if shape == "pod_level_cpu":
        return _pod(ns, name, [_container("app", small()), _container("helper", small())],
                    labels=labels, resources={"requests": {"cpu": "1"}})
    if shape == "best_effort":
        return _pod(ns, name, [_container("app")], labels=labels)
    raise AssertionError(f"unknown shape {shape}")


def terminal_status(phase):
    """A status patch that ends a pod in `phase` (Succeeded or Failed)."""
    reason = "Completed" if phase == "Succeeded" else "Error"
    return {"status": {"phase": phase, "reason": reason,
                       "conditions": [{"type": "Ready", "status": "False", "reason": reason}]}}
