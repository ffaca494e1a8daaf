# Tracker: every command a developer or CI needs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE ?= $(HOME)/.cache/tracker
export TRACKER_CACHE := $(CACHE)
# npm scripts run on the Node 24 that the `node` devDependency installs; so does everything here.
# The cache's bin/ comes last: it provides kubectl (built with the control plane) where none is installed.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH):$(CACHE)/bin
STAMP := node_modules/.package-lock.stamp

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-17s %s\n",$$1,$$2}'

$(STAMP): package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (any Node >= 18 bootstraps the pinned Node 24)"; exit 1; }
	@# The lock records every optional platform package (check-generated fails when one is missing), so
	@# `npm ci` installs exactly it on any registry and never rewrites it.
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: $(STAMP) ## Install npm dependencies when the lock file changed

.PHONY: tools
tools: ## Build (once, cached in ~/.cache/tracker/bin; make CACHE=dir moves it) etcd, kube-*, kubectl, helm, kwok, nats-server, promtool from Go modules
	@command -v go >/dev/null || { echo "Go >= 1.26 is required to build the test control plane"; exit 1; }
	bash e2e/env/tools/build.sh

.PHONY: browser
browser: ## Install Debian's chromium for the browser tests when missing (apt-get, as root)
	bash e2e/browser/install.sh

.PHONY: jdbc
jdbc: ## Install a JDK and Maven for the JDBC test of the SQL endpoint when missing (apt-get, as root)
	bash e2e/jdbc/install.sh

.PHONY: client
client: deps ## Build the browser client into client/dist (ESM, script tag, types; prints gzipped sizes)
	node client/build.ts

.PHONY: run
# INGEST_NODE_FLAGS, INGEST_GLIBC_TUNABLES: the ingest's Node flags and malloc settings, as in
# ingest/node-flags.ts (node-flags.test.ts checks them).
INGEST_NODE_FLAGS := --max-semi-space-size=8 --heap-growing-percent=30
INGEST_GLIBC_TUNABLES := glibc.malloc.mmap_threshold=32768:glibc.malloc.arena_max=2
# HOST: the listen address. Loopback by default here, so the dashboard and the SQL endpoint need no
# password on this machine; `make run HOST=0.0.0.0` exposes it (the dashboard then asks for the read
# credential), but not the operations port (/metrics, /status), which stays on 127.0.0.1 unless
# server.opsHost (TRACKER_SERVER__OPSHOST) says otherwise.
# With CONFIG (or TRACKER_CONFIG), the file's server.host applies unless HOST is given too;
# so does TRACKER_SERVER__HOST from the environment, as every TRACKER_* override does
# (scripts/make-run.test.ts).
run: client ## Start the ingest on the embedded engine (chdb): http://localhost:8080, dashboard at /dashboard, metrics at :9464/metrics
	$(if $(or $(HOST),$(if $(CONFIG)$(TRACKER_CONFIG)$(TRACKER_SERVER__HOST),,x)),TRACKER_SERVER__HOST=$(or $(HOST),127.0.0.1),) GLIBC_TUNABLES=$(INGEST_GLIBC_TUNABLES) node $(INGEST_NODE_FLAGS) ingest/server.ts $(if $(CONFIG),--config $(CONFIG),)

.PHONY: typecheck
typecheck: deps ## tsc --noEmit (the browser client has its own tsconfig: DOM types)
	tsc --noEmit -p tsconfig.json
	tsc --noEmit -p client/tsconfig.json

.PHONY: lint
lint: deps ## Biome lint + format check
	biome check .

.PHONY: check-generated
check-generated: deps ## Fail when a generated file differs from a fresh generation
	node scripts/generate.ts --check

.PHONY: test-go
test-go: ## gofmt, go vet and go test of the repository's own Go code (the bench's open-loop load generator)
	@command -v go >/dev/null || { echo "Go >= 1.26 is required (bench/loadgen)"; exit 1; }
	@unformatted=$$(gofmt -l bench/loadgen); [ -z "$$unformatted" ] || { echo "gofmt: $$unformatted"; exit 1; }
	cd bench/loadgen && export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local && go vet ./... && go test ./...

