// Shared by the crash-test child processes (disk-child.ts for the disk spool, nats-child.ts for
// JetStream): the rows they append, their JSON-lines progress channel, and the final count report.
import { join } from 'node:path';
import { EmbeddedStore } from '../../../store/index.ts';
import { testEid as eid } from './rows.ts';

export const say = (msg: object): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};

/** Row `i` of a crash test: its eid and duration both encode `i`, so gaps and doubles are visible. */
export const row = (i: number) => ({
  eid: eid(i),
  vid: eid(i % 7),
  ename: 'crash_test',
  duration: i,
  created_at: new Date().toISOString(),
});

/** {count, uniq, max} of the crash-test rows in the store (max -1 when empty). */
export async function stored(store: Pick<EmbeddedStore, 'query'>) {
  const [r] = await store.query<{ count: string; uniq: string; max: string }>(
    "SELECT count() AS count, uniqExact(eid) AS uniq, max(duration) AS max FROM events WHERE ename = 'crash_test'",
  );
  const count = Number(r?.count ?? 0);
  return { count, uniq: Number(r?.uniq ?? 0), max: count === 0 ? -1 : Number(r?.max) };
}

/** `count` mode: print the summary; on a failing run also which indices are missing or doubled. */
export async function reportStored(dir: string): Promise<void> {
  const store = await EmbeddedStore.open({ path: join(dir, 'chdb'), database: 'tracker' });
  const summary = await stored(store);
  say(summary);
  if (summary.count !== summary.max + 1 || summary.uniq !== summary.count) {
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
