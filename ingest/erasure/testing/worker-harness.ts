// The erase worker's test harness: a real journal directory, the store's answers scripted (each run of
// the deletes answers the failed tables queued in `failures`, then success), the status rows and log
// lines it wrote kept in order.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErasureRepository, ErasureStatus } from '../../repositories/index.ts';
import { type FileJournal, openFileJournal } from '../file-journal.ts';
import type { EraseTiming, EraseWorkerDeps } from '../worker-api.ts';

export const VID = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
export const ORG = '0a000000-0000-4000-8000-00000000000a';
export const FAST: EraseTiming = { firstRetryMs: 1, maxRetryMs: 4, giveUpAfterMs: 60_000, secondPassMs: 1 };

export interface Harness {
  readonly journal: FileJournal;
  /** The status rows appended, in order. */
  readonly rows: Record<string, unknown>[];
  readonly logs: string[];
  /** What each run of the deletes answers (the failed tables), in turn; then success. */
  readonly failures: string[][];
  runs: number;
  deps(over?: Partial<EraseWorkerDeps>): EraseWorkerDeps;
}

export async function harness(dir = mkdtempSync(join(tmpdir(), 'erase-worker-'))): Promise<Harness> {
  const journal = await openFileJournal(dir);
  const h: Harness = {
    journal,
    rows: [],
    logs: [],
    failures: [],
    runs: 0,
    deps: (over = {}) => ({
      journal,
      repository,
      settled: async () => {},
      eraseDeadLetters: async () => 0,
      append: async (_table, rows) => {
        h.rows.push(...rows);
      },
      now: Date.now,
      log: (level, msg) => h.logs.push(`${level}: ${msg}`),
      ...over,
    }),
  };
  const stored = (id: string): ErasureStatus | undefined => {
    const last = h.rows.filter((r) => r.request_id === id).at(-1);
    return last && { status: String(last.status), detail: String(last.detail) };
  };
  const repository: ErasureRepository = {
    plan: () => [
      { table: 'events', sql: '', params: {} },
      { table: 'ltv', sql: '', params: {} },
    ],
    linked: async () => ({ vids: [], uids: [], ips: [] }),
    run: async () => {
      h.runs++;
      return h.failures.shift() ?? [];
    },
    status: async (id) => stored(id),
  };
  return h;
}

export const statuses = (h: Harness) => h.rows.map((r) => r.status);
/** Resolves once every promise continuation queued so far has run (an immediate runs after them all). */
export const settle = () => new Promise((r) => setImmediate(r));
export const journaled = (h: Harness) => readdirSync(h.journal.dir);
