// The whole install path on a kind cluster (real kubelet, containerd, CoreDNS, kube-proxy, local-path
// volumes), which e2e/kind/run.sh creates and fills with the images: the operator installed with its Helm
// chart, examples/minimal.yaml applied and Ready, events sent through the ingest Service from a pod and
// counted in ClickHouse, the ingest rolled by a configuration change while events keep coming (no
// acknowledged event lost), scaled to 2, and the TrackerCluster deleted with every child gone.
// Steps run in order and share the cluster; each says what it proves.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { namesOf } from '../../cdk8s/names.ts';
import { chartDir, helm } from '../../charts/testing/helm.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kubectl, kubectlOk, kubectlPath } from '../env/kubectl.ts';
import { waitFor } from '../env/wait.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this suite through e2e/kind/run.sh (make e2e-kind)`);
  return v;
};
const kubeconfig = env('KUBECONFIG');
const ns = 'tracker-e2e';
const name = 'e2e';
const k = (...args: string[]) => kubectlOk(kubeconfig, args);
/** A merge patch of the TrackerCluster's spec, as a user would apply it. */
const patchSpec = (spec: object) =>
  k('patch', 'trackercluster', name, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec }));
const timings: Record<string, number> = {};

afterAll(() => {
  console.log(`[kind] timings: ${JSON.stringify(timings)}`);
});

/** The TrackerCluster of examples/minimal.yaml, renamed, with this run's images. */
function minimal(): TrackerCluster {
  const tc = parse(
    readFileSync(new URL('../../examples/minimal.yaml', import.meta.url), 'utf8'),
  ) as TrackerCluster;
  tc.metadata = { name, namespace: ns };
  const spec = tc.spec as unknown as Record<string, Record<string, unknown>>;
  // A smaller CPU request than the default 250m: the single kind node of a 2-core machine cannot hold the
  // control plane, ClickHouse, Keeper, the operator and three ingest pods at once (two replicas plus the
  // surge pod of a rolling update) with the default, and the roll would wait forever for room.
  spec.ingest = {
    ...spec.ingest,
    image: env('TRACKER_E2E_INGEST_IMAGE'),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  };
  // Stand-in images (named test doubles) only where no registry serves the real ones.
  if (process.env.TRACKER_E2E_CLICKHOUSE_IMAGE)
    spec.clickhouse = { ...spec.clickhouse, image: process.env.TRACKER_E2E_CLICKHOUSE_IMAGE };
  if (process.env.TRACKER_E2E_KEEPER_IMAGE)
    spec.keeper = { ...spec.keeper, image: process.env.TRACKER_E2E_KEEPER_IMAGE };
  return tc;
}

const tc = minimal();
// Defaults the apiserver applies (and the example leaves out) that the names depend on.
const names = namesOf({
  ...tc,
  spec: { ...tc.spec, clusterDomain: tc.spec.clusterDomain ?? 'cluster.local' },
});
const ingestUrl = `http://${names.ingestHost}`;

// The client pod runs the ingest image (already on the node) as a plain Node: it has no shell, so every
// command is `node`, by its absolute path (the image sets no PATH).
const node = '/usr/local/bin/node';

/** Runs a Node script in the client pod (inside the cluster); returns its stdout. */
function inClient(script: string): string {
  return k('exec', '-n', ns, 'client', '--', node, '--input-type=module', '-e', script);
}

/** SQL on the ClickHouse server, from inside its own pod (its NetworkPolicy admits only the cluster's pods). */
function sql(query: string): string {
  const pod = `${names.replica(0, 0)}-0`;
  const cmd = `clickhouse-client --password="$TRACKER_CLICKHOUSE_PASSWORD" -q ${JSON.stringify(query)}`;
  return k('exec', '-n', ns, pod, '-c', 'clickhouse', '--', 'sh', '-c', cmd).trim();
}

/** Which of `eids` ClickHouse holds (each once). */
function stored(ename: string): string[] {
  const out = sql(`SELECT toString(eid) FROM tracker.events WHERE ename = '${ename}'`);
  return out === '' ? [] : out.split('\n').sort();
}