.PHONY: test-unit
test-unit: deps test-go ## Unit tests (no services), and test-go
	vitest run --project unit

.PHONY: test-integration
test-integration: deps tools browser jdbc ## Integration tests against real etcd, kube-apiserver, controller-manager, NATS, chdb, Chromium, JDBC
	vitest run --project integration
	vitest run --project integration-cluster-wide

.PHONY: test-containers
test-containers: deps tools ## The images, built from the Dockerfiles, run on a Docker engine (see e2e/README.md)
	vitest run --project containers

NODE_BUILD_LOG := $(CACHE)/kind-node-build.log

.PHONY: test
test: deps tools browser jdbc typecheck lint check-generated test-go ## Everything: typecheck, lint, Go, unit, integration, container and kind tests
	@# Every temporary file of the run (the tests', and those of the processes and builds they start) goes
	@# under one directory that is removed when the run ends: temporary directories no test removed used to
	@# add up in /tmp, run after run, until a disk filled and the tests that write failed.
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/tracker-test.XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; \
	  TMPDIR=$$tmp RUN_TMPDIR=$$tmp $(MAKE) --no-print-directory test-stages

.PHONY: test-stages
test-stages: ## (used by test, which runs its prerequisites first) the unit, integration, container and kind stages
	@# The kind node's Go builds (kubelet, containerd, ...: tens of minutes on a cold machine, nothing once
	@# cached) run niced in the background during the unit and integration tests; the kind suite needs them.
	@# hanging-process names whatever keeps the run alive after the tests, should that ever happen.
	@# Its own process group (setsid), so that a failed test run stops the whole build, subshells included.
	setsid nice -n 10 bash e2e/env/tools/build.sh kind node >$(NODE_BUILD_LOG) 2>&1 & build=$$!; \
	  trap 'kill -- -$$build 2>/dev/null || true' EXIT; \
	  vitest run --project unit --project integration --reporter=default --reporter=hanging-process; \
	  vitest run --project integration-cluster-wide --reporter=default --reporter=hanging-process; \
	  wait $$build || { tail -30 $(NODE_BUILD_LOG); echo "kind node build failed ($(NODE_BUILD_LOG))"; exit 1; }
	vitest run --project containers
	bash e2e/kind/run.sh

.PHONY: bench
bench: deps tools ## One table (ingest vs bare Fastify under wrk, operator with 1/10/50 clusters), then the scenario scripts
	bash bench/install.sh
	@# The run's temporary files under one directory, removed when it ends (as for test).
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/tracker-bench.XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; export TMPDIR=$$tmp; \
	  node bench/run.ts; \
	  for f in bench/*.bench.ts; do node "$$f"; done

.PHONY: e2e-kind
e2e-kind: deps tools ## End-to-end on a kind cluster (node image built offline when no registry serves one)
	bash e2e/kind/run.sh

.PHONY: env-up
env-up: deps tools ## Start the test services by hand (state and logs in .env-state/; prints a kubeconfig path and the log directory)
	node e2e/env/cli.ts up

.PHONY: env-down
env-down: ## Stop the services started by env-up
	node e2e/env/cli.ts down

.PHONY: clean
# Every build output and local state .gitignore lists, but the npm packages and a tool cache kept in the
# checkout (make CACHE=.cache) (scripts/make-clean.test.ts).
clean: ## Remove local build output and data (keeps the tool cache; `make clean-cache` drops it)
	rm -rf dist client/dist coverage data test-results e2e/jdbc/target .env-state node_modules/.package-lock.stamp

.PHONY: clean-cache
clean-cache: ## Remove the cached Go builds, base images and the private Docker engine's data
	@if [ -S $(CACHE)/docker/docker.sock ]; then bash e2e/env/docker/engine.sh status; \
	  echo "stop the private dockerd first (it holds $(CACHE)/docker)"; exit 1; fi
	rm -rf $(CACHE)
