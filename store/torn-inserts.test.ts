// forgetTornInserts on directories laid out as the embedded engine leaves them (records in its format, as
// an engine of the pinned version writes them): what it forgets, and every case where it must not write.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetTornInserts } from './torn-inserts.ts';

const UUID = '106395f5-3ffe-413a-acef-2bec6a01424f';
const add = (part: string, id: string) => `1\t${part}\t${id}\n`;
const drop = (part: string, id: string) => `2\t${part}\t${id}\n`;
/** The pid of a process that has ended. */
const gone = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

interface Layout {
  /** The status file's pid; undefined: no status file (the engine closed cleanly). */
  readonly pid?: number;
  /** The status file's text instead (one being written names no process yet). */
  readonly status?: string;
  /** Log files by number. */
  readonly logs: Record<number, string>;
  /** Directories in the table's data directory. */
  readonly dirs: readonly string[];
}

function engineDir(layout: Layout): { path: string; log: (n: number) => string } {
  const path = mkdtempSync(join(tmpdir(), 'torn-layout-'));
  const table = join(path, 'store', UUID.slice(0, 3), UUID);
  mkdirSync(join(table, 'deduplication_logs'), { recursive: true });
  for (const [n, text] of Object.entries(layout.logs))
    writeFileSync(join(table, 'deduplication_logs', `deduplication_log_${n}.txt`), text);
  for (const d of layout.dirs) mkdirSync(join(table, d));
  mkdirSync(join(path, 'metadata', 'torn'), { recursive: true });
  writeFileSync(join(path, 'metadata', 'torn', 'rows.sql'), `ATTACH TABLE _ UUID '${UUID}'\n(x UInt64)\n`);
  const status = layout.status ?? (layout.pid === undefined ? undefined : `PID: ${layout.pid}\n`);
  if (status !== undefined) writeFileSync(join(path, 'status'), status);
  const log = (n: number) =>
    readFileSync(join(table, 'deduplication_logs', `deduplication_log_${n}.txt`), 'utf8');
  return { path, log };
}

describe('forgetTornInserts', () => {
  it('forgets the last insert of a killed engine when no part holds its block', () => {
    const before = add('202612_1_1_0', 'a') + add('202612_2_2_0', 'b');
    const { path, log } = engineDir({
      pid: gone(),
      logs: { 1: before },
      dirs: ['202612_1_1_0', 'tmp_insert_202612_2_2_0', 'detached'],
    });
    expect(forgetTornInserts(path)).toEqual([{ table: 'torn.rows', part: '202612_2_2_0', blockIds: ['b'] }]);
    expect(log(1)).toBe(before + drop('202612_2_2_0', 'b'));
  });

  it('forgets every block of the part (an insert of several blocks into one part)', () => {
    const before = add('all_1_1_0', 'a') + add('all_2_2_0', 'b') + add('all_2_2_0', 'c');
    const { path, log } = engineDir({ pid: gone(), logs: { 1: before }, dirs: ['all_1_1_0'] });
    expect(forgetTornInserts(path)).toMatchObject([{ part: 'all_2_2_0', blockIds: ['b', 'c'] }]);
    expect(log(1)).toBe(before + drop('all_2_2_0', 'b') + drop('all_2_2_0', 'c'));
  });

  it('reads the newest log with records (the engine may have opened the next one after the record)', () => {
    const { path, log } = engineDir({ pid: gone(), logs: { 1: add('all_1_1_0', 'a'), 2: '' }, dirs: [] });
    expect(forgetTornInserts(path)).toMatchObject([{ part: 'all_1_1_0' }]);
    expect(log(1)).toBe(add('all_1_1_0', 'a') + drop('all_1_1_0', 'a'));
    expect(log(2)).toBe('');
  });

  it.each<[string, Partial<Layout>]>([
    ['its part is on disk', { dirs: ['all_1_1_0', 'all_2_2_0'] }],
    ['a merged part holds its block', { dirs: ['all_1_2_1'] }],
    ['a mutated part holds its block', { dirs: ['all_1_1_0', 'all_2_2_0_5'] }],
    ['the engine ended cleanly (no status file)', { pid: undefined, dirs: [] }],
    ['the engine that wrote it still runs', { pid: process.ppid, dirs: [] }],
    ['the status file names no process', { pid: undefined, status: '', dirs: [] }],
    ['its last record is cut short', { logs: { 1: `${add('all_1_1_0', 'a')}1\tall_2_2_0\tb` }, dirs: [] }],
    [
      'its last record forgets a block already',
      { logs: { 1: add('all_1_1_0', 'a') + drop('all_1_1_0', 'a') } },
    ],
  ])('writes nothing when %s', (_why, layout) => {
    const logs = layout.logs ?? { 1: add('all_1_1_0', 'a') + add('all_2_2_0', 'b') };
    const { path, log } = engineDir({
      dirs: [],
      ...layout,
      pid: 'pid' in layout ? layout.pid : gone(),
      logs,
    });
    expect(forgetTornInserts(path)).toEqual([]);
    expect(log(1)).toBe(logs[1]);
  });
});
