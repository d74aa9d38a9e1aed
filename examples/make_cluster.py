#!/usr/bin/env python3
"""Writes examples/cluster.json (run from the repository root): a recorded cluster in the shape `kubectl get nodes,pods -A -o json`
prints, covering the node states and pod shapes the accounting doc describes.

Deterministic: run it again and the file does not change.
"""
import json
import sys
import uuid

NS_UUID = uuid.UUID("6f1c3f8e-0000-4000-8000-000000000000")
CREATED = "2026-11-20T08:00:00Z"


def uid(name):
    return str(uuid.uuid5(NS_UUID, name))


def condition(kind, status, reason, message, time=CREATED):
    return {"type": kind, "status": status, "lastHeartbeatTime": "2026-12-03T09:59:30Z",
            "lastTransitionTime": time, "reason": reason, "message": message}


def node(name, cpu, memory, alloc_cpu, alloc_memory, pods="110", ready="True", role="worker",
         taints=None, unschedulable=False, deleting=False, allocatable=True, extra_capacity=None,
         zone="zone-a"):
    labels = {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
        "topology.kubernetes.io/zone": zone,
    }
    if role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
    else:
        labels["node-role.kubernetes.io/worker"] = ""
    capacity = {"cpu": cpu, "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": memory, "pods": pods}
    capacity.update(extra_capacity or {})
    alloc = dict(capacity, cpu=alloc_cpu, memory=alloc_memory,
                 **{"ephemeral-storage": "94580335255"})
    ready_reason = {"True": ("KubeletReady", "kubelet is posting ready status"),
                    "False": ("KubeletNotReady", "container runtime network not ready"),
                    "Unknown": ("NodeStatusUnknown", "Kubelet stopped posting node status.")}
    metadata = {
        "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                        "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
        "creationTimestamp": CREATED, "labels": labels, "name": name,
        "resourceVersion": str(1000 + len(name)), "uid": uid("node/" + name),
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-03T09:58:00Z"
        metadata["finalizers"] = ["example.com/drain-protection"]
    spec = {"podCIDR": "10.244.%d.0/24" % (len(name) % 200),
            "providerID": "metal://" + name}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status = {
        "addresses": [{"address": "192.0.2.%d" % (10 + len(name)), "type": "InternalIP"},
                      {"address": name, "type": "Hostname"}],
        "capacity": capacity,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                      "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                      "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID",
                      "kubelet has sufficient PID available"),
            condition("Ready", ready, *ready_reason[ready]),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "images": [{"names": ["registry.k8s.io/kube-proxy:v1.36.3"], "sizeBytes": 30212345}],
        "nodeInfo": {"architecture": "amd64", "bootID": uid("boot/" + name),
                     "containerRuntimeVersion": "containerd://2.1.4",
                     "kernelVersion": "6.1.0-28-amd64", "kubeProxyVersion": "",
                     "kubeletVersion": "v1.36.3", "machineID": uid("machine/" + name).replace("-", ""),
                     "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
                     "systemUUID": uid("system/" + name)},
    }
    if allocatable:
        status["allocatable"] = alloc
    return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": spec,
            "status": status}


def res(requests=None, limits=None):
    out = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def container(name, image, requests=None, limits=None, restart_policy=None):
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
         "resources": res(requests, limits),
         "terminationMessagePath": "/dev/termination-log",
         "terminationMessagePolicy": "File",
         "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                           "name": "kube-api-access", "readOnly": True}]}
    if restart_policy:
        c["restartPolicy"] = restart_policy
    return c


