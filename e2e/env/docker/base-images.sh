#!/usr/bin/env bash
# Base images for the test environment's image builds, on the engine DOCKER_HOST names. From a registry when
# one answers (debian:bookworm-slim, node:<pinned>-bookworm-slim); otherwise made here, once, and kept in the
# engine's data root: Debian from debootstrap (the rootfs tarball is cached too), Node from the project's
# pinned `node` package, npm from the `npm` package.
#
# TRACKER_CA_BUNDLE=<PEM file>: the Node image trusts these CAs too (NODE_EXTRA_CA_CERTS), so npm inside
# `docker build` can reach the registry through a TLS-intercepting proxy (corporate proxies, this project's
# CI egress). Default: the host's own NODE_EXTRA_CA_CERTS, when set (the host's Node needs them, so the
# image's does too); `none` turns it off.
#
# Prints DEBIAN_IMAGE=<tag> and NODE_IMAGE=<tag>, and on stderr where each came from.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."
source e2e/env/tools/versions.env

cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
images=$cache/images
mkdir -p "$images"
export DOCKER_BUILDKIT=0
log() { printf '[base] %s\n' "$*" >&2; }

node_version=$(node -p "require('./package.json').devDependencies.node")
suite=$DEBIAN_SUITE

have() { docker image inspect "$1" >/dev/null 2>&1; }
# A registry answers for this image: pull it (bounded: an unreachable registry must not stall the run).
pulled() { have "$1" || timeout 300 docker pull -q "$1" >/dev/null 2>&1; }

debootstrapped() {
  local tag=tracker.local/debian:$suite tar=$images/debian-$suite-minbase.tar
  have "$tag" && { echo "$tag"; return; }
  if [ ! -s "$tar" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
    local root
    root=$(mktemp -d)
    log "debootstrap $suite (minbase), once"
    debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian >"$images/debootstrap.log" 2>&1 ||
      { tail -5 "$images/debootstrap.log" >&2; exit 1; }
    # What slim images leave out too: package caches and lists, documentation, translations.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,locale}/*
    tar -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$root"
  fi
  docker import "$tar" "$tag" >/dev/null
  echo "$tag"
}

local_node() {
  local debian=$1 tag=tracker.local/node:$node_version-$suite
  have "$tag" && { echo "$tag"; return; }
  local ctx npm_tgz=$images/npm-$NPM_VERSION.tgz
  [ -s "$npm_tgz" ] || (cd "$images" && npm pack -q "npm@$NPM_VERSION" >/dev/null)
  ctx=$(mktemp -d)
  cp node_modules/node/bin/node "$ctx/node"
  mkdir "$ctx/npm" && tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1
  cp e2e/env/docker/node.Dockerfile "$ctx/Dockerfile"
  log "building $tag (Node $node_version from the node package, npm $NPM_VERSION)"
  docker build -q --network host --build-arg BASE="$debian" -t "$tag" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "$tag"
}

with_ca() {
  local base=$1 bundle=${TRACKER_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-none}}
  [ "$bundle" = none ] && { echo "$base"; return; }
  [ -r "$bundle" ] || { log "TRACKER_CA_BUNDLE=$bundle is not readable"; exit 1; }
  local tag
  tag=$base-ca-$(sha256sum "$bundle" | cut -c1-12)
  tag=tracker.local/${tag#tracker.local/}
  have "$tag" && { echo "$tag"; return; }
  local ctx
  ctx=$(mktemp -d)
  cp "$bundle" "$ctx/ca-bundle.pem"
  printf 'FROM %s\nCOPY ca-bundle.pem /etc/ssl/certs/tracker-extra-ca.pem\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/tracker-extra-ca.pem\n' \
    "$base" >"$ctx/Dockerfile"
  log "adding the CA bundle $bundle to $base"
  docker build -q -t "$tag" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "$tag"
}

if pulled "debian:$suite-slim"; then
  debian=debian:$suite-slim
  log "Debian: $debian (registry)"
else
  debian=$(debootstrapped)
  log "Debian: $debian (made here with debootstrap; no registry answers)"
fi
if pulled "node:$node_version-$suite-slim"; then
  node=node:$node_version-$suite-slim
  log "Node: $node (registry)"
else
  node=$(local_node "$debian")
  log "Node: $node (made here from the pinned node package; no registry answers)"
fi
node=$(with_ca "$node")
echo "DEBIAN_IMAGE=$debian"
echo "NODE_IMAGE=$node"