// Sends events from the client pod; prints the acknowledged eids as JSON when `/tmp/stop-<ename>` appears
// or after `n` events. A failed request (connection refused or reset while a pod goes away, 503) is retried
// and not counted: only a 2xx is an acknowledgement.
const sender = (ename: string, n: number, concurrency: number) => `
  import { existsSync } from 'node:fs';
  const acked = []; let failed = 0; let next = 0;
  const one = async (i) => {
    for (;;) {
      try {
        const r = await fetch('${ingestUrl}/tr/v1/str/', { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ename: '${ename}', n: i }), signal: AbortSignal.timeout(10000) });
        if (r.ok) { acked.push((await r.json()).eid); return; }
      } catch {}
      failed++; await new Promise((r) => setTimeout(r, 100));
    }
  };
  const worker = async () => { while (next < ${n} && !existsSync('/tmp/stop-${ename}')) await one(next++); };
  await Promise.all(Array.from({ length: ${concurrency} }, worker));
  process.stdout.write(JSON.stringify({ acked, failed }));`;

function background(script: string): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(kubectlPath(), [
    `--kubeconfig=${kubeconfig}`,
    'exec',
    '-n',
    ns,
    'client',
    '--',
    node,
    '--input-type=module',
    '-e',
    script,
  ]);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`sender exited ${code}`)))),
  );
  return { child, done };
}

async function eventually(what: string, probe: () => boolean, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => probe(), { what, timeoutMs, intervalMs: 2000 });
}