def pod(ns, name, node_name, containers, init=None, phase="Running", owner=None, overhead=None,
        pod_resources=None, deleting=False, statuses=None, conditions=None, reason=None,
        runtime_class=None, priority_class=None):
    metadata = {
        "creationTimestamp": CREATED, "labels": {"app.kubernetes.io/name": name.rsplit("-", 2)[0]},
        "name": name, "namespace": ns, "resourceVersion": str(20000 + len(name) * 7),
        "uid": uid("pod/%s/%s" % (ns, name)),
        "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet",
                           "operation": "Update", "subresource": "status",
                           "time": CREATED,
                           "fieldsV1": {"f:status": {"f:conditions": {}, "f:phase": {}}}}],
    }
    if owner:
        kind, owner_name = owner
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name,
                                        "uid": uid("%s/%s" % (kind, owner_name)),
                                        "controller": True, "blockOwnerDeletion": True}]
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-03T09:59:00Z"
        metadata["deletionGracePeriodSeconds"] = 30
        metadata["finalizers"] = ["example.com/backup-before-delete"]
    spec = {"containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "securityContext": {}, "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready",
                             "operator": "Exists", "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]}
    if node_name:
        spec["nodeName"] = node_name
    if init:
        spec["initContainers"] = init
    if overhead:
        spec["overhead"] = overhead
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    if pod_resources:
        spec["resources"] = pod_resources
    if priority_class:
        spec["priorityClassName"] = priority_class
    cond = conditions if conditions is not None else [
        {"lastProbeTime": None, "lastTransitionTime": CREATED, "status": "True", "type": t}
        for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                  "PodScheduled")]
    status = {"phase": phase, "conditions": cond, "qosClass": "Burstable",
              "startTime": CREATED}
    if reason:
        status["reason"] = reason
    if node_name:
        status["hostIP"] = "192.0.2.10"
        status["podIP"] = "10.244.1.%d" % (len(name) % 250)
    status["containerStatuses"] = statuses if statuses is not None else [
        {"name": c["name"], "image": c["image"], "imageID": c["image"] + "@sha256:" + "ab" * 32,
         "containerID": "containerd://" + "cd" * 32, "ready": phase == "Running",
         "restartCount": 0, "started": phase == "Running",
         "state": {"running": {"startedAt": CREATED}} if phase == "Running" else
         {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": CREATED,
                         "finishedAt": CREATED}}}
        for c in containers]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec,
            "status": status}


