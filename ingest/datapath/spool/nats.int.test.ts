// The JetStream spool (spool.kind: nats) through createDataPath on the embedded engine, against a real
// nats-server: exactly-once delivery, a crash between insert and commit, a full stream, NATS down.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { NatsSpool } from '../../../common/config/datapath.ts';
import { startNats } from '../../../e2e/env/nats.ts';
import { ManagedProcess } from '../../../e2e/env/process.ts';
import { toolPath } from '../../../e2e/env/tools.ts';
import { waitFor } from '../../../e2e/env/wait.ts';
import { createStore, type Row, type Store } from '../../../store/index.ts';
import { parseConfig } from '../../config.ts';
import { isIngestError } from '../../errors.ts';
import type { DataPath } from '../contract.ts';
import { createDataPath, type DataPathConfig } from '../datapath.ts';
import { testEid as eid, testEvent as event } from '../testing/rows.ts';

// chdb binds one data directory per process: every store in this file shares it (databases differ).
const chdbDir = mkdtempSync(join(tmpdir(), 'nats-spool-int-'));
const opened: DataPath[] = [];
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const dp of opened) await dp.close(1000);
  for (const stop of stops) await stop();
});

let unique = 0;
/** A stream, subject prefix and database of its own for each test. */
function names(what: string) {
  const id = `${what}${Date.now().toString(36)}${unique++}`;
  return { stream: `SPOOL_${id}`, subjectPrefix: `spool.${id}`, database: `nats_${id}` };
}

const group = (from: number, n: number, extra: Row = {}) =>
  Array.from({ length: n }, (_v, k) => event(from + k, extra));

