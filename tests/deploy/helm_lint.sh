#!/usr/bin/env bash
# helm lint --strict on the chart: with its defaults, and with every optional part enabled.
source "$(dirname "$0")/lib.sh"
helm="$(helm_bin)"

"$helm" lint --strict "$chart"
"$helm" lint --strict "$chart" \
  --set serviceMonitor.enabled=true,prometheusRule.enabled=true,networkPolicy.enabled=true \
  --set 'networkPolicy.apiServer.cidrs={192.0.2.10/32}' \
  --set serviceMonitor.additionalLabels.release=kube-prometheus-stack
echo "helm lint: 2 configurations passed"
