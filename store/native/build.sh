#!/usr/bin/env bash
# Builds sched.node (the engine's scheduling policy, sched.c) with gcc against the node-api-headers npm
# package: no node-gyp, which would download Node's headers from nodejs.org. Used by `make deps` and the
# ingest image (Dockerfile.ingest). Usage: build.sh [HEADERS_DIR] [OUT]; defaults: the project's
# node_modules and store/native/sched.node. Linux only: elsewhere the store keeps nice (engine-priority.ts).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
headers=${1:-$here/../../node_modules/node-api-headers/include}
out=${2:-$here/sched.node}
if [ "$(uname -s)" != Linux ]; then echo "sched.node: not Linux, not built (the engine keeps nice)"; exit 0; fi
if ! command -v gcc >/dev/null; then
  echo "sched.node: no gcc, not built (the engine keeps nice; apt-get install gcc libc6-dev builds it)"
  exit 0
fi
# N-API symbols are resolved against the node binary when it loads the addon; -pthread for the probe thread.
gcc -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -pthread -DNAPI_VERSION=8 \
  -I "$headers" -o "$out.tmp" "$here/sched.c"
mv "$out.tmp" "$out"
