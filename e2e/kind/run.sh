#!/usr/bin/env bash
# The kind end-to-end suite (make e2e-kind; part of make test): a Docker engine (e2e/env/docker/engine.sh),
# the project's images built from the real Dockerfiles, a kind node image (kindest/node from a registry, or
# built here from Go modules: node/build.sh), a single-node cluster, the images loaded, then the assertions
# of kind.e2e.test.ts (Vitest project `kind`). ClickHouse and Keeper run their real images where a registry
# serves them and otherwise the named stand-in image (a test double); the output says which. Every host
# setting the cluster changes is restored, the cluster deleted (KEEP_KIND=1 keeps it) and the engine released.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source e2e/env/tools/versions.env
cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
export PATH=$PWD/node_modules/.bin:$PATH:$cache/bin
export DOCKER_BUILDKIT=0
start=$SECONDS
log() { printf '[kind] %s\n' "$*" >&2; }
took() { log "$(printf '%-34s %4d s' "$1" $((SECONDS - $2)))"; }
# Assigns the KEY=VALUE lines a command prints; unlike eval "$(cmd)", a failing command stops the script.
setvars() {
  local out
  out=$("$@") || return
  eval "$out"
}

holder=$$
# A kept cluster's kubeconfig and host record must outlive the run: not under make test's TMPDIR, which
# is removed when the run ends.
if [ "${KEEP_KIND:-0}" = 1 ]; then state=$(mktemp -d /tmp/tracker-kind.XXXXXX); else state=$(mktemp -d); fi
cluster=tracker-e2e-$$
kind=$cache/bin/kind-$KIND_VERSION
cleanup() {
  local rc=$?
  if [ -f "$state/created" ] && [ "${KEEP_KIND:-0}" != 1 ]; then
    "$kind" delete cluster --name "$cluster" >/dev/null 2>&1 || log "kind delete cluster $cluster failed"
  fi
  if [ "${KEEP_KIND:-0}" = 1 ] && [ -f "$state/created" ]; then
    log "kept: KUBECONFIG=$state/kubeconfig; afterwards: kind delete cluster --name $cluster," \
      "bash e2e/kind/host.sh restore $state/host, bash e2e/env/docker/engine.sh down $holder"
    return "$rc"
  fi
  bash e2e/kind/host.sh restore "$state/host" || true
  bash e2e/env/docker/engine.sh down "$holder" || true
  rm -rf "$state"
  return "$rc"
}
trap cleanup EXIT

setvars bash e2e/env/docker/engine.sh up "$holder"
export DOCKER_HOST

t=$SECONDS
bash e2e/env/tools/build.sh helm kubernetes kind >/dev/null
setvars bash e2e/env/docker/images.sh ingest operator
took "project images" "$t"

# ClickHouse and Keeper: the images a TrackerCluster uses by default, where a registry serves them.
defaults=$(node --input-type=module -e \
  "import { defaultImages as d } from './crds/spec.ts'; console.log(d.clickhouse + ' ' + d.keeper)")
read -r clickhouse_default keeper_default <<<"$defaults"
pulled() { docker image inspect "$1" >/dev/null 2>&1 || timeout 600 docker pull -q "$1" >/dev/null 2>&1; }
standin=
for c in clickhouse keeper; do
  var=${c}_default
  if pulled "${!var}"; then
    printf -v "${c}_image" '%s' "${!var}"
  else
    [ -n "$standin" ] || setvars bash e2e/env/docker/images.sh clickhouse-standin
    standin=$CLICKHOUSE_STANDIN_IMAGE
    printf -v "${c}_image" '%s' "$standin"
  fi
done
describe() { [ "$1" = "$standin" ] && echo "$1 (TEST DOUBLE stand-in: no registry serves $2)" || echo "$1 (real image)"; }
log "ClickHouse image: $(describe "$clickhouse_image" "$clickhouse_default")"
log "Keeper image:     $(describe "$keeper_image" "$keeper_default")"
# The stand-in server has no Keeper, so ON CLUSTER cannot run there: the schema goes on per replica.
schema_mode=cluster
[ "$clickhouse_image" != "$standin" ] || schema_mode=per-replica

t=$SECONDS
patches=()
if pulled "kindest/node:$KUBERNETES_VERSION"; then
  node_image=kindest/node:$KUBERNETES_VERSION
  networking=''
else
  setvars bash e2e/kind/node/build.sh
  node_image=$KIND_NODE_IMAGE
  # The node built here has a bridge CNI instead of kindnetd (whose pinned dependency the module proxy does
  # not serve), kube-proxy on nftables, and the etcd it was given.
  networking=$'networking:\n  disableDefaultCNI: true\n  kubeProxyMode: nftables\n'
  patches+=("kind: ClusterConfiguration"$'\n'"etcd: {local: {imageTag: \"$ETCD_IMAGE_TAG\"}}")
fi
# kubelet >= 1.35 refuses cgroup v1 hosts unless told otherwise.
[ -f /sys/fs/cgroup/cgroup.controllers ] || patches+=($'kind: KubeletConfiguration\nfailCgroupV1: false')
config=$state/cluster.yaml
{
  printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n%s' "$networking"
  [ ${#patches[@]} -eq 0 ] || echo 'kubeadmConfigPatches:'
  for p in "${patches[@]}"; do printf '  - |\n%s\n' "$(sed 's/^/    /' <<<"$p")"; done
} >"$config"
took "kind node image ($node_image)" "$t"

# Engines that cannot grant --privileged (see docker-shim/docker) get kind through the shim.
if ! docker run --rm --privileged --network none "$NODE_IMAGE" true >/dev/null 2>&1; then
  log "--privileged is refused by this engine: kind runs the node through e2e/kind/docker-shim"
  TRACKER_REAL_DOCKER=$(command -v docker)
  export TRACKER_REAL_DOCKER PATH=$PWD/e2e/kind/docker-shim:$PATH
fi

bash e2e/kind/host.sh save "$state/host"
t=$SECONDS
touch "$state/created"
"$kind" create cluster --name "$cluster" --image "$node_image" --config "$config" \
  --kubeconfig "$state/kubeconfig" --wait 180s
took "cluster ready" "$t"

t=$SECONDS
load=("$INGEST_IMAGE" "$OPERATOR_IMAGE")
[ -z "$standin" ] || load+=("$standin")
"$kind" load docker-image --name "$cluster" "${load[@]}" >/dev/null
took "images loaded into the node" "$t"

t=$SECONDS
KUBECONFIG=$state/kubeconfig TRACKER_E2E_OPERATOR_IMAGE=$OPERATOR_IMAGE TRACKER_E2E_INGEST_IMAGE=$INGEST_IMAGE \
  TRACKER_E2E_SCHEMA_MODE=$schema_mode \
  TRACKER_E2E_CLICKHOUSE_IMAGE=$([ "$clickhouse_image" = "$standin" ] && echo "$standin") \
  TRACKER_E2E_KEEPER_IMAGE=$([ "$keeper_image" = "$standin" ] && echo "$standin") \
  vitest run --project kind
took "end-to-end suite" "$t"
log "ClickHouse image used: $(describe "$clickhouse_image" "$clickhouse_default")"
log "Keeper image used:     $(describe "$keeper_image" "$keeper_default")"
took "e2e-kind total" "$start"
