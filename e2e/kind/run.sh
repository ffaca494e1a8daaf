#!/usr/bin/env bash
# End-to-end suite on a kind cluster (real kubelets, real containers, real ClickHouse and Keeper images):
# build both images, load them into kind, install the operator chart, apply examples/minimal.yaml, wait for
# Ready, send events through the ingest Service, query them in ClickHouse, scale the ingest, delete.
#
# Needs a running Docker engine. Where there is none (this project's CI machines have only the docker
# client), it prints SKIPPED with the reason and exits 0: a loud skip, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  printf '\n=== e2e-kind SKIPPED: %s ===\n=== nothing was tested; run `make e2e-kind` on a machine with Docker ===\n\n' "$1"
  exit 0
}
command -v docker >/dev/null || skip "docker is not installed"
docker info >/dev/null 2>&1 || skip "no Docker engine answers (docker info failed)"
command -v kubectl >/dev/null || skip "kubectl is not installed"

source e2e/env/tools/versions.env
cache=${TRACKER_CACHE:-$HOME/.cache/tracker}
bin=$cache/bin
bash e2e/env/tools/build.sh helm >/dev/null
KIND_VERSION=${KIND_VERSION:-v0.33.0}
if [ ! -x "$bin/kind-$KIND_VERSION" ]; then
  GOBIN=$cache/kind-build go install "sigs.k8s.io/kind@$KIND_VERSION"
  mv "$cache/kind-build/kind" "$bin/kind-$KIND_VERSION"
fi
kind=$bin/kind-$KIND_VERSION
helm=$bin/helm

cluster=tracker-e2e-$$
ns=tracker-e2e
tag=e2e-$(git rev-parse --short HEAD 2>/dev/null || echo dev)
kubeconfig=$(mktemp)
export KUBECONFIG=$kubeconfig
cleanup() {
  [ "${KEEP_KIND:-0}" = 1 ] || "$kind" delete cluster --name "$cluster" >/dev/null 2>&1 || true
  rm -f "$kubeconfig"
}
trap cleanup EXIT
step() { printf '\n--- %s\n' "$*"; }

step "create kind cluster $cluster"
"$kind" create cluster --name "$cluster" --kubeconfig "$kubeconfig" --wait 120s

step "build and load images ($tag)"
docker build -f Dockerfile.operator -t "tracker-operator:$tag" .
docker build -f Dockerfile.ingest -t "tracker-ingest:$tag" .
"$kind" load docker-image --name "$cluster" "tracker-operator:$tag" "tracker-ingest:$tag"

step "install the operator chart"
"$helm" install tracker-operator charts/tracker-operator --namespace tracker-system --create-namespace \
  --set image.repository=tracker-operator --set image.tag="$tag" --set image.pullPolicy=Never --wait --timeout 5m

step "apply examples/minimal.yaml"
kubectl create namespace "$ns"
sed -e "s/^  name: minimal/  name: e2e/" examples/minimal.yaml |
  kubectl apply -n "$ns" -f - --server-side
kubectl patch trackercluster e2e -n "$ns" --type merge \
  -p "{\"spec\":{\"ingest\":{\"image\":\"tracker-ingest:$tag\"}}}"
kubectl wait trackercluster/e2e -n "$ns" --for=condition=Ready --timeout=15m

step "send events through the ingest Service"
kubectl port-forward -n "$ns" svc/e2e-ingest 18080:80 >/dev/null 2>&1 &
pf=$!
trap 'kill $pf 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 50); do curl -fsS http://127.0.0.1:18080/health >/dev/null 2>&1 && break; sleep 1; done
for i in $(seq 1 20); do
  curl -fsS -X POST http://127.0.0.1:18080/tr/v1/str/ -H 'content-type: application/json' \
    -d "{\"ename\":\"e2e\",\"vid\":\"00000000-0000-4000-8000-$(printf '%012d' "$i")\"}" >/dev/null
done

step "query the events in ClickHouse"
count=0
for _ in $(seq 1 60); do
  # The default user's password is in the pod's environment (from the <name>-credentials Secret).
  count=$(kubectl exec -n "$ns" e2e-ch-0-0-0 -c clickhouse -- sh -c \
    'clickhouse-client --password "$TRACKER_CLICKHOUSE_PASSWORD" -q "SELECT count() FROM tracker.events WHERE ename = '"'"'e2e'"'"'"' \
    2>/dev/null || echo 0)
  [ "$count" -ge 20 ] && break
  sleep 2
done
[ "$count" -eq 20 ] || { echo "expected 20 events in ClickHouse, found $count"; exit 1; }

step "scale the ingest to 2 replicas"
kubectl patch trackercluster e2e -n "$ns" --type merge -p '{"spec":{"ingest":{"replicas":2}}}'
kubectl rollout status deployment/e2e-ingest -n "$ns" --timeout=5m
[ "$(kubectl get deployment e2e-ingest -n "$ns" -o jsonpath='{.status.readyReplicas}')" = 2 ]

step "delete the TrackerCluster; children are garbage-collected"
kubectl delete trackercluster e2e -n "$ns" --wait --timeout=5m
kubectl wait --for=delete statefulset -l app.kubernetes.io/instance=e2e -n "$ns" --timeout=5m || true
left=$(kubectl get statefulsets,deployments -n "$ns" -l app.kubernetes.io/instance=e2e -o name | wc -l)
[ "$left" -eq 0 ] || { echo "children left after delete: $left"; exit 1; }
printf '\n=== e2e-kind PASSED ===\n'
