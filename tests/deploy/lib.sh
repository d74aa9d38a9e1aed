# Shared by the deploy checks (sourced, not run). Sets $repo and $chart and provides helm.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="$repo/deploy/helm/kube-commitment-exporter"

# Prints the helm binary: $HELM if set, else the cached build from deploy/install-helm.sh.
helm_bin() {
  if [[ -n "${HELM:-}" ]]; then
    echo "$HELM"
  else
    "$repo/deploy/install-helm.sh"
  fi
}

