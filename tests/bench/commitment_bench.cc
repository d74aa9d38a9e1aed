// Benchmark of one poll's pure work: decoding list pages as the API server sends them, folding
// them into a snapshot, and rendering /metrics. Prints figures; asserts no timing.
//
//   kce_bench [--pods N] [--nodes N] [--page-size N] [--check]
//
// Pages are generated one at a time outside the measured sections, with pods shaped like real
// ones (managedFields, labels, annotations, env, volumes, status), 4-8 KiB of JSON each.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kce/commitment.h"
#include "kce/exposition.h"
#include "kce/list_decoder.h"
#include "kce/metrics_state.h"

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double WallSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long PeakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string NodeName(int i) { return "node-" + std::to_string(i); }

std::string NodeJson(int i) {
  std::string name = NodeName(i);
  return R"J({"metadata":{"name":")J" + name + R"J(","uid":"1b4e28ba-2fa1-11d2-883f-)J" +
         std::to_string(100000000000 + i) +
         R"J(","resourceVersion":"123456","creationTimestamp":"2026-01-01T00:00:00Z","labels":{"kubernetes.io/hostname":")J" +
         name +
         R"J(","kubernetes.io/os":"linux","topology.kubernetes.io/zone":"zone-a","node.kubernetes.io/instance-type":"m5.2xlarge"},"annotations":{"node.alpha.kubernetes.io/ttl":"0"}},"spec":{"podCIDR":"10.0.0.0/24","providerID":"aws:///zone-a/i-0123456789"},"status":{"capacity":{"cpu":"8","ephemeral-storage":"102626232Ki","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"32859612Ki","pods":"110"},"allocatable":{"cpu":"7910m","ephemeral-storage":"94580335255","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"32552412Ki","pods":"110"},"conditions":[{"type":"MemoryPressure","status":"False","lastHeartbeatTime":"2026-12-03T10:00:00Z","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"KubeletHasSufficientMemory","message":"kubelet has sufficient memory available"},{"type":"Ready","status":"True","lastHeartbeatTime":"2026-12-03T10:00:00Z","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"KubeletReady","message":"kubelet is posting ready status"}],"nodeInfo":{"kubeletVersion":"v1.36.3","osImage":"Debian GNU/Linux 12 (bookworm)"}}})J";
}

// A pod of 4-8 KiB: `padding` extra env entries vary its size.
std::string PodJson(int i, int nodes) {
  const std::string name = "app-" + std::to_string(i / 7) + "-pod-" + std::to_string(i);
  const std::string ns = "team-" + std::to_string(i % 40);
  std::string env;
  const int padding = 5 + (i % 5) * 9;
  for (int e = 0; e < padding; ++e) {
    env += std::string(e ? "," : "") + R"J({"name":"SETTING_)J" + std::to_string(e) +
           R"J(","value":"some-configuration-value-for-the-application-)J" + std::to_string(e) +
           "\"}";
  }
  const char* cpu = (i % 3 == 0) ? "250m" : (i % 3 == 1) ? "0.5" : "1";
  return R"J({"metadata":{"name":")J" + name + R"J(","generateName":"app-","namespace":")J" + ns + R"J(","uid":"9f8e7d6c-5b4a-3928-1706-)J" + std::to_string(200000000000 + i) + R"J(","resourceVersion":"987654","creationTimestamp":"2026-11-30T12:00:00Z","labels":{"app.kubernetes.io/name":"app","app.kubernetes.io/instance":"prod","pod-template-hash":"5d9c8c6b7f","team":"payments"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-30T12:00:00Z","prometheus.io/scrape":"true","prometheus.io/port":"8080"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"app-5d9c8c6b7f","uid":"0a1b2c3d-0000-0000-0000-000000000001","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-11-30T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"0a1b2c3d\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:env":{},"f:image":{},"f:name":{},"f:resources":{".":{},"f:limits":{".":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}}}}}}},{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-30T12:00:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}},"subresource":"status"}]},"spec":{"volumes":[{"name":"config","configMap":{"name":"app-config","defaultMode":420}},{"name":"kube-api-access-abcde","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],"containers":[{"name":"app","image":"registry.example.com/app:1.2.3","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[)J" +
         env + R"J(],"resources":{"limits":{"memory":"512Mi"},"requests":{"cpu":")J" + cpu +
         R"J(","memory":"256Mi"}},"volumeMounts":[{"name":"config","mountPath":"/etc/app"},{"name":"kube-api-access-abcde","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"},{"name":"sidecar","image":"registry.example.com/proxy:2.0","resources":{"limits":{"cpu":"100m","memory":"64Mi"},"requests":{"cpu":"100m","memory":"64Mi"}}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"app","nodeName":")J" +
         NodeName(i % nodes) +
         R"J(","securityContext":{"runAsNonRoot":true},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-30T12:00:03Z"},{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-30T12:00:01Z"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-30T12:00:05Z"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-30T12:00:00Z"}],"hostIP":"10.0.1.2","podIP":"10.244.1.3","startTime":"2026-11-30T12:00:00Z","containerStatuses":[{"name":"app","state":{"running":{"startedAt":"2026-11-30T12:00:04Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"registry.example.com/app:1.2.3","imageID":"registry.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","containerID":"containerd://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","started":true,"allocatedResources":{"cpu":")J" + cpu +
         R"J(","memory":"256Mi"},"resources":{"limits":{"memory":"512Mi"},"requests":{"cpu":")J" +
         cpu +
         R"J(","memory":"256Mi"}}},{"name":"sidecar","state":{"running":{"startedAt":"2026-11-30T12:00:04Z"}},"ready":true,"restartCount":0,"image":"registry.example.com/proxy:2.0","imageID":"registry.example.com/proxy@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210","started":true}],"qosClass":"Burstable"}})J";
}

