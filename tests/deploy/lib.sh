# Shared by the deploy checks (sourced, not run). Sets $repo and $chart and provides helm.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="$repo/deploy/helm/kube-commitment-exporter"

# Prints the helm binary: $HELM if set, else the cached build from tools/install-helm.sh.
helm_bin() {
  if [[ -n "${HELM:-}" ]]; then
    echo "$HELM"
  else
    "$repo/tools/install-helm.sh"
  fi
}

# Fails the check when a tool is missing, naming the package that provides it.
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "FAIL: $1 not found (apt-get install $2)" >&2
    exit 1
  fi
}
