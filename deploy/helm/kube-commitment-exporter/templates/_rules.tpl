{{/*
The alerting rules, shared by the PrometheusRule and (rendered with the default values by
deploy/generate-manifests.sh) by the plain rules file deploy/prometheus/rules.yaml.
Prometheus' own template expressions are escaped with backquotes so Helm leaves them alone.
Every expression compares series of one scrape target, so it works unchanged on a Prometheus
that holds several clusters (their `cluster` label passes through).
*/}}
{{- define "kce.ruleGroups" -}}
{{- $job := include "kce.alertJob" . -}}
{{- $ratio := .Values.alerts.commitmentRatioThreshold -}}
{{- $factor := .Values.alerts.memoryLimitsOvercommitFactor -}}
{{- $runbook := .Values.alerts.runbookBaseURL -}}
{{- $extra := .Values.alerts.additionalLabels | default dict -}}
{{- if hasKey $extra "severity" -}}
{{- fail (cat "alerts.additionalLabels must not set severity: every alert carries its own"
             "(critical, warning or info), and a second severity key would make the rule"
             "invalid YAML. Route or relabel by severity in Alertmanager instead.") -}}
{{- end -}}
groups:
  - name: kube-commitment-capacity
    rules:
      - alert: KubeCommitmentCPURequestsOverCapacity
        expr: kube_commitment_cluster_cpu_commitment_ratio > {{ $ratio }}
        for: 10m
        labels:
          severity: critical
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: CPU requests exceed the usable CPU of the cluster.
          description: >-
            The CPU requests of scheduled and pending pods are
            {{`{{ $value | humanizePercentage }}`}} of the allocatable CPU of usable nodes
            (Ready, schedulable, not tainted away). Some pods cannot be placed, and losing a
            node leaves its pods nowhere to go.
          runbook_url: {{ $runbook }}#kubecommitmentcpurequestsovercapacity
      - alert: KubeCommitmentMemoryRequestsOverCapacity
        expr: kube_commitment_cluster_memory_commitment_ratio > {{ $ratio }}
        for: 10m
        labels:
          severity: critical
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: Memory requests exceed the usable memory of the cluster.
          description: >-
            The memory requests of scheduled and pending pods are
            {{`{{ $value | humanizePercentage }}`}} of the allocatable memory of usable nodes
            (Ready, schedulable, not tainted away). Some pods cannot be placed, and losing a
            node leaves its pods nowhere to go.
          runbook_url: {{ $runbook }}#kubecommitmentmemoryrequestsovercapacity
      - alert: KubeCommitmentCPUNodeLossNotTolerated
        expr: |-
          kube_commitment_cluster_cpu_requests_cores
            + kube_commitment_pending_cpu_requests_cores
          > kube_commitment_cluster_cpu_allocatable_cores
            - max without (node) (
              kube_commitment_node_cpu_allocatable_cores * kube_commitment_node_usable
            )
        for: 15m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: The cluster cannot absorb the loss of its largest usable node (CPU).
          description: >-
            {{`{{ printf "%.2f" $value }}`}} CPU cores are requested, more than the usable nodes
            would still offer without the largest of them. A drain, upgrade or failure of
            that node leaves pods pending.
          runbook_url: {{ $runbook }}#kubecommitmentcpunodelossnottolerated
      - alert: KubeCommitmentMemoryNodeLossNotTolerated
        expr: |-
          kube_commitment_cluster_memory_requests_bytes
            + kube_commitment_pending_memory_requests_bytes
          > kube_commitment_cluster_memory_allocatable_bytes
            - max without (node) (
              kube_commitment_node_memory_allocatable_bytes * kube_commitment_node_usable
            )
        for: 15m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: The cluster cannot absorb the loss of its largest usable node (memory).
          description: >-
            {{`{{ $value | humanize1024 }}`}}B of memory is requested, more than the usable
            nodes would still offer without the largest of them. A drain, upgrade or failure
            of that node leaves pods pending.
          runbook_url: {{ $runbook }}#kubecommitmentmemorynodelossnottolerated
      - alert: KubeCommitmentNodeMemoryLimitsOvercommitted
        expr: |-
          kube_commitment_node_memory_limits_bytes
            / kube_commitment_node_memory_allocatable_bytes
          > {{ $factor }}
        for: 15m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: Memory limits on node {{`{{ $labels.node }}`}} are overcommitted.
          description: >-
            The memory limits of the pods on node {{`{{ $labels.node }}`}} add up to
            {{`{{ $value | humanizePercentage }}`}} of its allocatable memory (threshold
            {{ mulf $factor 100 }}%). Nodes run without swap: if those pods use what their limits
            allow, the kernel's OOM killer chooses which containers die.
          runbook_url: {{ $runbook }}#kubecommitmentnodememorylimitsovercommitted
      - alert: KubeCommitmentPendingDemandUnmet
        expr: kube_commitment_pending_pods > 0
        for: 15m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: Pods have waited for a node for 15 minutes.
          description: >-
            Pods without a node: {{`{{ $value }}`}}. Pods have been pending without a break
            for 15 minutes; their requests are part of the commitment ratio.
          runbook_url: {{ $runbook }}#kubecommitmentpendingdemandunmet
      - alert: KubeCommitmentContainersWithoutLimits
        expr: kube_commitment_namespace_containers_without_limits > 0
        for: 1h
        labels:
          severity: info
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: >-
            Containers in namespace {{`{{ $labels.namespace }}`}} have no
            {{`{{ $labels.resource }}`}} limit.
          description: >-
            {{`{{ $value }}`}} containers in namespace {{`{{ $labels.namespace }}`}} run
            without a {{`{{ $labels.resource }}`}} limit, so their node's limits total
            understates what they may use.
          runbook_url: {{ $runbook }}#kubecommitmentcontainerswithoutlimits
  - name: kube-commitment-exporter
    rules:
      - alert: KubeCommitmentExporterDown
        expr: |-
          up{job="{{ $job }}"} == 0
          or absent(up{job="{{ $job }}"})
        for: 5m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: The kube-commitment-exporter cannot be scraped.
          description: >-
            Prometheus has not scraped the exporter (job {{ $job }}) for 5
            minutes; the commitment alerts are blind meanwhile.
          runbook_url: {{ $runbook }}#kubecommitmentexporterdown
      - alert: KubeCommitmentDataStale
        expr: |-
          time() - kube_commitment_last_poll_success_timestamp_seconds
            > 3 * kube_commitment_poll_interval_seconds
        for: 1m
        labels:
          severity: warning
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: The exporter's figures are stale.
          description: >-
            The exporter at {{`{{ $labels.instance }}`}} last polled the API server successfully
            {{`{{ $value | humanizeDuration }}`}} ago, more than three poll intervals; an age of
            decades means not once since it started. It keeps serving the last good figures
            meanwhile.
          runbook_url: {{ $runbook }}#kubecommitmentdatastale
{{- end -}}