def build():
    nodes = [
        node("cp-1", "4", "8141060Ki", "3920m", "7901216Ki", role="control-plane",
             taints=[{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]),
        node("worker-1", "8", "32859612Ki", "7910m", "32552412Ki"),
        node("worker-2", "8", "32859612Ki", "7910m", "32552412Ki", zone="zone-b",
             taints=[{"effect": "PreferNoSchedule", "key": "example.com/spot"}]),
        node("worker-3", "8", "32859612Ki", "7910m", "32552412Ki", zone="zone-b",
             unschedulable=True,
             taints=[{"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                      "timeAdded": "2026-12-03T08:00:00Z"}]),
        node("worker-4", "8", "32859612Ki", "7910m", "32552412Ki", ready="Unknown", zone="zone-c",
             taints=[{"effect": "NoSchedule", "key": "node.kubernetes.io/unreachable",
                      "timeAdded": "2026-12-03T09:00:00Z"},
                     {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable",
                      "timeAdded": "2026-12-03T09:00:05Z"}]),
        node("gpu-1", "32", "131890220Ki", "31750m", "130793516Ki", zone="zone-c",
             taints=[{"effect": "NoSchedule", "key": "nvidia.com/gpu", "value": "present"}],
             extra_capacity={"nvidia.com/gpu": "4"}),
        node("edge-1", "2", "4026532Ki", None, None, pods="32", allocatable=False,
             zone="zone-edge"),
        node("worker-5", "8", "32859612Ki", "7910m", "32552412Ki", deleting=True, zone="zone-a"),
    ]
    # edge-1 reports no allocatable at all: capacity counts, as the scheduler would use it.
    for n in nodes:
        if n["metadata"]["name"] == "edge-1":
            n["status"].pop("allocatable", None)

    pods = []
    img = "registry.example.com/%s:1.0"
    workers = ["worker-1", "worker-2", "worker-3", "worker-4", "gpu-1", "edge-1", "worker-5",
               "cp-1"]
    for n in workers:
        pods.append(pod("kube-system", "kube-proxy-" + n, n,
                        [container("kube-proxy", "registry.k8s.io/kube-proxy:v1.36.3")],
                        owner=("DaemonSet", "kube-proxy"), priority_class="system-node-critical"))
        pods.append(pod("monitoring", "node-exporter-" + n, n,
                        [container("node-exporter", "quay.io/prometheus/node-exporter:v1.9.1",
                                   {"cpu": "100m", "memory": "180Mi"},
                                   {"cpu": "250m", "memory": "180Mi"})],
                        owner=("DaemonSet", "node-exporter")))
    pods.append(pod("kube-system", "etcd-cp-1", "cp-1",
                    [container("etcd", "registry.k8s.io/etcd:3.6.5-0",
                               {"cpu": "100m", "memory": "100Mi"})],
                    owner=("Node", "cp-1")))
    pods.append(pod("kube-system", "kube-apiserver-cp-1", "cp-1",
                    [container("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.36.3",
                               {"cpu": "250m"})], owner=("Node", "cp-1")))
    for i, n in enumerate(["worker-1", "worker-2"]):
        pods.append(pod("kube-system", "coredns-7c65d6cfc9-%d" % i, n,
                        [container("coredns", "registry.k8s.io/coredns/coredns:v1.12.1",
                                   {"cpu": "100m", "memory": "70Mi"}, {"memory": "170Mi"})],
                        owner=("ReplicaSet", "coredns-7c65d6cfc9")))
    pods.append(pod("monitoring", "prometheus-k8s-0", "worker-1",
                    [container("prometheus", "quay.io/prometheus/prometheus:v3.5.0",
                               {"cpu": "1", "memory": "4Gi"}, {"memory": "6Gi"}),
                     container("config-reloader", "quay.io/prometheus-operator/reloader:v0.85.0",
                               {"cpu": "10m", "memory": "50Mi"}, {"cpu": "10m", "memory": "50Mi"})],
                    owner=("StatefulSet", "prometheus-k8s")))
    pods.append(pod("monitoring", "grafana-5d9c8c6b7f-x2k4p", "worker-2",
                    [container("grafana", "docker.io/grafana/grafana:12.1.0",
                               {"cpu": "250m", "memory": "0.2Gi"}, {"cpu": "1", "memory": "0.5Gi"})],
                    owner=("ReplicaSet", "grafana-5d9c8c6b7f")))
    # Web shop: a deployment spread over the workers, quantities written in several notations.
    for i, n in enumerate(["worker-1", "worker-2", "worker-3", "worker-1", "worker-2"]):
        pods.append(pod("shop", "storefront-6b8f9d7c5-%s" % "abcde"[i], n,
                        [container("web", img % "storefront", {"cpu": "500m", "memory": "129e6"},
                                   {"cpu": "1", "memory": "256Mi"}),
                         container("envoy", "docker.io/envoyproxy/envoy:v1.35.0",
                                   {"cpu": "0.1", "memory": "64Mi"}, {"memory": "128Mi"})],
                        owner=("ReplicaSet", "storefront-6b8f9d7c5")))
    pods.append(pod("shop", "postgres-0", "worker-1",
                    [container("postgres", "docker.io/library/postgres:17",
                               {"cpu": "2", "memory": "8Gi"}, {"cpu": "2", "memory": "8Gi"})],
                    owner=("StatefulSet", "postgres")))
    pods.append(pod("shop", "postgres-1", "worker-4",
                    [container("postgres", "docker.io/library/postgres:17",
                               {"cpu": "2", "memory": "8Gi"}, {"cpu": "2", "memory": "8Gi"})],
                    owner=("StatefulSet", "postgres"), phase="Unknown"))
    pods.append(pod("shop", "cart-74f9b8d6c4-q8w2e", "worker-2",
                    [container("cart", img % "cart")], owner=("ReplicaSet", "cart-74f9b8d6c4")))
    pods.append(pod("shop", "search-5f6d7c8b9-zz1", "worker-5",
                    [container("search", img % "search", {"cpu": "1500m", "memory": "1.5Gi"},
                               {"cpu": "3", "memory": "3Gi"})],
                    owner=("ReplicaSet", "search-5f6d7c8b9")))
    # Accounting doc §1.7 example A: sidecars and ordinary init containers interleaved.
    pods.append(pod("payments", "ledger-7d5c9b8f6-a1", "worker-1",
                    [container("c1", img % "ledger", {"cpu": "1"})],
                    init=[container("init-1", img % "migrate", {"cpu": "5"}),
                          container("sidecar-1", img % "proxy", {"cpu": "1"},
                                    restart_policy="Always"),
                          container("sidecar-2", img % "log-shipper", {"cpu": "2"},
                                    restart_policy="Always"),
                          container("init-2", img % "warmup", {"cpu": "5"}),
                          container("sidecar-3", img % "metrics", {"cpu": "3"},
                                    restart_policy="Always")],
                    owner=("ReplicaSet", "ledger-7d5c9b8f6")))
    # Example B: an init container bigger than the containers, run beside an earlier sidecar.
    pods.append(pod("payments", "fraud-check-84c6d5f7b-b2", "worker-2",
                    [container("scorer", img % "fraud", {"cpu": "100m", "memory": "100Mi"})],
                    init=[container("mesh-proxy", img % "proxy", {"cpu": "10m", "memory": "10Mi"},
                                    restart_policy="Always"),
                          container("load-model", img % "model-loader",
                                    {"cpu": "200m", "memory": "200Mi"})],
                    owner=("ReplicaSet", "fraud-check-84c6d5f7b")))
    # Example C: pod overhead from a RuntimeClass (kata): added to requests, and to limits only
    # where a limit exists.
    pods.append(pod("payments", "card-vault-0", "worker-1",
                    [container("vault", img % "vault", {"cpu": "1", "memory": "1Gi"},
                               {"cpu": "2"})],
                    overhead={"cpu": "250m", "memory": "120Mi"}, runtime_class="kata",
                    owner=("StatefulSet", "card-vault")))
    # Example D: pod-level requests replace the container sum for cpu only.
    pods.append(pod("analytics", "report-builder-0", "worker-2",
                    [container("builder", img % "reports", {"cpu": "300m", "memory": "768Mi"}),
                     container("uploader", img % "uploader", {"cpu": "200m", "memory": "256Mi"})],
                    pod_resources={"requests": {"cpu": "1"}},
                    owner=("StatefulSet", "report-builder")))
    # Example E: an in-place resize in progress; the larger of spec, actuated and allocated
    # counts per container.
    pods.append(pod("analytics", "stream-processor-0", "worker-1",
                    [container("processor", img % "stream", {"cpu": "30m", "memory": "20M"})],
                    statuses=[{"name": "processor", "image": img % "stream",
                               "imageID": img % "stream", "ready": True, "restartCount": 0,
                               "started": True, "state": {"running": {"startedAt": CREATED}},
                               "allocatedResources": {"cpu": "20m", "memory": "10M"},
                               "resources": {"requests": {"cpu": "10m", "memory": "30M"}}}],
                    owner=("StatefulSet", "stream-processor")))
    # The same resize marked Infeasible: the spec was never granted, so it does not count.
    infeasible = [{"lastProbeTime": None, "lastTransitionTime": CREATED, "status": "True",
                   "type": "PodResizePending", "reason": "Infeasible",
                   "message": "Node didn't have enough capacity: cpu"},
                  {"lastProbeTime": None, "lastTransitionTime": CREATED, "status": "True",
                   "type": "Ready"}]
    pods.append(pod("analytics", "stream-processor-1", "worker-2",
                    [container("processor", img % "stream", {"cpu": "30m", "memory": "20M"})],
                    statuses=[{"name": "processor", "image": img % "stream",
                               "imageID": img % "stream", "ready": True, "restartCount": 0,
                               "started": True, "state": {"running": {"startedAt": CREATED}},
                               "allocatedResources": {"cpu": "20m", "memory": "10M"},
                               "resources": {"requests": {"cpu": "10m", "memory": "30M"}}}],
                    conditions=infeasible, owner=("StatefulSet", "stream-processor")))
    # Batch: finished and evicted pods never count.
    pods.append(pod("batch", "nightly-export-29420160-7xk2m", "worker-1",
                    [container("export", img % "export", {"cpu": "4", "memory": "8Gi"})],
                    phase="Succeeded", owner=("Job", "nightly-export-29420160")))
    pods.append(pod("batch", "reindex-29420100-p9d3s", "worker-2",
                    [container("reindex", img % "reindex", {"cpu": "2", "memory": "2Gi"})],
                    phase="Failed", owner=("Job", "reindex-29420100")))
    pods.append(pod("batch", "thumbnailer-6c8d9f7b5-ev1ct", "worker-1",
                    [container("thumbs", img % "thumbs", {"cpu": "1", "memory": "1Gi"})],
                    phase="Failed", reason="Evicted",
                    owner=("ReplicaSet", "thumbnailer-6c8d9f7b5")))
    pods.append(pod("batch", "invoice-run-29420180-abcde", "worker-1",
                    [container("invoice", img % "invoice", {"cpu": "250000u", "memory": "512Mi"},
                               {"cpu": "500m", "memory": "512Mi"})],
                    owner=("Job", "invoice-run-29420180")))
    # Being deleted, held by a finalizer: still on its node until the object is gone.
    pods.append(pod("shop", "legacy-api-5b7c8d9e6-old", "worker-2",
                    [container("api", img % "legacy-api", {"cpu": "750m", "memory": "1Gi"},
                               {"cpu": "750m", "memory": "1Gi"})],
                    deleting=True, owner=("ReplicaSet", "legacy-api-5b7c8d9e6")))
    # Pending: no node fits; their requests are pending demand.
    unsched = [{"lastProbeTime": None, "lastTransitionTime": CREATED, "status": "False",
                "type": "PodScheduled", "reason": "Unschedulable",
                "message": "0/8 nodes are available: 2 Insufficient cpu."}]
    for i in range(3):
        pods.append(pod("ml", "trainer-%d" % i, None,
                        [container("trainer", img % "trainer", {"cpu": "6", "memory": "24Gi"},
                                   {"cpu": "6", "memory": "24Gi", "nvidia.com/gpu": "1"})],
                        phase="Pending", conditions=unsched, statuses=[],
                        owner=("Job", "trainer")))
    pods.append(pod("ml", "inference-0", "gpu-1",
                    [container("model", img % "inference",
                               {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "2"},
                               {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "2"})],
                    owner=("StatefulSet", "inference")))
    # Bound to a node that no longer exists.
    pods.append(pod("shop", "storefront-6b8f9d7c5-ghost", "worker-9",
                    [container("web", img % "storefront", {"cpu": "500m", "memory": "129e6"},
                               {"cpu": "1", "memory": "256Mi"})],
                    owner=("ReplicaSet", "storefront-6b8f9d7c5"), phase="Unknown"))
    # Edge: a small node without allocatable, running one app with a binary fraction.
    pods.append(pod("edge", "gateway-0", "edge-1",
                    [container("gateway", img % "gateway", {"cpu": "0.5", "memory": "1.1Ki"},
                               {"cpu": "1", "memory": "512Mi"})],
                    owner=("StatefulSet", "gateway")))
    return {"apiVersion": "v1", "items": nodes + pods, "kind": "List",
            "metadata": {"resourceVersion": ""}}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/cluster.json"
    with open(out, "w") as f:
        json.dump(build(), f, indent=4, sort_keys=False)
        f.write("\n")
