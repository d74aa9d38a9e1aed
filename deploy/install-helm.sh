#!/usr/bin/env bash
# Builds Helm v4 from the Go module proxy into a cache folder outside the repository and prints
# the path of the binary. A binary already built for the pinned version is reused.
#
#   deploy/install-helm.sh            # prints e.g. ~/.cache/kube-commitment-exporter/bin/helm
#   HELM_VERSION=v4.3.2 deploy/install-helm.sh
#
# Needs Go (1.26 or newer for Helm v4.3). Output other than the path goes to stderr.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v4.3.2}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/kube-commitment-exporter"
bin_dir="$cache_root/bin"
helm_bin="$bin_dir/helm"
stamp="$bin_dir/helm.version"

if [[ -x "$helm_bin" && -f "$stamp" && "$(cat "$stamp")" == "$HELM_VERSION" ]]; then
  echo "$helm_bin"
  exit 0
fi

# Helm is built from source with a Go new enough for it (.ci/find-go says why when there is none).
go_dir="$("$(dirname "$0")/../.ci/find-go")" || exit 1
PATH="$go_dir:$PATH"

mkdir -p "$bin_dir"
# Two checks starting at once must not build twice or see a half-written binary.
exec 9>"$bin_dir/.helm.lock"
flock 9
if [[ -x "$helm_bin" && -f "$stamp" && "$(cat "$stamp")" == "$HELM_VERSION" ]]; then
  echo "$helm_bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "install-helm: building helm.sh/helm/v4 $HELM_VERSION (a few minutes on 2 cores)" >&2
start=$SECONDS
# The version variables are what Helm's own Makefile stamps; without them `helm version`
# reports only the minor version.
GOBIN="$work" GOFLAGS="${GOFLAGS:-} -trimpath" CGO_ENABLED=0 \
  go install -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
mv -f "$work/helm" "$helm_bin"
echo "$HELM_VERSION" >"$stamp"
echo "install-helm: built $helm_bin in $((SECONDS - start)) s" >&2
echo "$helm_bin"
