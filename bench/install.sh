#!/usr/bin/env bash
# The bench's external HTTP load generators: wrk (closed loop), from Debian's packages, installed when
# missing; the open-loop generator (bench/loadgen, Go), built into the tool cache when missing or stale.
set -euo pipefail
bash "$(dirname "$0")/loadgen/build.sh" >/dev/null
command -v wrk >/dev/null && exit 0
command -v apt-get >/dev/null || { echo "make bench needs wrk (install it with your package manager)"; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq wrk
