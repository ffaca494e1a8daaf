#!/usr/bin/env bash
# Builds the open-loop load generator (this directory, Go standard library only) into the tool cache when
# it is missing or its sources changed, and prints the binary's path. The name carries a hash of the
# sources and the Go version, so an edited generator is rebuilt and an unchanged one is not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${TRACKER_CACHE:-$HOME/.cache/tracker}/bin
command -v go >/dev/null || { echo "the bench's open-loop generator needs Go >= 1.26" >&2; exit 1; }
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}
hash=$( (cd "$here" && go version && cat go.mod $(ls ./*.go | grep -v '_test\.go$')) | sha256sum | cut -c1-12)
out=$bin/loadgen-$hash
if [ ! -x "$out" ]; then
  mkdir -p "$bin"
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" . && mv "$out.tmp" "$out")
fi
echo "$out"
