// Child process of nats-crash.int.test.ts: the real data path with the JetStream spool and the
// embedded store, reporting progress on stdout as JSON lines (like testing/child.ts for the disk spool).
//   node nats-crash-child.ts ingest <dir> <natsUrl> <stream> <total>
//   node nats-crash-child.ts count <dir>
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDataPath } from '../datapath.ts';
import { EmbeddedStore } from '../store/embedded.ts';

const [mode, dir = '', url = '', stream = '', totalArg = '0'] = process.argv.slice(2);
const say = (msg: object): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};
const eid = (i: number): string => `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`;
const row = (i: number) => ({
  eid: eid(i),
  vid: eid(i % 7),
  ename: 'crash_test',
  duration: i,
  created_at: new Date().toISOString(),
});
const QUERY =
  "SELECT count() AS count, uniqExact(eid) AS uniq, max(duration) AS max FROM events WHERE ename = 'crash_test'";

async function stored(store: Pick<EmbeddedStore, 'query'>) {
  const [r] = await store.query<{ count: string; uniq: string; max: string }>(QUERY);
  const count = Number(r?.count ?? 0);
  return { count, uniq: Number(r?.uniq ?? 0), max: count === 0 ? -1 : Number(r?.max) };
}

/** Waits until the stream is empty: every row a previous run left (acknowledged or not) is stored. */
async function drained(): Promise<void> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  while ((await jsm.streams.info(stream).catch(() => undefined))?.state.messages !== 0)
    await new Promise((r) => setTimeout(r, 20));
  await nc.close();
}

async function ingest(): Promise<void> {
  const total = Number(totalArg);
  const dp = await createDataPath({
    store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
    spool: { kind: 'nats', dir: join(dir, 'spool'), nats: { url, stream, subjectPrefix: `crash.${stream}` } },
    batching: { tables: { events: { strategy: 'hybrid', maxRows: 50, maxDelayMs: 20 } } },
  });
  await drained();
  const { max } = await stored(dp.store);
  say({ resume: max });
  for (let i = max + 1; i < total; i += 10) {
    await dp.append(
      'events',
      Array.from({ length: Math.min(10, total - i) }, (_v, k) => row(i + k)),
    );
    say({ ack: Math.min(i + 9, total - 1) });
  }
  await dp.close(30_000);
  say({ done: true });
}

async function count(): Promise<void> {
  const store = await EmbeddedStore.open({ path: join(dir, 'chdb'), database: 'tracker' });
  const summary = await stored(store);
  say(summary);
  if (summary.count !== summary.max + 1 || summary.uniq !== summary.count) {
    // Diagnostics for a failing run: which indices are missing or doubled.
    const rows = await store.query<{ d: number }>(
      "SELECT duration AS d FROM events WHERE ename = 'crash_test'",
    );
    const seen = new Map<number, number>();
    for (const r of rows) seen.set(Number(r.d), (seen.get(Number(r.d)) ?? 0) + 1);
    const missing = [...Array(summary.max + 1).keys()].filter((i) => !seen.has(i));
    const doubled = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
    process.stderr.write(`${JSON.stringify({ missing, doubled })}\n`);
  }
  await store.close();
}

await (mode === 'ingest' ? ingest() : count());
