// The operator half of `make bench`: on a private real control plane (etcd, kube-apiserver,
// controller-manager, scheduler; kwok simulates the kubelet) the operator runs as its own process, as the
// chart runs it (operator/main.ts), behind a counting proxy. For 1, 10 and 50 TrackerClusters it reports:
// create → every object applied and → all Ready; the operator's own share of that time (its CPU time and
// the time spent inside reconciles) apart from the wait for the simulated pods; the reaction latency
// (from a watch event to the first write it caused, the operator's own histogram); the writes in steady
// state; and the operator's resident memory. Every ClickHouse replica is ONE ClickHouse-HTTP stand-in.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namesOf } from '../cdk8s/index.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import { startEnvironment } from '../e2e/env/environment.ts';
import type { KubeRest } from '../kube/rest.ts';
import { startClickHouseDouble } from '../operator/testing/clickhouse-doubles.ts';
import type { Recorded } from '../operator/testing/counting-proxy.ts';
import { condition, createTc, deployPath, list, restFor, waitFor } from '../operator/testing/harness.ts';
import { startOperatorProcess } from '../operator/testing/process.ts';
import { startVolumeBinder } from '../operator/testing/volume-binder.ts';
import { histogramQuantiles } from './lib/histogram.ts';
import { type Exact, exact, exactBySteps, parseReactions, slowest } from './lib/reactions.ts';
import { freePort } from './lib/server.ts';
import { shippedScript } from './lib/shipped.ts';

/** `BENCH_CLUSTERS=50` runs one round. */
export const CLUSTER_COUNTS = process.env.BENCH_CLUSTERS?.split(',').map(Number) ?? [1, 10, 50];
/**
 * `HEAP_SNAPSHOT_DIR=dir`: the operator writes a heap snapshot there at the start of the steady window.
 * `OPERATOR_NODE_OPTIONS`: flags for the operator process (e.g. V8 heap sizing to compare).
 */
const SNAPSHOT_DIR = process.env.HEAP_SNAPSHOT_DIR;
/**
 * `BENCH_TRACE_DIR=dir`: per cluster, when its create was answered and when its first Secret's create
 * reached the proxy (epoch ms), written to `dir/clusters-<n>.json`, to lay beside the operator's debug log;
 * the operator's reaction trace of the round, `dir/reactions-<n>.jsonl`; and every write it sent through the
 * proxy with when the apiserver's answer began, `dir/writes-<n>.json`.
 */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
// Small requests so 50 clusters fit on the one fake node; ingest at 0 replicas keeps pods under its 110 limit.
const small = { requests: { cpu: '10m', memory: '32Mi' } };
const spec = {
  clickhouse: { shards: 1, replicas: 1, resources: small },
  keeper: { replicas: 1, resources: small },
  ingest: { replicas: 0, resources: small },
};
/** Long enough to hold one periodic resync (relistIntervalMs below): every cluster is reconciled in it. */
const STEADY_WINDOW_MS = 12_000;

