#!/usr/bin/env bash
# Builds the real control-plane and messaging binaries used by the tests from their Go modules.
# Idempotent: a binary whose <name>-<version> is already cached is not rebuilt.
# Usage: build.sh [name ...]   (default: the test control plane). Prints the cache directory of the binaries
# on the last line. `build.sh kind node` builds kind and the components of the offline kind node image
# (e2e/kind/node/) into <cache>/kind-node, which is never on PATH (a kubelet or containerd there would shadow
# the host's).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
bin=$cache/bin
work=$cache/build
mkdir -p "$bin" "$work"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { printf '[tools] %s\n' "$*" >&2; }

# have NAME VERSION -> true when the cached binary exists
have() { [ -x "$bin/$1-$2" ]; }

# link NAME VERSION -> stable symlink bin/NAME pointing at the pinned build
link() { ln -sfn "$1-$2" "$bin/$1"; }

# newmod DIR MODULE -> fresh wrapper module (go get needs a main module)
newmod() {
  rm -rf "$1" && mkdir -p "$1"
  (cd "$1" && go mod init "$2" >/dev/null 2>&1)
}

# node binaries live apart from bin/ (see the header)
nodebin=$cache/kind-node
mkdir -p "$nodebin"

build_kubernetes() {
  # kubectl too: the tests and documented workflows pipe manifests into it; a machine without one uses this
  # build (the Makefile appends the cache's bin/ to PATH, so an installed kubectl still wins).
  local v=$KUBERNETES_VERSION all=(kube-apiserver kube-controller-manager kube-scheduler kubectl) names=() n
  for n in "${all[@]}"; do have "$n" "$v" || names+=("$n"); done
  if [ ${#names[@]} -gt 0 ]; then
    log "building ${names[*]} $v (the first build takes a while)"
    build_kubernetes_cmds "$v" "$work/kubernetes-$v" "$bin" "${names[@]}"
  fi
  for n in "${all[@]}"; do link "$n" "$v"; done
}

# build_kubernetes_cmds VERSION WORKDIR DEST NAME... -> builds k8s.io/kubernetes/cmd/NAME into DEST
build_kubernetes_cmds() {
  local v=$1 d=$2 dest=$3 staging minor=${1#v1.}
  shift 3
  local names=("$@") pkgs=() n
  for n in "${names[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$n"); done
  newmod "$d" tracker.local/kubernetes
  # k8s.io/kubernetes refers to its staging modules as v0.0.0 + replace ./staging/...; a consumer must
  # pin each to the published v0.<minor>.<patch> instead. The list comes from k8s' own go.mod.
  staging=$(curl -fsS "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/$v.mod" |
    sed -nE 's#^[[:space:]]*(k8s\.io/[a-z0-9-]+) => \./staging/.*#\1#p')
  [ -n "$staging" ] || { log "could not read the staging module list of k8s.io/kubernetes $v"; exit 1; }
  (
    cd "$d"
    local args=() m p
    for m in $staging; do args+=("-replace=$m=$m@v0.$minor"); done
    go mod edit "${args[@]}"
    # Each package needs the explicit version: a bare `go get pkg` would upgrade k8s.io/kubernetes to latest.
    for p in "${pkgs[@]}"; do args=("$p@$v"); go get "${args[@]}"; done
    local pkg=k8s.io/component-base/version major=${v#v}; major=${major%%.*}
    local ld="-s -w -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
    ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$v"
    mkdir -p out
    go build -trimpath -ldflags "$ld" -o out/ "${pkgs[@]}"
    for n in "${names[@]}"; do mv "out/$n" "$dest/$n-$v"; done
  )
}

build_etcd() {
  local v=$ETCD_VERSION
  if ! have etcd "$v"; then
    log "building etcd $v"
    local d=$work/etcd-$v
    newmod "$d" tracker.local/etcd
    # etcd's own main package lives in the root module; etcdmain.Main is the same entry point.
    cat >"$d/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
    (cd "$d" && go get "go.etcd.io/etcd/server/v3/etcdmain@$v" &&
      go build -trimpath -ldflags "-s -w" -o "$bin/etcd-$v" .)
  fi
  link etcd "$v"
}

# simple NAME VERSION MODULE PKG: a tool whose module builds without replace lines
simple() {
  local name=$1 v=$2 mod=$3 pkg=$4
  if ! have "$name" "$v"; then
    log "building $name $v"
    local d=$work/$name-$v
    newmod "$d" "tracker.local/$name"
    (cd "$d" && go get "$pkg@$v" && go build -trimpath -ldflags "-s -w" -o "$bin/$name-$v" "$pkg")
  fi
  link "$name" "$v"
}

build_helm() { simple helm "$HELM_VERSION" helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm; }
build_kwok() {
  simple kwok "$KWOK_VERSION" sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok
  # kwok needs Stage objects to act; its module ships the upstream "fast" stages. Collect them (not copied
  # into the repo) into one config file next to the binary: nodes become Ready and keep a lease heartbeat,
  # pods become Ready, complete or are deleted.
  local stages=$bin/kwok-$KWOK_VERSION-stages.yaml
  [ -s "$stages" ] && return
  local dir
  dir=$(cd "$work/kwok-$KWOK_VERSION" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  local f out=""
  for f in "$dir"/kustomize/stage/node/fast/*.yaml "$dir"/kustomize/stage/node/heartbeat-with-lease/*.yaml \
    "$dir"/kustomize/stage/pod/fast/*.yaml; do
    grep -q '^kind: Stage' "$f" || continue
    out+=$'---\n'"$(cat "$f")"$'\n'
  done
  printf '%s' "$out" >"$stages.tmp" && mv "$stages.tmp" "$stages"
}
# promtool checks the chart's alert rules and renders their annotations (monitoring/alerts.int.test.ts).
build_promtool() {
  simple promtool "$PROMETHEUS_VERSION" github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool
}
build_nats() { simple nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2 github.com/nats-io/nats-server/v2; }

# gomod DEST NAME VERSION PKG... : a tool whose module builds without replace lines, into DEST
# (CGO_ENABLED=0 and GOFLAGS -tags=... come from the caller's environment). Every PKG lands as its base name.
gomod() {
  local dest=$1 name=$2 v=$3
  shift 3
  local p missing=0
  for p in "$@"; do [ -x "$dest/$(basename "$p")-$v" ] || missing=1; done
  [ $missing = 1 ] || return 0
  log "building $name $v"
  local d=$work/$name-$v
  newmod "$d" "tracker.local/$name"
  (
    cd "$d"
    # Each package by itself: `go get MODULE@v` alone does not record the packages' own dependencies.
    for p in "$@"; do go get "$p@$v"; done
    mkdir -p out
    go build -trimpath -ldflags "-s -w ${LDFLAGS_EXTRA:-}" -o out/ "$@"
    for p in "$@"; do mv "out/$(basename "$p")" "$dest/$(basename "$p")-$v"; done
  )
}

build_kind() { simple kind "$KIND_VERSION" sigs.k8s.io/kind sigs.k8s.io/kind; }

# need_build_deps: what runc's cgo build needs (a C compiler, pkg-config, libseccomp's headers). A fresh
# Debian has libseccomp2 but not its -dev package, and without it the build fails deep inside `go build`;
# installed with apt-get when missing and we are root (as on CI), otherwise named.
need_build_deps() {
  local pkgs=()
  command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
  command -v pkg-config >/dev/null || pkgs+=(pkg-config)
  if ! command -v pkg-config >/dev/null || ! pkg-config --exists libseccomp; then pkgs+=(libseccomp-dev); fi
  [ ${#pkgs[@]} -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "runc's build needs ${pkgs[*]}: install them (Debian: sudo apt-get install -y ${pkgs[*]})"
    exit 1
  fi
  log "installing ${pkgs[*]} (runc's build needs them)"
  local apt_log=$work/apt-build-deps.log
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"; }; } \
    >"$apt_log" 2>&1 || { log "apt-get install ${pkgs[*]} failed ($apt_log)"; exit 1; }
}

# The offline kind node image's components (e2e/kind/node/build.sh assembles the image from them).
build_node() {
  [ -x "$nodebin/runc-$RUNC_VERSION" ] && [ -x "$nodebin/pause-$PAUSE_VERSION" ] || need_build_deps
  local cv=$CONTAINERD_VERSION cm=github.com/containerd/containerd/v2
  CGO_ENABLED=0 GOFLAGS="$GOFLAGS -tags=no_aufs,no_zfs,no_btrfs,no_devmapper" \
    LDFLAGS_EXTRA="-X $cm/version.Version=$cv" \
    gomod "$nodebin" containerd "$cv" "$cm/cmd/containerd" "$cm/cmd/ctr" "$cm/cmd/containerd-shim-runc-v2"
  # runc needs cgo for seccomp (libseccomp-dev at build time, libseccomp2 in the node image).
  CGO_ENABLED=1 GOFLAGS="$GOFLAGS -tags=seccomp" LDFLAGS_EXTRA="-X main.version=${RUNC_VERSION#v}" \
    gomod "$nodebin" runc "$RUNC_VERSION" github.com/opencontainers/runc
  CGO_ENABLED=0 gomod "$nodebin" crictl "$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl
  local pm=github.com/containernetworking/plugins/plugins
  CGO_ENABLED=0 gomod "$nodebin" cni-plugins "$CNI_PLUGINS_VERSION" \
    "$pm/main/bridge" "$pm/main/loopback" "$pm/ipam/host-local" "$pm/meta/portmap"
  CGO_ENABLED=0 gomod "$nodebin" coredns "$COREDNS_VERSION" github.com/coredns/coredns
  CGO_ENABLED=0 gomod "$nodebin" local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" \
    github.com/rancher/local-path-provisioner
  # Last: it shares most packages with the control plane, whose build may still be filling the Go cache.
  local v=$KUBERNETES_VERSION names=() n
  for n in kubelet kubeadm kube-proxy; do [ -x "$nodebin/$n-$v" ] || names+=("$n"); done
  if [ ${#names[@]} -gt 0 ]; then
    log "building ${names[*]} $v (kubelet takes the longest)"
    build_kubernetes_cmds "$v" "$work/kubernetes-node-$v" "$nodebin" "${names[@]}"
  fi
  build_pause
}

# pause: the sandbox container's process, a small C program in the kubernetes module; static, like upstream.
build_pause() {
  local out=$nodebin/pause-$PAUSE_VERSION
  [ -x "$out" ] && return
  local src
  src=$(cd "$work/kubernetes-node-$KUBERNETES_VERSION" 2>/dev/null && go list -m -f '{{.Dir}}' k8s.io/kubernetes) ||
    src=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -nE 's/.*"Dir": "(.*)",/\1/p')
  log "building pause $PAUSE_VERSION"
  gcc -Os -static -DVERSION="v$PAUSE_VERSION" -o "$out.tmp" "$src/build/pause/linux/pause.c" && strip "$out.tmp"
  mv "$out.tmp" "$out"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(etcd nats kubernetes helm kwok promtool)
for t in "${targets[@]}"; do "build_$t"; done
echo "$bin"
