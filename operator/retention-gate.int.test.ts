// The schema step when a TTL change or a rollup-rule write fails (a host refuses it: a fake fault,
// busy-ttl.ts, in front of real ClickHouse-HTTP test doubles): every table exists and takes inserts, so the
// gate stays open
// (SchemaReady=True/RetentionPending, the ingest is not held back), a Warning Event says why, once while
// the cause stays the same, and the pass is retried after queue.progressRequeueMs until the TTLs match. A
// fake apiserver records the Events (the step only creates them).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { credentialKeys, namesOf } from '../cdk8s/index.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { ConditionReason as Reason, ConditionType as Type } from '../crds/conditions.ts';
import type { KubeObject } from '../kube/object.ts';
import { type ClickHouseAccess, clickhouseAccess } from './clickhouse.ts';
import { parseConfig } from './config.ts';
import { createLogger } from './log.ts';
import { newState } from './reconcile/runner.ts';
import type { Deps } from './reconcile/state.ts';
import { schema } from './steps/schema.ts';
import { schemaOwner, schemaTasks } from './steps/schema-task.ts';
import { type BusyTtl, busyTtl } from './testing/busy-ttl.ts';
import { startDoubles } from './testing/clickhouse-doubles.ts';

const retryMs = 100;
const tcWith = (retention: object, rollups?: object) =>
  cluster(
    { clickhouse: { shards: 1, replicas: 2 }, schema: { retention, ...(rollups ? { rollups } : {}) } },
    { uid: 'u-gate', generation: 1 },
  );
const names = namesOf(tcWith({}));
const hosts = [0, 1].map((replica) => names.replicaHost(0, replica));

