#!/usr/bin/env bash
# Builds the servers the end-to-end suite runs against -- kube-apiserver and kubectl
# (k8s.io/kubernetes) and etcd (go.etcd.io/etcd/server/v3) -- from the Go module proxy, using
# the wrapper modules in tests/e2e/tools/. The binaries go to a cache folder outside the
# repository, named by version, so a second run finds them and builds nothing.
#
#   tests/e2e/build-servers.sh          # prints "name=path" for each binary on stdout
#   KCE_E2E_BIN_DIR=/somewhere tests/e2e/build-servers.sh
#
# Progress and timings go to stderr. Needs Go 1.26 or newer and network access to the proxy.
set -euo pipefail

KUBERNETES_VERSION="v1.36.3"
ETCD_VERSION="v3.6.16"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${KCE_E2E_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-commitment-exporter/bin}"

log() { echo "build-servers: $*" >&2; }

# The servers are built from source with a Go new enough for them (.ci/find-go says why when
# there is none).
go_dir="$("$here/../../.ci/find-go")" || exit 1
PATH="$go_dir:$PATH"
mkdir -p "$bin_dir"

# Two suites starting at once must not build the same binary twice or run a half-written one.
exec 9>"$bin_dir/.e2e-servers.lock"
flock 9

# runs NAME PATH: whether PATH is a complete binary that starts.
runs() {
  [[ -x "$2" ]] || return 1
  if [[ "$1" == kubectl ]]; then
    "$2" version --client >/dev/null 2>&1
  else
    "$2" --version >/dev/null 2>&1
  fi
}

# build NAME VERSION WRAPPER_DIR PACKAGE [LDFLAGS]: builds PACKAGE into $bin_dir/NAME-VERSION
# unless that file exists and runs.
build() {
  local name="$1" version="$2" wrapper="$3" package="$4" ldflags="${5:-}"
  local out="$bin_dir/$name-$version"
  if runs "$name" "$out"; then
    log "$name $version: cached at $out"
    echo "$name=$out"
    return 0
  fi
  log "$name $version: building $package (cold: minutes on 2 cores)"
  local start=$SECONDS
  # The wrappers are complete (go.sum included); -mod=readonly makes a stale one fail loudly
  # instead of rewriting files in the repository.
  (cd "$here/tools/$wrapper" &&
    CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath -ldflags "$ldflags" \
      -o "$out.partial" "$package")
  mv -f "$out.partial" "$out"
  log "$name $version: built in $((SECONDS - start)) s"
  echo "$name=$out"
}

k8s_minor="${KUBERNETES_VERSION#v1.}"
k8s_minor="${k8s_minor%%.*}"
# Without these stamps /version and `kubectl version` report v0.0.0-master.
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
k8s_ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
k8s_ldflags+=" -X k8s.io/component-base/version.gitMinor=$k8s_minor"
k8s_ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

total_start=$SECONDS
build kube-apiserver "$KUBERNETES_VERSION" kube-apiserver \
  k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kubectl "$KUBERNETES_VERSION" kube-apiserver k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
build etcd "$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3 "-s -w"
log "all servers ready in $((SECONDS - total_start)) s"
