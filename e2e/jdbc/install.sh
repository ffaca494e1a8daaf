#!/usr/bin/env bash
# Makes sure a JDK and Maven are installed for the JDBC test of the SQL endpoint (ClickHouse's JDBC driver
# comes from Maven Central through e2e/jdbc/pom.xml). Installs Debian's packages when missing and we are
# root (as on CI); otherwise says exactly what to run. Idempotent.
set -euo pipefail

if command -v java >/dev/null && command -v javac >/dev/null && command -v mvn >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "[jdbc] a JDK and Maven are missing: run 'sudo apt-get install -y default-jdk-headless maven' (the JDBC test needs them)" >&2
  exit 1
fi
echo "[jdbc] installing Debian's default-jdk-headless and maven (once)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends default-jdk-headless maven; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "[jdbc] apt-get could not install a JDK and Maven" >&2
  exit 1
fi
rm -f "$log"