export interface OperatorRow {
  readonly clusters: number;
  readonly appliedMs: number;
  readonly readyMs: number;
  /** CPU seconds the operator process used from create to all Ready. */
  readonly cpuMs: number;
  /** Summed duration of its reconciles in that time (they overlap: 4 workers). */
  readonly reconcileMs: number;
  readonly reconciles: number;
  readonly reaction: { count: number; p50: string; p99: string; max: string };
  /** The reactions to an event that opened a gate (GATE_STEPS). */
  readonly gateReaction: { count: number; p50: string; p99: string; max: string };
  /** Per step that made the first write: count, p50/p99. */
  readonly reactionBySteps: string;
  /**
   * The same reactions in exact ms, from the operator's reaction trace (the bench turns it on): all, the
   * gate reactions, per step, and the slowest five split into their parts.
   */
  readonly exact: {
    readonly all: Exact;
    readonly gate: Exact;
    readonly bySteps: string;
    readonly slowest: string;
  };
  /**
   * Per cluster, from its create answered (to the bench) to its first Secret's create reaching the counting
   * proxy, in ms (exact, not buckets): the credentials reaction seen from outside. It adds what the
   * operator's own clock does not see: the apiserver delivering the watch event, and the event waiting
   * unread while the operator's event loop is busy.
   */
  readonly createToSecret: { p50: number; p99: number; max: number };
  /** The part of the reaction spent waiting for a worker (watch event → reconcile start). */
  readonly queueWait: { count: number; p50: string; p99: string; max: string };
  /** The background schema passes (copy, migrate, verify): ClickHouse's time, outside any reconcile. */
  readonly schemaPasses: { count: number; p50: string; p99: string; max: string };
  /** The operator's apiserver requests (reads and writes, not watches): what its reconciles wait on. */
  readonly apiRequests: { count: number; p50: string; p99: string; max: string };
  /**
   * The operator's share of create → applied, per cluster: the summed reaction latencies divided by the
   * clusters (each gate of one cluster waits for one reaction in sequence; the rest of the time is the
   * control plane, kwok and the ClickHouse stand-in bringing up what was applied).
   */
  readonly operatorShareMs: number;
  /** Summed time per reconcile step, the largest first. */
  readonly steps: string;
  readonly steadyWrites: number;
  /** Resident at rest (converged, before the steady window), and its anonymous part (heap, buffers). */
  readonly rssMiB: number;
  readonly rssAnonMiB: number;
  readonly peakRssMiB: number;
}

const procStatus = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/**
 * The steps whose first write answers an event that opens a gate: a TrackerCluster created (its Secrets),
 * the Keeper quorum ready (the ClickHouse objects), the schema verified on every replica (the ingest).
 * The other reactions (`status`, mostly) answer a child's progress between gates.
 */
export const GATE_STEPS = ['credentials', 'clickhouse', 'ingest'] as const;

/** Reaction percentiles per step that made the first write: `keeper 50: ≤ 25 ms/≤ 100 ms`. */
function reactionBySteps(text: string): string {
  const steps = new Set(
    [...text.matchAll(/^tracker_operator_reaction_seconds_count\{step="([^"]+)"\}/gm)].map(
      (m) => m[1] as string,
    ),
  );
  return [...steps]
    .map((step) => {
      const q = histogramQuantiles(text, 'tracker_operator_reaction_seconds', { step });
      return `${step} ${q.count}: ${q.p50}/${q.p99}`;
    })
    .join(', ');
}

const sample = (text: string, metric: string) =>
  [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'gm'))].reduce(
    (s, m) => s + Number(m[1]),
    0,
  );

