#!/usr/bin/env bash
# Builds the project's images from the real Dockerfiles with the plain legacy builder (no BuildKit), on the
# base image base-images.sh provides (from a registry, or made here). Layers are cached by the engine, so a
# rebuild after a source change only redoes the sources stage.
#   images.sh [ingest|ingest-embedded|operator|clickhouse-standin ...]   (default: all)
# Prints NODE_IMAGE=<base> and one <NAME>_IMAGE=<tag> per image (INGEST_IMAGE, INGEST_EMBEDDED_IMAGE,
# OPERATOR_IMAGE, CLICKHOUSE_STANDIN_IMAGE), and on stderr how long each build took.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."
export DOCKER_BUILDKIT=0
log() { printf '[images] %s\n' "$*" >&2; }
# Assigns the KEY=VALUE lines a command prints; unlike eval "$(cmd)", a failing command stops the script.
setvars() {
  local out
  out=$("$@") || return
  eval "$out"
}

setvars bash e2e/env/docker/base-images.sh
echo "NODE_IMAGE=$NODE_IMAGE"

# build VAR TAG DOCKERFILE [ARG=VALUE ...]
build() {
  local var=$1 tag=$2 file=$3 args=() a t0=$SECONDS out
  shift 3
  for a in "$@"; do args+=(--build-arg "$a"); done
  # --network host: the build's npm reaches the registry even when the engine gives containers no route.
  if ! out=$(docker build --network host --build-arg NODE_IMAGE="$NODE_IMAGE" "${args[@]}" -f "$file" -t "$tag" . 2>&1); then
    printf '%s\n' "$out" | tail -30 >&2
    log "docker build -f $file failed"
    exit 1
  fi
  log "$tag built in $((SECONDS - t0)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
  echo "${var}_IMAGE=$tag"
}

# Every rebuild leaves the previous build's stage images behind, untagged (the legacy builder's cache): on
# the test environment's private engine, those a day old are removed, so the cache keeps what today's
# builds reuse (npm installs of an unchanged lock, the runtime stage) without growing by an image set per
# change. An engine that was already answering is someone else's: its images are left alone.
prune_stale() {
  [ "${DOCKER_HOST:-}" = "unix://${TRACKER_CACHE:-$HOME/.cache/tracker}/docker/docker.sock" ] || return 0
  docker image prune -f --filter until=24h >/dev/null || log "could not remove stale build images (ignored)"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ingest ingest-embedded operator clickhouse-standin)
for t in "${targets[@]}"; do
  case $t in
    ingest) build INGEST tracker.local/tracker-ingest:test Dockerfile.ingest ;;
    ingest-embedded) build INGEST_EMBEDDED tracker.local/tracker-ingest:test-embedded Dockerfile.ingest EMBEDDED=true ;;
    operator) build OPERATOR tracker.local/tracker-operator:test Dockerfile.operator ;;
    clickhouse-standin)
      build CLICKHOUSE_STANDIN tracker.local/clickhouse-standin:test e2e/kind/standin/Dockerfile ;;
    *) log "unknown image $t" && exit 2 ;;
  esac
done
prune_stale
