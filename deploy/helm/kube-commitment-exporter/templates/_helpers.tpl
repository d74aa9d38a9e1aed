{{/*
Chart name, truncated to the 63 characters a label value allows.
*/}}
{{- define "kce.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name of every object: the release name, prefixed to the chart name unless it already
contains it.
*/}}
{{- define "kce.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Labels that select the exporter's pods; they never change over the life of a release.
*/}}
{{- define "kce.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kce.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
The recommended app.kubernetes.io labels, put on every object.
*/}}
{{- define "kce.labels" -}}
{{- $chart := printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" -}}
helm.sh/chart: {{ $chart | trunc 63 | trimSuffix "-" }}
{{ include "kce.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: kube-commitment-exporter
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kce.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kce.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The exporter's configuration file. listen_address and metrics_path follow the chart's port and
path so the probes, the Service and the ServiceMonitor always agree with the daemon.
*/}}
{{- define "kce.configFile" -}}
listen_address: {{ printf ":%d" (int .Values.containerPort) | quote }}
metrics_path: {{ .Values.metricsPath | quote }}
{{- $rest := omit .Values.config "listen_address" "metrics_path" }}
{{- if $rest }}
{{ toYaml $rest }}
{{- end }}
{{- end -}}

{{/*
The `job` label the alerts expect on the exporter's scrape target.
*/}}
{{- define "kce.alertJob" -}}
{{- default (include "kce.fullname" .) .Values.alerts.job -}}
{{- end -}}

{{/*
extraArgs, refused when they set what the chart derives elsewhere: the probes, the Service, the
ServiceMonitor and the NetworkPolicy follow containerPort and metricsPath, and --config names
the mounted ConfigMap. A flag would silently win over the file and break them.
*/}}
{{- define "kce.extraArgs" -}}
{{- $listen := "the probes, Service, ServiceMonitor and NetworkPolicy follow containerPort" -}}
{{- $derived := dict
      "--listen-address" (printf "%s; set containerPort instead" $listen)
      "--metrics-path" "the ServiceMonitor follows metricsPath; set metricsPath instead"
      "--config" "the chart points it at its ConfigMap; put settings under config instead" -}}
{{- range .Values.extraArgs }}
{{- $flag := regexReplaceAll "=.*$" (toString .) "" }}
{{- if hasKey $derived $flag }}
{{- fail (printf "extraArgs must not set %s: %s" $flag (get $derived $flag)) }}
{{- end }}
- {{ . | quote }}
{{- end }}
{{- end -}}