std::string MakePage(const char* kind, int first, int count, bool last,
                     std::string (*item)(int, int), int nodes) {
  std::string page = std::string(R"J({"kind":")J") + kind +
                     R"J(","apiVersion":"v1","metadata":{"resourceVersion":"987654")J";
  if (!last) page += R"J(,"continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTg3NjU0fQ")J";
  page += R"J(},"items":[)J";
  for (int i = first; i < first + count; ++i) {
    if (i != first) page += ',';
    page += item(i, nodes);
  }
  return page + "]}";
}

std::string NodeItem(int i, int) { return NodeJson(i); }

std::size_t min_pod_bytes = SIZE_MAX;
std::size_t max_pod_bytes = 0;

std::string MeasuredPod(int i, int nodes) {
  std::string pod = PodJson(i, nodes);
  min_pod_bytes = std::min(min_pod_bytes, pod.size());
  max_pod_bytes = std::max(max_pod_bytes, pod.size());
  return pod;
}

}  // namespace

int main(int argc, char** argv) {
  int pods = 150000;
  int nodes = 5000;
  int page_size = 500;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--pods") && i + 1 < argc)
      pods = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc)
      nodes = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--page-size") && i + 1 < argc)
      page_size = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--check"))
      check = true;
    else {
      std::fprintf(stderr, "usage: kce_bench [--pods N] [--nodes N] [--page-size N] [--check]\n");
      return 2;
    }
  }

  kce::ListDecoder decoder;
  kce::CommitmentBuilder builder({});
  double cpu = 0;
  std::size_t json_bytes = 0;
  std::string error;

  for (int first = 0; first < nodes; first += page_size) {
    const int count = std::min(page_size, nodes - first);
    std::string page = MakePage("NodeList", first, count, first + count >= nodes, NodeItem, nodes);
    json_bytes += page.size();
    const double start = ThreadCpuSeconds();
    kce::NodePage decoded;
    if (!decoder.DecodeNodeList(page, &decoded, &error)) {
      std::fprintf(stderr, "node page at %d: %s\n", first, error.c_str());
      return 1;
    }
    for (const auto& node : decoded.items) builder.AddNode(node);
    cpu += ThreadCpuSeconds() - start;
  }
  for (int first = 0; first < pods; first += page_size) {
    const int count = std::min(page_size, pods - first);
    std::string page = MakePage("PodList", first, count, first + count >= pods, MeasuredPod, nodes);
    json_bytes += page.size();
    const double start = ThreadCpuSeconds();
    kce::PodPage decoded;
    if (!decoder.DecodePodList(page, &decoded, &error)) {
      std::fprintf(stderr, "pod page at %d: %s\n", first, error.c_str());
      return 1;
    }
    for (const auto& pod : decoded.items) builder.AddPod(pod);
    for (const auto& issue : decoded.issues) builder.AddIssue(issue);
    cpu += ThreadCpuSeconds() - start;
  }
  double start = ThreadCpuSeconds();
  const kce::CommitmentSnapshot snapshot = builder.Build();
  const double build_cpu = ThreadCpuSeconds() - start;

  start = ThreadCpuSeconds();
  kce::MetricsState metrics(std::chrono::seconds(30));
  metrics.PublishSuccess(snapshot, std::chrono::seconds(1), std::chrono::system_clock::now());
  const double publish_cpu = ThreadCpuSeconds() - start;

  // A scrape: what the /metrics handler does per request.
  const int scrapes = 20;
  std::size_t text_bytes = 0;
  start = WallSeconds();
  for (int i = 0; i < scrapes; ++i) text_bytes = metrics.Render().size();
  const double scrape = (WallSeconds() - start) / scrapes;

  std::printf("pods=%d nodes=%d page_size=%d json_mib=%.1f pod_bytes_min=%zu max=%zu\n", pods,
              nodes, page_size, json_bytes / 1048576.0, min_pod_bytes, max_pod_bytes);
  std::printf("decode_and_account_cpu_seconds=%.3f build_snapshot_cpu_seconds=%.3f\n", cpu,
              build_cpu);
  std::printf("publish_render_cpu_seconds=%.3f scrape_render_seconds=%.4f exposition_bytes=%zu\n",
              publish_cpu, scrape, text_bytes);
  std::printf("peak_rss_mib=%.1f\n", PeakRssKiB() / 1024.0);

  if (check) {
    // Every pod counts once: cpu pattern 250m, 500m, 1 plus a 100m sidecar each.
    std::int64_t expected = 0;
    for (int i = 0; i < pods; ++i) expected += (i % 3 == 0 ? 250 : i % 3 == 1 ? 500 : 1000) + 100;
    const auto got = snapshot.cluster.committed.cpu_requests_milli;
    if (got != expected || snapshot.nodes.size() != static_cast<std::size_t>(nodes) ||
        !snapshot.skipped.empty()) {
      std::fprintf(stderr, "check failed: cpu requests %lld, expected %lld; nodes %zu\n",
                   static_cast<long long>(got), static_cast<long long>(expected),
                   snapshot.nodes.size());
      return 1;
    }
    std::printf("check ok: cluster cpu requests %lld milli\n", static_cast<long long>(got));
  }
  return 0;
}