function stepTimes(text: string): string {
  const sums = [
    ...text.matchAll(/^tracker_operator_step_duration_seconds_sum\{step="([^"]+)"\} ([0-9.e+-]+)/gm),
  ];
  return sums
    .map((m) => ({ step: m[1], ms: Math.round(Number(m[2]) * 1000) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 4)
    .map((s) => `${s.step} ${s.ms}`)
    .join(', ');
}

/** Cluster `b<i>` created at `created[i]` → the first create of a Secret named `b<i>-…` at the proxy. */
function createToSecret(
  requests: readonly Recorded[],
  created: readonly number[],
): OperatorRow['createToSecret'] {
  const first = firstSecrets(requests);
  if (TRACE_DIR) {
    const trace = created.map((at, i) => ({
      cluster: `b${i}`,
      created: at,
      firstSecret: first.get(`b${i}`),
    }));
    writeFileSync(join(TRACE_DIR, `clusters-${created.length}.json`), JSON.stringify(trace));
    // Every write the operator sent through the proxy, with when it was answered (answer times per verb).
    const writes = requests.filter((r) => r.method !== 'GET');
    writeFileSync(join(TRACE_DIR, `writes-${created.length}.json`), JSON.stringify(writes));
  }
  const ms = created
    .map((at, i) => (first.get(`b${i}`) ?? Number.NaN) - at)
    .filter((d) => !Number.isNaN(d))
    .sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: ms.at(-1) ?? Number.NaN };
}

/** Per cluster name (`b<i>`), when the proxy received its first Secret's create. */
function firstSecrets(requests: readonly Recorded[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const r of requests) {
    if (r.method !== 'POST' || !r.path.endsWith('/secrets') || !r.name) continue;
    const cluster = r.name.slice(0, r.name.indexOf('-'));
    if (!first.has(cluster)) first.set(cluster, r.at);
  }
  return first;
}

async function allApplied(rest: KubeRest, ns: string, n: number): Promise<boolean> {
  // The ingest Deployment is the last object the gates allow: once n exist, everything was applied.
  return (await list(rest, deployPath(ns), 'app.kubernetes.io/component=ingest')).length === n;
}

async function allReady(rest: KubeRest, ns: string, n: number): Promise<boolean> {
  const items = await list(rest, `/apis/tracker.dev/v1alpha1/namespaces/${ns}/trackerclusters`);
  return items.length === n && items.every((tc) => condition(tc, 'Ready')?.status === 'True');
}

async function since(t0: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  await waitFor(async () => probe(), { what, timeoutMs: 600_000, intervalMs: 100 });
  return Math.round(performance.now() - t0);
}

type Env = { kubeconfig: string; rest: KubeRest; api: { url: string; caFile: string; adminToken: string } };

/** The exact reactions of the trace written so far. */
function exactReactions(traceFile: string, n: number): OperatorRow['exact'] {
  if (TRACE_DIR) copyFileSync(traceFile, join(TRACE_DIR, `reactions-${n}.jsonl`));
  const records = parseReactions(readFileSync(traceFile, 'utf8'));
  const gates: readonly string[] = GATE_STEPS;
  return {
    all: exact(records.map((r) => r.ms)),
    gate: exact(records.filter((r) => gates.includes(r.step)).map((r) => r.ms)),
    bySteps: exactBySteps(records),
    slowest: slowest(records),
  };
}

async function round(n: number, env: Env, chUrl: string): Promise<OperatorRow> {
  const traceDir = mkdtempSync(join(tmpdir(), 'tracker-bench-reactions-'));
  try {
    return await traced(n, env, chUrl, join(traceDir, 'reactions.jsonl'));
  } finally {
    rmSync(traceDir, { recursive: true, force: true });
  }
}

async function traced(n: number, env: Env, chUrl: string, traceFile: string): Promise<OperatorRow> {
  const ns = createNamespace(env.kubeconfig, `bench-${n}`);
  const binder = startVolumeBinder(env.rest, ns, 100);
  const endpoints = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      namesOf(cluster(spec, { name: `b${i}`, namespace: ns })).replicaHost(0, 0),
      chUrl,
    ]),
  );
  const port = await freePort();
  // Inherited by the operator process only (the bench's own flags are fixed at its start).
  const nodeOptions = [
    process.env.OPERATOR_NODE_OPTIONS,
    SNAPSHOT_DIR && `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${SNAPSHOT_DIR}`,
  ].filter(Boolean);
  if (nodeOptions.length > 0) process.env.NODE_OPTIONS = nodeOptions.join(' ');
  const op = await startOperatorProcess(
    { apiserverUrl: env.api.url, caFile: env.api.caFile, token: env.api.adminToken },
    {
      identity: `bench-${n}`,
      namespace: ns,
      logLevel: process.env.BENCH_OPERATOR_LOG_LEVEL ?? 'error',
      http: { port, host: '127.0.0.1' },
      leaderElection: { enabled: false },
      // Production requeue while a gate waits (10 s): watch events, not polling, must drive progress.
      queue: { progressRequeueMs: 10_000 },
      watch: { relistIntervalMs: 10_000 },
      clickhouse: { schemaMode: 'per-replica', endpoints },
      diagnostics: { reactionTraceFile: traceFile },
    },
    shippedScript('operator', 'operator/main.ts'),
  );
  try {
    // Clusters are created once the operator is ready (its caches synced, its queue running), as they
    // would be once its Deployment passed its readiness probe: an event that arrives while it still lists
    // waits for its start, which is start-up, not a reaction.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
      what: 'operator ready',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    const cpu0 = cpuMsOf(op.pid);
    const t0 = performance.now();
    const created: number[] = [];
    for (let i = 0; i < n; i++) {
      await createTc(env.rest, ns, `b${i}`, spec);
      created.push(Date.now());
    }
    const appliedMs = await since(t0, 'all objects applied', () => allApplied(env.rest, ns, n));
    const readyMs = await since(t0, 'all Ready', () => allReady(env.rest, ns, n));
    const cpuMs = cpuMsOf(op.pid) - cpu0;
    const converged = await metrics(port);
    const exactNow = exactReactions(traceFile, n);
    // Steady state: once nothing has been written for 3 s, count what a window with a resync writes.
    await waitFor(async () => op.proxy.writes(Date.now() - 3000).length === 0, {
      what: 'quiet',
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const from = Date.now();
    const rss = { rssMiB: procStatus(op.pid, 'VmRSS'), rssAnonMiB: procStatus(op.pid, 'RssAnon') };
    if (SNAPSHOT_DIR) process.kill(op.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, STEADY_WINDOW_MS));
    return {
      clusters: n,
      appliedMs,
      readyMs,
      cpuMs: Math.round(cpuMs),
      reconcileMs: Math.round(sample(converged, 'tracker_operator_reconcile_duration_seconds_sum') * 1000),
      reconciles: sample(converged, 'tracker_operator_reconcile_total'),
      reaction: histogramQuantiles(converged, 'tracker_operator_reaction_seconds'),
      gateReaction: histogramQuantiles(converged, 'tracker_operator_reaction_seconds', {
        step: GATE_STEPS,
      }),
      reactionBySteps: reactionBySteps(converged),
      exact: exactNow,
      createToSecret: createToSecret(op.proxy.requests, created),
      queueWait: histogramQuantiles(converged, 'tracker_operator_queue_wait_seconds'),
      schemaPasses: histogramQuantiles(converged, 'tracker_operator_schema_task_seconds'),
      apiRequests: histogramQuantiles(converged, 'tracker_operator_api_request_seconds'),
      operatorShareMs: Math.round((sample(converged, 'tracker_operator_reaction_seconds_sum') * 1000) / n),
      steps: stepTimes(converged),
      steadyWrites: op.proxy.writes(from).length,
      rssMiB: Math.round(rss.rssMiB),
      rssAnonMiB: Math.round(rss.rssAnonMiB),
      peakRssMiB: Math.round(procStatus(op.pid, 'VmHWM')),
    };
  } finally {
    await op.stop();
    await binder.stop();
    await env.rest.request('delete', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    // The fake node holds 110 pods: the next round starts once this one's are gone.
    await waitFor(async () => (await list(env.rest, `/api/v1/namespaces/${ns}/pods`)).length === 0, {
      what: 'pods deleted',
      timeoutMs: 300_000,
      intervalMs: 500,
    });
  }
}

export async function operatorRows(counts = CLUSTER_COUNTS): Promise<OperatorRow[]> {
  const env = await startEnvironment({ nats: false });
  const double = await startClickHouseDouble();
  try {
    installCrd(env.kubeconfig);
    const rest = restFor(env.kubeconfig);
    const rows: OperatorRow[] = [];
    try {
      for (const n of counts)
        rows.push(await round(n, { kubeconfig: env.kubeconfig, rest, api: env.api }, double.url));
    } finally {
      await rest.close();
    }
    return rows;
  } finally {
    await double.remove();
    await env.stop();
  }
}