describe('a settings change that fails (a TTL, the rollup rules)', () => {
  let doubles: Awaited<ReturnType<typeof startDoubles>>;
  let real: ClickHouseAccess;
  let busy: BusyTtl;
  const events: { type: string; reason: string; message: string }[] = [];
  const tasks = schemaTasks(() => undefined);
  let deps: Deps;
  const run = async (retention: object, rollups?: object) => {
    const tc = tcWith(retention, rollups);
    const state = { ...newState({ ...tc, status: {} } as unknown as KubeObject), tc };
    const outcome = await schema.run(state, deps);
    return { outcome, state, condition: state.conditions.get(Type.SchemaReady) };
  };
  const eventsOf = (reason: string) => events.filter((e) => e.reason === reason);

  beforeAll(async () => {
    doubles = await startDoubles(hosts);
    real = clickhouseAccess(
      parseConfig({ clickhouse: { schemaMode: 'per-replica', endpoints: doubles.endpoints } }).clickhouse,
    );
    busy = busyTtl(real);
    const password = { data: { [credentialKeys.password]: '' } };
    deps = {
      clickhouse: busy.access,
      schemaTasks: tasks,
      config: { queue: { progressRequeueMs: retryMs }, watch: { relistIntervalMs: 600_000 } },
      log: createLogger('error', {}, () => undefined),
      cache: {
        get: (_k: unknown, _ns: string, name: string) => (name === names.credentials ? password : undefined),
      },
      rest: {
        // FAKE apiserver: records the Events the step creates.
        request: async (_verb: string, _path: string, opts: { body: Record<string, string> }) => {
          events.push({ type: opts.body.type!, reason: opts.body.reason!, message: opts.body.message! });
          return opts.body;
        },
      },
    } as unknown as Deps;
    // The cluster as created: verified, every table keeps its rows for ever.
    await run({});
    await tasks.drain(30_000);
    expect((await run({})).condition).toMatchObject({ status: 'True', reason: Reason.Available });
  });

  afterAll(async () => {
    await real?.close();
    await doubles?.stop();
  });

  // Regression: the refused ALTER failed the pass, SchemaReady=False/MigrationFailed closed the gate and
  // held back the ingest's rollout although every table existed.
  it('keeps the schema gate open, warns once, and retries after the requeue delay until the TTLs match', async () => {
    busy.refuse(hosts[1]!, 'logs');
    await run({ defaultDays: 30 });
    await tasks.drain(30_000);
    const failed = await run({ defaultDays: 30 });
    expect(failed.outcome).toBe('continue');
    expect(failed.condition).toMatchObject({ status: 'True', reason: Reason.RetentionPending });
    expect(failed.condition?.message).toMatch(/apply retention on .*-ch-0-1-0\S*: apply retention to logs/);
    expect(failed.state.requeueAfterMs).toBeLessThanOrEqual(retryMs);
    expect(eventsOf('RetentionFailed')).toEqual([
      expect.objectContaining({ type: 'Warning', message: expect.stringContaining('replica busy') }),
    ]);
    // What the first host changed is told, with the host it was changed on.
    expect(eventsOf('RetentionApplied').map((e) => e.message)).toEqual([
      expect.stringMatching(
        new RegExp(`\\blogs\\b[^;]* keep rows 30 days \\(were kept for ever\\) on ${hosts[0]}`),
      ),
    ]);

    // The retry fails alike: no second Warning, the gate still open.
    const failedAt = tasks.last(schemaOwner(tcWith({})))?.at ?? 0;
    await vi.waitFor(() => expect(performance.now() - failedAt).toBeGreaterThanOrEqual(retryMs));
    await run({ defaultDays: 30 });
    await tasks.drain(30_000);
    expect((await run({ defaultDays: 30 })).condition?.reason).toBe(Reason.RetentionPending);
    expect(eventsOf('RetentionFailed')).toHaveLength(1);

    busy.heal();
    const retryAt = tasks.last(schemaOwner(tcWith({})))?.at ?? 0;
    await vi.waitFor(() => expect(performance.now() - retryAt).toBeGreaterThanOrEqual(retryMs));
    await run({ defaultDays: 30 });
    await tasks.drain(30_000);
    const healed = await run({ defaultDays: 30 });
    expect(healed.condition).toMatchObject({ status: 'True', reason: Reason.Available });
    expect(eventsOf('RetentionApplied').at(-1)?.message).toMatch(
      new RegExp(`\\blogs\\b[^;]* keep rows 30 days \\(were kept for ever\\) on ${hosts[1]}`),
    );
  });

  // Regression: a refused write of the rollup rules (every table exists and takes inserts, as with a TTL)
  // failed the pass, SchemaReady=False/MigrationFailed closed the gate and held back the ingest's rollout.
  it('keeps the gate open when the rollup rules cannot be written, names the host, and retries', async () => {
    const retention = { defaultDays: 30 };
    const rollups = { impressionDaily: { impressionEnames: ['promo_view'] } };
    const warnings = events.filter((e) => e.type === 'Warning').length;
    busy.refuse(hosts[1]!, 'rollup_settings');
    const before = tasks.last(schemaOwner(tcWith({})))?.at ?? 0;
    await vi.waitFor(() => expect(performance.now() - before).toBeGreaterThanOrEqual(retryMs));
    await run(retention, rollups);
    await tasks.drain(30_000);
    const failed = await run(retention, rollups);
    expect(failed.outcome).toBe('continue');
    expect(failed.condition).toMatchObject({ status: 'True', reason: Reason.RetentionPending });
    expect(failed.condition?.message).toMatch(/write rollup rules on .*-ch-0-1-0\S*: .*replica busy/);
    expect(failed.state.requeueAfterMs).toBeLessThanOrEqual(retryMs);
    expect(events.filter((e) => e.type === 'Warning').slice(warnings)).toEqual([
      expect.objectContaining({
        reason: 'RetentionFailed',
        message: expect.stringMatching(new RegExp(`rollup rules on ${hosts[1]}.*replica busy`)),
      }),
    ]);

    busy.heal();
    const retryAt = tasks.last(schemaOwner(tcWith({})))?.at ?? 0;
    await vi.waitFor(() => expect(performance.now() - retryAt).toBeGreaterThanOrEqual(retryMs));
    await run(retention, rollups);
    await tasks.drain(30_000);
    expect((await run(retention, rollups)).condition).toMatchObject({
      status: 'True',
      reason: Reason.Available,
    });
  });
});
