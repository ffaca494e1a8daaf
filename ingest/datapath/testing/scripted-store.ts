// The data path's unit tests' scripted store (no engine) and their shared setup: a data path opened on it in
// a directory of the test's own, events, waiting for an outcome, filling the spool until it refuses.
// The tests are datapath*.test.ts beside this folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonLines, joinedLines, type Row, type Store } from '../../../store/index.ts';
import { parseConfig } from '../../config.ts';
import type { DataPath } from '../contract.ts';
import { createDataPath, type DataPathConfig } from '../datapath.ts';
import { testEid } from './rows.ts';

/** An error as chdb or @clickhouse/client reports one the engine answered with. */
export const engineError = (code: number, message: string) =>
  Object.assign(new Error(`Code: ${code}. DB::Exception: ${message}`), { code: String(code) });

export const OUT_OF_FILES =
  'Cannot open file /data/store/tmp_insert_202612_2_2_0/params.a.dynamic_structure.bin: , errno: 24, strerror: Too many open files. (CANNOT_OPEN_FILE)';

/**
 * Inserts into memory; rows containing "poison" fail as ClickHouse parse errors do; `down` fails
 * everything; `refuse` scripts any other answer to an insert (its text and its number of rows).
 */
export class ScriptedStore implements Store {
  readonly kind = 'embedded' as const;
  readonly rows: Row[] = [];
  readonly tokens = new Set<string>();
  down = false;
  inserts = 0;
  refuse: (text: string, rows: number) => Error | undefined = () => undefined;
  async insert(): Promise<void> {}
  async insertJsonLines(_table: string, lines: JsonLines, opts: { dedupToken: string }): Promise<void> {
    this.inserts++;
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const text = (await joinedLines(lines)).toString();
    if (text.includes('poison')) throw engineError(27, 'Cannot parse input');
    const refused = this.refuse(text, text.trim().split('\n').length);
    if (refused) throw refused;
    if (this.tokens.has(opts.dedupToken)) return;
    this.tokens.add(opts.dedupToken);
    for (const line of text.trim().split('\n')) this.rows.push(JSON.parse(line));
  }
  async query<T>(): Promise<T[]> {
    return [];
  }
  async command(): Promise<void> {}
  async ping(): Promise<boolean> {
    return !this.down;
  }
  async close(): Promise<void> {}
}

/** Retries and open periods of a few milliseconds: a test waits for outcomes, not for backoff. */
export const FAST_BREAKER = { failureThreshold: 2, openMs: 10, maxOpenMs: 20 };

/** Sections of the ingest configuration given in part; the one loader fills in the rest. */
export type Sections = { store?: object; spool?: object; batching?: object };

export const config = (dir: string, more: Sections = {}): DataPathConfig =>
  parseConfig({
    store: { kind: 'embedded', path: join(dir, 'db') },
    batching: { maxConcurrentFlushes: 2, breaker: { failureThreshold: 2, openMs: 10, maxOpenMs: 50 } },
    ...more,
    // Always inside the test's own directory (the schema default is ./data/spool).
    spool: { fsyncIntervalMs: 1, ...more.spool, dir: join(dir, 'spool') },
  });
export const open = (store: Store, more: Sections = {}, dir = mkdtempSync(join(tmpdir(), 'dp-'))) =>
  createDataPath(config(dir, more), { store, migrate: false });
export const event = (i: number, extra: Row = {}): Row => ({
  eid: testEid(i),
  ename: 'view',
  ...extra,
});

export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** Appends 10 KB events until one is refused (at most 200): how many were written, and the refusal. */
export async function fillUntilRefused(dp: DataPath): Promise<{ written: number; err: unknown }> {
  const big = 'x'.repeat(10_000);
  let written = 0;
  let err: unknown;
  for (let i = 0; i < 200 && !err; i++) {
    err = await dp.append('events', [event(i, { url: big })]).catch((e) => e);
    if (!err) written++;
  }
  return { written, err };
}
