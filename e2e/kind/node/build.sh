#!/usr/bin/env bash
# Builds (once; cached in the engine by a tag that hashes every input) the kind node image from Go-module
# builds, for machines where no registry serves kindest/node:
#   1. the binaries (e2e/env/tools/build.sh kind node; the control plane comes from the test environment),
#   2. the images kubeadm and kind start inside the node, each a Debian base plus one binary:
#      registry.k8s.io/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy}:$KUBERNETES_VERSION,
#      registry.k8s.io/etcd:<etcd>-0, registry.k8s.io/coredns/coredns, registry.k8s.io/pause, and the
#      local-path provisioner with its helper (kind's default StorageClass),
#   3. the node: kind's base image layout (Dockerfile beside this script), then the images above imported
#      into its containerd, committed as the image.
# Prints KIND_NODE_IMAGE=<tag> and ETCD_IMAGE_TAG=<tag> (kubeadm must be told which etcd tag it got).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."
source e2e/env/tools/versions.env
export DOCKER_BUILDKIT=0
cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
bin=$cache/bin nodebin=$cache/kind-node
log() { printf '[kind-node] %s\n' "$*" >&2; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
# Assigns the KEY=VALUE lines a command prints; unlike eval "$(cmd)", a failing command stops the script.
setvars() {
  local out
  out=$("$@") || return
  eval "$out"
}

k=$KUBERNETES_VERSION
etcd_tag=${ETCD_VERSION#v}-0
pause=registry.k8s.io/pause:$PAUSE_VERSION
provisioner=tracker.local/local-path-provisioner:$LOCAL_PATH_PROVISIONER_VERSION

setvars bash e2e/env/docker/base-images.sh
inputs=$( (cat e2e/env/tools/versions.env e2e/kind/node/*; docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE") | sha256sum | cut -c1-12)
node=tracker.local/kind-node:$k-$inputs
if have "$node"; then
  printf 'KIND_NODE_IMAGE=%s\nETCD_IMAGE_TAG=%s\n' "$node" "$etcd_tag"
  exit 0
fi

log "building the node's binaries (cached after the first run)"
bash e2e/env/tools/build.sh kubernetes etcd kind node >/dev/null
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

# image TAG BASE ENTRYPOINT USER FILE:PATH... -> a one-binary image on BASE
image() {
  local tag=$1 base=$2 entry=$3 user=$4 d
  shift 4
  have "$tag" && return
  d=$(mktemp -d -p "$ctx")
  {
    echo "FROM $base"
    for pair in "$@"; do
      cp "${pair%%:*}" "$d/$(basename "${pair#*:}")"
      echo "COPY $(basename "${pair#*:}") ${pair#*:}"
    done
    [ -z "$entry" ] || echo "ENTRYPOINT [\"$entry\"]"
    echo "USER $user"
  } >"$d/Dockerfile"
  docker build -q -t "$tag" "$d" >/dev/null
}

log "component images"
# kube-proxy programs nftables (kind's kubeProxyMode: nftables): its image needs the nft tool.
nft_base=tracker.local/debian-nftables:$DEBIAN_SUITE
have "$nft_base" || printf 'FROM %s\nRUN apt-get update -q && apt-get install -y -q --no-install-recommends nftables && rm -rf /var/lib/apt/lists/*\n' \
  "$DEBIAN_IMAGE" | docker build -q --network host -t "$nft_base" - >/dev/null
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  image "registry.k8s.io/$c:$k" "$DEBIAN_IMAGE" "" 0 "$bin/$c-$k:/usr/local/bin/$c"
done
image "registry.k8s.io/kube-proxy:$k" "$nft_base" "" 0 "$nodebin/kube-proxy-$k:/usr/local/bin/kube-proxy"
image "registry.k8s.io/etcd:$etcd_tag" "$DEBIAN_IMAGE" "" 0 "$bin/etcd-$ETCD_VERSION:/usr/local/bin/etcd"
image "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" "$DEBIAN_IMAGE" /coredns 65532 \
  "$nodebin/coredns-$COREDNS_VERSION:/coredns"
image "$pause" scratch /pause 65535 "$nodebin/pause-$PAUSE_VERSION:/pause"
image "$provisioner" "$DEBIAN_IMAGE" "" 0 \
  "$nodebin/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION:/usr/local/bin/local-path-provisioner"
helper=tracker.local/local-path-helper:$DEBIAN_SUITE
docker tag "$DEBIAN_IMAGE" "$helper"
components=("registry.k8s.io/kube-apiserver:$k" "registry.k8s.io/kube-controller-manager:$k"
  "registry.k8s.io/kube-scheduler:$k" "registry.k8s.io/kube-proxy:$k" "registry.k8s.io/etcd:$etcd_tag"
  "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" "$pause" "$provisioner" "$helper")

log "node base (kind $KIND_VERSION's layout)"
kindsrc=$(go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -nE 's/.*"Dir": "(.*)",/\1/p')
cp -r "$kindsrc/images/base/files" "$ctx/files" && chmod -R u+w "$ctx/files"
mkdir -p "$ctx/bin" "$ctx/kube" "$ctx/cni"
for b in containerd ctr containerd-shim-runc-v2; do cp "$nodebin/$b-$CONTAINERD_VERSION" "$ctx/bin/$b"; done
cp "$nodebin/crictl-$CRICTL_VERSION" "$ctx/bin/crictl"
cp "$nodebin/runc-$RUNC_VERSION" "$ctx/runc"
for b in kubelet kubeadm; do cp "$nodebin/$b-$k" "$ctx/kube/$b"; done
cp "$bin/kubectl-$k" "$ctx/kube/kubectl"
for b in bridge loopback host-local portmap; do cp "$nodebin/$b-$CNI_PLUGINS_VERSION" "$ctx/cni/$b"; done
cp e2e/kind/node/Dockerfile e2e/kind/node/tracker-entrypoint e2e/kind/node/10-bridge.conflist "$ctx/"
docker build -q --network host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" --build-arg PAUSE_IMAGE="$pause" \
  -t "$node-base" "$ctx" >/dev/null

log "importing ${#components[@]} images into the node's containerd"
# kind's default StorageClass (local-path), with the provisioner and helper images made above.
sed -n '/^const defaultStorageManifest = `/,/^`/p' "$kindsrc/pkg/build/nodeimage/const_storage.go" | sed '1d;$d' |
  sed -e "s#\` + storageProvisionerImage + \`#$provisioner#" -e "s#\` + storageHelperImage + \`#$helper#" \
    >"$ctx/default-storage.yaml"
[ "$(grep -c -e "$provisioner" -e "$helper" "$ctx/default-storage.yaml")" = 3 ] && ! grep -q '`' "$ctx/default-storage.yaml" ||
  { log "kind's storage manifest changed shape ($kindsrc/pkg/build/nodeimage/const_storage.go)"; exit 1; }
build=tracker-kind-node-build-$$
docker run -d --init --name "$build" --entrypoint sleep --security-opt seccomp=unconfined "$node-base" infinity >/dev/null
trap 'docker rm -f -v "$build" >/dev/null 2>&1; rm -rf "$ctx"' EXIT
docker exec "$build" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &
  for _ in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done
  cat /tmp/containerd.log; exit 1'
docker save "${components[@]}" |
  docker exec -i "$build" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
    --all-platforms --no-unpack --digests - >/dev/null
docker exec -i "$build" bash -c 'mkdir -p /kind/manifests && cat >/kind/manifests/default-storage.yaml' <"$ctx/default-storage.yaml"
docker exec "$build" bash -c "echo -n $k >/kind/version && pkill containerd; while pgrep -x containerd >/dev/null; do sleep 0.2; done; rm -f /tmp/containerd.log"
docker commit --change 'ENTRYPOINT ["/usr/local/bin/tracker-entrypoint", "/sbin/init"]' "$build" "$node" >/dev/null
docker rm -f -v "$build" >/dev/null
docker rmi "$node-base" >/dev/null # only the tag: its layers are the committed image's
# Node images of earlier inputs are never used again; each holds a gigabyte.
docker images --format '{{.Repository}}:{{.Tag}}' tracker.local/kind-node | grep -vxF "$node" | xargs -r docker rmi >/dev/null || true
log "built $node"
printf 'KIND_NODE_IMAGE=%s\nETCD_IMAGE_TAG=%s\n' "$node" "$etcd_tag"
