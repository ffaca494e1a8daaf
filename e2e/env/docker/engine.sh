#!/usr/bin/env bash
# The Docker engine of the test environment, like etcd and kube-apiserver: an engine that already answers
# is used as it is; otherwise (root, with apt-get, as on CI) Debian's docker.io is installed once and a
# private dockerd is started with its own data root, exec root and socket under the tool cache.
#
#   engine.sh up HOLDER     prints `DOCKER_HOST=...` of an engine that answers; HOLDER (a pid) holds it
#   engine.sh down HOLDER   releases HOLDER; the private dockerd stops when no live holder is left
#   engine.sh status        prints which engine answers, or why none can
#
# Several runs may share the private engine (each holds it by pid; a crashed holder does not count).
# The private dockerd leaves the host's firewall, IP forwarding and default bridge alone (--iptables=false,
# --ip-forward=false, --bridge=none): containers use the host network or a network of their own (kind's),
# and builds run with --network host. The network interfaces it creates are deleted when it stops, so the
# host is left as it was.
set -euo pipefail

cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
dir=$cache/docker
sock=$dir/docker.sock
# Runtime state in /run (short socket paths), one directory per cache, so two caches never share a daemon.
exec_root=/run/tracker-docker-$(printf '%s' "$dir" | sha256sum | cut -c1-8)
private_host=unix://$sock
log() { printf '[engine] %s\n' "$*" >&2; }

answers() { DOCKER_HOST=$1 timeout 20 docker info >/dev/null 2>&1; }

# An engine that answers without us: DOCKER_HOST if set, else the default socket.
existing() {
  command -v docker >/dev/null || return 1
  local host=${DOCKER_HOST:-unix:///var/run/docker.sock}
  [ "$host" != "$private_host" ] && answers "$host" && echo "$host"
}

cannot() {
  log "no Docker engine answers and none can be started here: $1"
  log "start a Docker engine (DOCKER_HOST or /var/run/docker.sock), or run as root where apt-get can install docker.io"
  exit 1
}

install_engine() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return
  [ "$(id -u)" = 0 ] || cannot "dockerd is not installed and this user is not root"
  command -v apt-get >/dev/null || cannot "dockerd is not installed and apt-get is not available"
  log "installing Debian's docker.io (once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >"$dir/apt.log" 2>&1 ||
    { apt-get update -q >>"$dir/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends docker.io >>"$dir/apt.log" 2>&1; } || cannot "apt-get install docker.io failed ($dir/apt.log)"
}

start_private() {
  [ "$(id -u)" = 0 ] || cannot "a private dockerd needs root"
  install_engine
  mkdir -p "$dir/data" "$dir/tmp"
  rm -f "$sock"
  log "starting a private dockerd (data root $dir/data, log $dir/dockerd.log)"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' >"$dir/links.before"
  # Its own temporary directory: the engine outlives the run that started it (others share it, and a run
  # that fails before releasing it leaves it up), and runc writes every exec's spec under TMPDIR. Under the
  # starting run's temporary directory, removed when that run ended, every later `docker exec` and health
  # check failed with "open .../runc-process...: no such file or directory".
  TMPDIR="$dir/tmp" nohup dockerd --data-root "$dir/data" --exec-root "$exec_root" --pidfile "$dir/dockerd.pid" \
    -H "$private_host" --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    >"$dir/dockerd.log" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 60); do
    answers "$private_host" && return
    kill -0 "$!" 2>/dev/null || { tail -5 "$dir/dockerd.log" >&2; cannot "dockerd exited (log above)"; }
    sleep 0.5
  done
  cannot "dockerd did not answer within 30 s ($dir/dockerd.log)"
}

live_holders() {
  local f n=0
  for f in "$dir"/holders/*; do
    [ -e "$f" ] || continue
    if kill -0 "${f##*/}" 2>/dev/null; then n=$((n + 1)); else rm -f "$f"; fi
  done
  echo "$n"
}

stop_private() {
  local pid
  pid=$(cat "$dir/dockerd.pid" 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  log "stopping the private dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  log "dockerd did not stop within 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# A stopped dockerd leaves its runtime state behind: the default network namespace stays bind-mounted.
remove_exec_root() {
  local m
  for m in $(awk -v r="$exec_root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do umount "$m" || true; done
  rm -rf "$exec_root"
}

# Bridges of networks it created (kind's) stay behind a stopped dockerd: delete those that were not there.
remove_new_links() {
  [ -f "$dir/links.before" ] || return 0
  local l
  for l in $(ip -o link show type bridge | awk -F': ' '{print $2}'); do
    grep -qx "$l" "$dir/links.before" || ip link delete "$l" 2>/dev/null || true
  done
  rm -f "$dir/links.before"
}

locked() { mkdir -p "$dir/holders"; exec 9>"$dir/lock"; flock 9; }

case ${1:-} in
  up)
    holder=${2:?usage: engine.sh up HOLDER-PID}
    if host=$(existing); then echo "DOCKER_HOST=$host"; exit 0; fi
    locked
    answers "$private_host" || start_private
    touch "$dir/holders/$holder"
    echo "DOCKER_HOST=$private_host"
    ;;
  down)
    holder=${2:?usage: engine.sh down HOLDER-PID}
    [ -d "$dir/holders" ] || exit 0
    locked
    rm -f "$dir/holders/$holder"
    [ "$(live_holders)" -gt 0 ] || { stop_private && remove_exec_root && remove_new_links; }
    ;;
  status)
    if host=$(existing); then echo "engine: $host (already running)"
    elif answers "$private_host"; then echo "engine: $private_host (private dockerd, $(live_holders) holder(s))"
    elif [ "$(id -u)" = 0 ]; then echo "engine: none running; a private dockerd will be started"
    else echo "engine: none, and none can be started (not root)"; fi
    ;;
  *)
    echo "usage: engine.sh up|down HOLDER-PID | status" >&2
    exit 2
    ;;
esac
