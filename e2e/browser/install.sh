#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (/usr/bin/chromium, driven by
# playwright-core). Test tools cannot download a browser build of their own here, so the distribution's
# package is the browser. Installs it with apt-get when missing and we are root (as on CI); otherwise
# says exactly what to run. Idempotent.
set -euo pipefail

bin=${TRACKER_CHROMIUM:-/usr/bin/chromium}
if [ -x "$bin" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "[browser] $bin is missing: run 'sudo apt-get install -y chromium' (the browser tests need it)" >&2
  exit 1
fi
echo "[browser] installing Debian's chromium (once)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "[browser] apt-get could not install chromium" >&2
  exit 1
fi
rm -f "$log"
[ -x "$bin" ] || { echo "[browser] apt-get installed chromium but $bin is missing" >&2; exit 1; }