/** Repeats a short kubectl wait (rollout status, wait --for) until it succeeds; kubectl calls are bounded. */
async function until(what: string, args: string[], timeoutMs = 300_000): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      const r = kubectl(kubeconfig, [...args, '--timeout=60s']);
      last = r.stderr.trim();
      return r.code === 0;
    },
    { what: `${what} (${args.join(' ')})`, timeoutMs, intervalMs: 1000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nlast: ${last}\n${k('get', 'pods', '-A', '-o', 'wide')}`);
  });
}

function ingestPods(): string[] {
  return k(
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    `app.kubernetes.io/instance=${name},app.kubernetes.io/component=ingest`,
    '-o',
    'name',
  )
    .split('\n')
    .filter(Boolean)
    .sort();
}

describe('Tracker on a kind cluster', () => {
  it('installs the operator with its Helm chart (2 replicas, leader election) and it becomes available', () => {
    const [repository, tag] = env('TRACKER_E2E_OPERATOR_IMAGE').split(/:(?=[^:]+$)/) as [string, string];
    const t0 = Date.now();
    const res = helm([
      `--kubeconfig=${kubeconfig}`,
      'install',
      'tracker-operator',
      chartDir,
      '--namespace',
      'tracker-system',
      '--create-namespace',
      '--set',
      `image.repository=${repository}`,
      '--set',
      `image.tag=${tag}`,
      '--set',
      'image.pullPolicy=Never',
      '--set',
      `clickhouse.schemaMode=${env('TRACKER_E2E_SCHEMA_MODE')}`,
      '--wait',
      '--timeout',
      '5m',
    ]);
    expect(res.code, res.stderr).toBe(0);
    timings.operatorInstalledMs = Date.now() - t0;
    expect(
      k(
        'get',
        'deployment',
        '-n',
        'tracker-system',
        'tracker-operator',
        '-o',
        'jsonpath={.status.availableReplicas}',
      ),
    ).toBe('2');
  });

  it('brings examples/minimal.yaml to Ready: Keeper, ClickHouse, schema, ingest on real pods and volumes', async () => {
    k('create', 'namespace', ns);
    const t0 = Date.now();
    kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], stringify(tc));
    await until(
      'the TrackerCluster to be Ready',
      ['wait', `trackercluster/${name}`, '-n', ns, '--for=condition=Ready'],
      900_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${k('get', 'trackercluster', name, '-n', ns, '-o', 'yaml')}`);
    });
    timings.trackerClusterReadyMs = Date.now() - t0;
    const pvcs = k('get', 'pvc', '-n', ns, '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}');
    expect(
      pvcs
        .trim()
        .split('\n')
        .every((p) => p === 'Bound'),
    ).toBe(true);
  });

  it('takes events through the ingest Service from inside the cluster and stores each once in ClickHouse', async () => {
    k(
      'run',
      'client',
      '-n',
      ns,
      `--image=${env('TRACKER_E2E_INGEST_IMAGE')}`,
      '--image-pull-policy=Never',
      '--restart=Never',
      '--command',
      '--',
      node,
      '-e',
      'setInterval(() => {}, 1 << 30)',
    );
    await until('the client pod', ['wait', 'pod/client', '-n', ns, '--for=condition=Ready']);
    const { acked, failed } = JSON.parse(inClient(sender('kind_e2e', 50, 5))) as {
      acked: string[];
      failed: number;
    };
    expect({ acked: acked.length, failed }).toEqual({ acked: 50, failed: 0 });
    await eventually('50 events in ClickHouse', () => stored('kind_e2e').length >= 50);
    expect(stored('kind_e2e')).toEqual(acked.sort());
  });

  // The ingest Service is what a LoadBalancer puts on the internet: it answers tracking and the probes, and
  // no longer the metrics and status, which each pod serves on its operations port (its NetworkPolicy
  // admits Prometheus's namespace there; read here from inside the pod, where no policy applies).
  it('keeps /metrics and /status off the ingest Service; each pod serves them on its operations port', () => {
    const probe = `const out = {}; for (const p of ['/metrics', '/status', '/health'])
      out[p] = (await fetch('${ingestUrl}' + p)).status; process.stdout.write(JSON.stringify(out));`;
    expect(JSON.parse(inClient(probe))).toEqual({ '/metrics': 404, '/status': 404, '/health': 200 });
    const [pod] = ingestPods();
    const read = "process.stdout.write(await (await fetch('http://127.0.0.1:9464/metrics')).text())";
    const metrics = k(
      'exec',
      '-n',
      ns,
      String(pod),
      '-c',
      'ingest',
      '--',
      node,
      '--input-type=module',
      '-e',
      read,
    );
    expect(metrics).toMatch(/^tracker_rows_accepted_total\{table="events"\} \d+$/m);
  });

  it('rolls the ingest on a configuration change while events keep coming, losing no acknowledged event', async () => {
    const before = ingestPods();
    const send = background(sender('kind_roll', 100_000, 4));
    // Any change of spec.ingest.config changes the ConfigMap hash on the pod template: a rolling update.
    patchSpec({ ingest: { config: { rateLimits: { burst: 5000 } } } });
    await eventually('a new ingest pod', () => ingestPods().some((p) => !before.includes(p)));
    await until('the rollout', ['rollout', 'status', `deployment/${names.ingest}`, '-n', ns]);
    await eventually('the old ingest pods to be gone', () => ingestPods().every((p) => !before.includes(p)));
    inClient("import { writeFileSync } from 'node:fs'; writeFileSync('/tmp/stop-kind_roll', '');");
    const { acked, failed } = JSON.parse(await send.done) as { acked: string[]; failed: number };
    console.log(`[kind] during the roll: ${acked.length} events acknowledged, ${failed} requests retried`);
    expect(acked.length).toBeGreaterThan(0);
    await eventually(
      'every acknowledged event in ClickHouse',
      () => stored('kind_roll').length >= acked.length,
    );
    expect(stored('kind_roll')).toEqual(acked.sort());
  });

  it('scales the ingest to 2 replicas', async () => {
    patchSpec({ ingest: { replicas: 2 } });
    await eventually(
      'the Deployment to want 2',
      () => k('get', 'deployment', names.ingest, '-n', ns, '-o', 'jsonpath={.spec.replicas}') === '2',
    );
    await until('the rollout', ['rollout', 'status', `deployment/${names.ingest}`, '-n', ns]);
    expect(k('get', 'deployment', names.ingest, '-n', ns, '-o', 'jsonpath={.status.readyReplicas}')).toBe(
      '2',
    );
  });

  it('deletes the TrackerCluster and every child it owned', async () => {
    k('delete', 'trackercluster', name, '-n', ns, '--wait=false');
    await eventually(
      'the TrackerCluster to be gone',
      () => kubectl(kubeconfig, ['get', 'trackercluster', name, '-n', ns]).code !== 0,
    );
    const kinds =
      'statefulsets,deployments,services,configmaps,poddisruptionbudgets,networkpolicies,horizontalpodautoscalers';
    await eventually(
      'the children to be garbage-collected',
      () => k('get', kinds, '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name').trim() === '',
    );
    await eventually(
      'their pods to be gone',
      () =>
        k('get', 'pods', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name').trim() === '',
    );
  });
});
