// The operator image as the chart runs it, on the test control plane: the chart applied for real, the
// container given its ServiceAccount's credentials exactly where a pod gets them (token, ca.crt and
// namespace under /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT) and the
// chart's own configuration file, read-only root filesystem, uid 1000. A TrackerCluster reaches Ready.
// Pods are simulated by kwok + the real scheduler; volumes and ClickHouse by the operator's named test
// doubles (the same harness as the process-level RBAC test). Without credentials it exits at once.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { namesOf } from '../../cdk8s/names.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import {
  chartOperatorConfig,
  installChart,
  serviceAccountToken,
  testOperatorConfig,
} from '../../charts/testing/install.ts';
import { createNamespace, installCrd } from '../../crds/testing/kube.ts';
import { startDoubles } from '../../operator/testing/clickhouse-doubles.ts';
import { createTc, restFor, waitForCondition } from '../../operator/testing/harness.ts';
import { startVolumeBinder } from '../../operator/testing/volume-binder.ts';
import { startOnFreePorts } from '../env/port-start.ts';
import { waitFor } from '../env/wait.ts';
import { type Container, runDetached, runOnce } from './docker.ts';

const spec = { clickhouse: { shards: 1, replicas: 1 }, keeper: { replicas: 1 }, ingest: { replicas: 1 } };
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/**
 * Resolves once the operator says it listens (its own line: another process on its port does not count);
 * fails, with the container's output, when it stops first (of its port taken by another process, say).
 */
async function listening(c: Container): Promise<void> {
  let stopped: string | undefined;
  await waitFor(
    async () => {
      if (!(await c.running())) stopped = `the container stopped:\n${await c.logs()}`;
      return (await c.logs()).includes('Operator listening');
    },
    { what: `${c.name} to listen`, timeoutMs: 60_000, intervalMs: 250, abortIf: () => stopped },
  );
}

/** The service account volume a pod of the chart would get, readable by the image's uid 1000. */
function serviceAccountDir(token: string, namespace: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'operator-image-')), 'serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), readFileSync(inject('apiserverCaFile')));
  writeFileSync(join(dir, 'namespace'), namespace);
  chmodSync(join(dir, '..'), 0o755);
  return dir;
}

describe('the operator image', () => {
  it("brings a TrackerCluster to Ready with the chart's ServiceAccount and configuration", async () => {
    const kubeconfig = inject('kubeconfig');
    installCrd(kubeconfig);
    const rest = restFor(kubeconfig);
    const release = `image-${randomBytes(3).toString('hex')}`;
    const sysNs = createNamespace(kubeconfig, 'tracker-system');
    const appNs = createNamespace(kubeconfig, 'image-apps');
    const docs = installChart(kubeconfig, release, sysNs);
    const binder = startVolumeBinder(rest, appNs);
    const doubles = await startDoubles([
      namesOf(cluster(spec, { name: 'img', namespace: appNs })).replicaHost(0, 0),
    ]);
    cleanups.push(
      () => doubles.stop(),
      () => binder.stop(),
    );
    const sa = serviceAccountDir(
      await serviceAccountToken(rest, sysNs, `${release}-tracker-operator`),
      sysNs,
    );
    const configFile = join(sa, '..', 'config.yaml');
    const apiserver = new URL(inject('apiserverUrl'));
    // A free port: the container shares the host's network with everything else here. Another process can
    // take it before the operator binds it: started again on a fresh one then.
    const c = await startOnFreePorts({
      what: 'the operator image',
      ports: 1,
      start: async ([port]) => {
        const http = { port, host: '127.0.0.1' };
        writeFileSync(
          configFile,
          stringify(testOperatorConfig(chartOperatorConfig(docs), doubles.endpoints, http)),
        );
        const c = await runDetached(
          inject('images').operator,
          [
            '--read-only',
            '--user',
            '1000:1000',
            '--network',
            'host',
            '-v',
            `${sa}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
            '-v',
            `${configFile}:/etc/tracker-operator/config.yaml:ro`,
            '-e',
            `KUBERNETES_SERVICE_HOST=${apiserver.hostname}`,
            '-e',
            `KUBERNETES_SERVICE_PORT=${apiserver.port}`,
            '-e',
            `TRACKER_OPERATOR_IDENTITY=${release}-0`,
          ],
          ['--config', '/etc/tracker-operator/config.yaml'],
        );
        cleanups.push(() => c.remove());
        await listening(c);
        return c;
      },
    });
    await createTc(rest, appNs, 'img', spec);
    await waitForCondition(rest, appNs, 'img', 'Ready', 'True', { timeoutMs: 120_000 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\noperator log:\n${await c.logs()}`);
    });
    expect(await c.running()).toBe(true);
    expect(await c.stop(30)).toBe(0);
  });

  it('without credentials exits at once with one line saying where they are looked for', async () => {
    const out = await runOnce(inject('images').operator, ['--read-only', '--network', 'none']);
    expect(out.code).toBe(2);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'error',
      code: 'STARTUP_INVALID',
      msg: expect.stringMatching(
        /^tracker-operator cannot start: no cluster credentials: .*--kubeconfig.*service account/,
      ),
    });
  });

  it('with an unreadable --kubeconfig exits at once with one line naming the file', async () => {
    const out = await runOnce(
      inject('images').operator,
      ['--read-only', '--network', 'none'],
      ['--kubeconfig', '/nonexistent'],
    );
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stderr.trim())).toMatchObject({
      level: 'error',
      msg: 'tracker-operator cannot start: --kubeconfig /nonexistent: no such file',
    });
  });
});
