// The prune CronJob's pod has the ingest's configuration and the store password, nothing else the ingest pods
// mount (TLS, the hash key). Its command must load that configuration as rendered for a real cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster, find, json } from '../../cdk8s/testing/cluster.ts';
import { ConfigError } from '../../common/config/problems.ts';
import { loadConfig, parseConfig, storeRendering } from '../../ingest/config.ts';
import { eraseStatements } from '../../ingest/repositories/erasures.ts';
import { pruneRequest } from './request.ts';
import { jobStatement } from './run.ts';

const tc = cluster({
  schema: { retention: { defaultDays: 365 }, prune: { schedule: '@daily', retention: { defaultDays: 30 } } },
  ingest: { tls: { secretName: 'tls' } },
});

describe("the prune CronJob's configuration", () => {
  const objects = renderCluster(tc).objects;
  const dir = mkdtempSync(join(tmpdir(), 'cronjob-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, json(find(objects, 'ConfigMap', 'demo-ingest')).data['config.json']);
  // The pod mounts the password at the configured path; here it is a file of the test's own.
  const password = join(dir, 'password');
  writeFileSync(password, 'secret');
  const env = { TRACKER_STORE__PASSWORDFILE: password };

  it('loads for prune, which reads the password and not the TLS files or hash key it does not mount', () => {
    const config = loadConfig(file, env, { files: ['store.passwordFile'] });
    expect(config.store).toMatchObject({ kind: 'clickhouse', cluster: 'tracker' });
    const args = json(find(objects, 'CronJob', 'demo-prune')).spec.jobTemplate.spec.template.spec
      .containers[0].args as string[];
    expect(
      pruneRequest({ apply: true, days: args[args.indexOf('--days') + 1] }, config.retention).retention,
    ).toEqual({
      defaultDays: 30,
      tables: {},
    });
  });

  it('would not load with the ingest pods file checks (what stopped the job before)', () => {
    expect(() => loadConfig(file, env)).toThrow(ConfigError);
    expect(() => loadConfig(file, env)).toThrow(
      /server\.tls\.certFile: no such file.*\n.*\n.*privacy\.hashKeyFile/s,
    );
  });
});

// Regression: in per-replica schema mode (the single-node schema on each server, no Keeper) the rendered
// configuration still named the cluster, so erasure and the prune job sent `X_local ON CLUSTER` mutations
// that no server there can run. What each mode's rendered configuration makes them send:
describe.each([
  ['cluster', /^ALTER TABLE `tracker`\.`events_local` ON CLUSTER 'tracker' DELETE .* mutations_sync = 2$/],
  ['per-replica', /^ALTER TABLE `tracker`\.`events` DELETE .* mutations_sync = 1$/],
] as const)('the %s schema mode', (schemaMode, statement) => {
  const rendered = renderCluster(cluster({ clickhouse: { replicas: 2 } }), { schemaMode });
  const raw = JSON.parse(json(find(rendered.objects, 'ConfigMap', 'demo-ingest')).data['config.json']);
  const { store } = parseConfig(raw, 'rendered', [], { files: [] });

  it('erasure targets the tables the schema step created', () => {
    const events = eraseStatements({ vid: '1d2c3b4a-0000-4000-8000-000000000001' }, storeRendering(store));
    expect(events.find((s) => s.table === 'events')?.sql).toMatch(statement);
  });

  it('the prune job targets them too', () => {
    const rendering = storeRendering(store);
    const job = { table: 'events', action: 'delete', where: 'vid = {v:UUID}', note: '' } as const;
    expect(jobStatement(job as never, rendering)).toMatch(statement);
  });
});