function config(n: ReturnType<typeof names>, nats: Partial<NatsSpool> & { url: string }): DataPathConfig {
  return parseConfig({
    store: { kind: 'embedded', path: chdbDir, database: n.database },
    spool: {
      kind: 'nats',
      dir: mkdtempSync(join(tmpdir(), 'nats-spool-dl-')),
      nats: { stream: n.stream, subjectPrefix: n.subjectPrefix, ...nats },
    },
    batching: {
      breaker: { failureThreshold: 3, openMs: 20, maxOpenMs: 100 },
      tables: { events: { strategy: 'hybrid', maxRows: 40, maxDelayMs: 20, backoffMs: 10 } },
    },
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  await waitFor(async () => await check(), { what, timeoutMs: ms, intervalMs: 20 });
}

const counts = async (store: Store) => {
  const [r] = await store.query<{ n: number; u: number }>(
    'SELECT count() AS n, uniqExact(eid) AS u FROM events',
  );
  return { n: Number(r?.n), u: Number(r?.u) };
};

async function streamMessages(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

describe('the NATS JetStream spool', () => {
  it('delivers every appended event exactly once and removes delivered messages', async () => {
    const url = inject('natsUrl');
    const n = names('once');
    const dp = await createDataPath(config(n, { url }));
    for (let i = 0; i < 200; i += 10) await dp.append('events', group(i, 10));
    await dp.append('payments', [{ id: eid(1), revenue: 9.5, currency: 'EUR' }]);
    await dp.close(10_000);

    const again = await createDataPath(config(n, { url }));
    opened.push(again);
    expect(await counts(again.store)).toEqual({ n: 200, u: 200 });
    expect(await again.store.query('SELECT revenue FROM payments')).toEqual([{ revenue: 9.5 }]);
    expect(await streamMessages(url, n.stream)).toBe(0);
  });

  it('does not duplicate after a crash between the insert and the commit', async () => {
    const url = inject('natsUrl');
    const n = names('crash');
    const real = await createStore({ kind: 'embedded', path: chdbDir, database: n.database });
    let inserts = 0;
    // Every insert reaches the store, then the "process" dies before it hears back: no commit ever.
    const crashing: Store = {
      ...real,
      kind: real.kind,
      insert: real.insert.bind(real),
      query: real.query.bind(real),
      command: real.command.bind(real),
      ping: real.ping.bind(real),
      async insertJsonLines(table, lines, opts) {
        await real.insertJsonLines(table, lines, opts);
        inserts++;
        throw new Error('simulated crash after the insert');
      },
      close: async () => undefined,
    };
    const first = await createDataPath(config(n, { url }), { store: crashing, migrate: true });
    for (let i = 0; i < 100; i += 10) await first.append('events', group(i, 10));
    await until(() => inserts >= 3, 'a batch inserted (and retried) without a commit');
    await first.close(50);
    const before = await counts(real);
    expect(before.n).toBeGreaterThan(0);
    expect(before.n).toBeLessThan(100);
    expect(before.u).toBe(before.n);
    expect(await streamMessages(url, n.stream)).toBeGreaterThan(0);

    // A second instance replays the same cut with the same token; the store drops the copy.
    const second = await createDataPath(config(n, { url }));
    opened.push(second);
    await until(() => second.status().queues.events?.rows === 0, 'the stream to drain');
    await until(async () => (await counts(second.store)).n >= 100, 'all 100 events');
    expect(await counts(second.store)).toEqual({ n: 100, u: 100 });
    // The commit that removes a batch's messages follows its insert's answer: await it, not assume it.
    await until(async () => (await streamMessages(url, n.stream)) === 0, 'the stream emptied by the commits');
    expect(await counts(second.store)).toEqual({ n: 100, u: 100 });
    await real.close();
  });

  it('two instances sharing one stream deliver every event exactly once', async () => {
    const url = inject('natsUrl');
    const n = names('shared');
    const [a, b] = [await createDataPath(config(n, { url })), await createDataPath(config(n, { url }))];
    opened.push(a, b);
    const fill = (dp: DataPath, from: number) =>
      (async () => {
        for (let i = from; i < from + 300; i += 10) await dp.append('events', group(i, 10));
      })();
    await Promise.all([fill(a, 0), fill(b, 300)]);
    await until(async () => (await counts(a.store)).n >= 600, 'all 600 events');
    await until(
      () => a.status().queues.events?.rows === 0 && b.status().queues.events?.rows === 0,
      'both instances to drain',
    );
    expect(await counts(b.store)).toEqual({ n: 600, u: 600 });
    expect(await streamMessages(url, n.stream)).toBe(0);
  });

  it('settled() on one instance waits for the rows another instance acknowledged on the stream', async () => {
    const url = inject('natsUrl');
    const n = names('settled');
    const c = config(n, { url });
    // neither instance flushes by its strategy: whatever reaches the store, settled() delivered
    const held = parseConfig({
      ...c,
      batching: { tables: { events: { strategy: 'size', maxRows: 1_000_000 } } },
    });
    const [a, b] = [await createDataPath(held), await createDataPath(held)];
    opened.push(a, b);
    for (let i = 0; i < 30; i += 10) await a.append('events', group(i, 10));
    // payments has no message in the stream: nothing to wait for there; visitors is filled by a
    // materialized view (an erasure names such tables too): never in the spool, no log opened for it
    await b.settled(['events', 'payments', 'visitors']);
    expect(await counts(b.store)).toEqual({ n: 30, u: 30 });
    expect(Object.keys(b.status().queues).sort()).toEqual(['events', 'payments']);
  });

  it('refuses an append larger than the NATS max_payload as INVALID_EVENT (a retry would never help)', async () => {
    const dp = await createDataPath(config(names('payload'), { url: inject('natsUrl') }));
    opened.push(dp);
    const huge = group(0, 300, { url: `/p/${'x'.repeat(4000)}` });
    await expect(dp.append('events', huge)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('answers OVERLOADED with Retry-After when the stream is full', async () => {
    const url = inject('natsUrl');
    const n = names('full');
    const c = config(n, { url });
    const dp = await createDataPath(
      parseConfig({
        ...c,
        spool: { ...c.spool, maxBytes: 1_048_576, retryAfterSeconds: 7 },
        // Nothing flushes while we fill it.
        batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000, maxRows: 1_000_000 } } },
      }),
    );
    opened.push(dp);
    const big = { url: `/p/${'x'.repeat(1000)}` };
    let refused: unknown;
    for (let i = 0; i < 10_000 && refused === undefined; i += 100)
      await dp.append('events', group(i, 100, big)).catch((err: unknown) => {
        refused = err;
      });
    expect(isIngestError(refused, 'OVERLOADED')).toBe(true);
    expect(refused).toMatchObject({ statusCode: 503, retryAfterS: 7 });
  });

  it('answers OVERLOADED while NATS is down, then recovers and delivers everything once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-down-'));
    const nats = await startNats(dir);
    let proc = nats.process;
    stops.push(() => proc.stop());
    const n = names('down');
    const dp = await createDataPath(config(n, { url: nats.url, publishTimeoutMs: 1000 }));
    opened.push(dp);
    for (let i = 0; i < 50; i += 10) await dp.append('events', group(i, 10));

    await proc.stop();
    const refused = await dp.append('events', group(50, 10)).catch((err: unknown) => err);
    expect(isIngestError(refused, 'OVERLOADED')).toBe(true);
    expect(refused).toMatchObject({ retryAfterS: 5 });
    // /ready reflects it: a pod whose spool cannot take appends leaves the Service until NATS returns.
    expect(dp.status().ready).toBe(false);

    // The same server (port and JetStream store) comes back; the client reconnects by itself.
    proc = restartNats(dir, Number(new URL(nats.url).port));
    let accepted = 50;
    await until(
      () =>
        dp.append('events', group(accepted, 10)).then(
          () => true,
          () => false,
        ),
      'appends to be accepted again',
    );
    accepted += 10;
    expect(dp.status().ready).toBe(true);
    for (; accepted < 100; accepted += 10) await dp.append('events', group(accepted, 10));
    await until(async () => (await counts(dp.store)).n >= 100, 'all 100 events');
    await until(() => dp.status().queues.events?.rows === 0, 'the stream to drain');
    expect(await counts(dp.store)).toEqual({ n: 100, u: 100 });
  });

  it('keeps every acknowledged event when nats-server is killed while batches are cut and committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-killed-'));
    const nats = await startNats(dir);
    let proc = nats.process;
    stops.push(() => proc.stop());
    const n = names('killed');
    const dp = await createDataPath(config(n, { url: nats.url, publishTimeoutMs: 1000 }));
    opened.push(dp);
    for (let i = 0; i < 200; i += 10) await dp.append('events', group(i, 10));

    // No shutdown of its own: whatever the server had acknowledged must be in its files.
    const exited = once(proc.child, 'exit');
    proc.child.kill('SIGKILL');
    await exited;
    proc = restartNats(dir, Number(new URL(nats.url).port));
    await until(async () => (await counts(dp.store)).n >= 200, 'all 200 events');
    await until(
      async () => (await streamMessages(nats.url, n.stream)) === 0,
      'the stream emptied by the commits',
    );
    expect(await counts(dp.store)).toEqual({ n: 200, u: 200 });
  });
});

function restartNats(dir: string, port: number): ManagedProcess {
  return new ManagedProcess({
    name: 'nats-server',
    command: toolPath('nats-server'),
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'jetstream')],
    logFile: join(dir, 'nats-restarted.log'),
  });
}
