#!/usr/bin/env bash
# Regenerates the plain manifests and the rules file from the chart into a temporary folder
# and fails when they differ from the committed deploy/kubernetes/ and deploy/prometheus/, or
# when deploy/kubernetes/ holds a file the generator does not write.
source "$(dirname "$0")/lib.sh"
HELM="$(helm_bin)"
export HELM

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$repo/deploy/generate-manifests.sh" "$out"

status=0
diff -ru "$repo/deploy/kubernetes" "$out/kubernetes" || status=1
diff -u "$repo/deploy/prometheus/rules.yaml" "$out/prometheus/rules.yaml" || status=1
if [[ $status -ne 0 ]]; then
  echo "FAIL: deploy/kubernetes/ or deploy/prometheus/rules.yaml drifted from the chart:" \
    "run deploy/generate-manifests.sh and commit the result (files the generator does not" \
    "write do not belong in deploy/kubernetes/: change the chart instead)" >&2
  exit 1
fi
echo "manifests: deploy/kubernetes/ and deploy/prometheus/rules.yaml match the chart"
