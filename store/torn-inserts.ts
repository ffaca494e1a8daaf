// Inserts the embedded engine acknowledged to nobody but still remembers as deduplicated (ADR 0036).
//
// A MergeTree table with a deduplication window commits an insert in this order, under the table's parts
// lock: (1) append "ADD <part> <block id>" to <table dir>/deduplication_logs/deduplication_log_<n>.txt,
// (2) rename the written part from tmp_insert_… to its name. A process killed between the two leaves a
// record whose part never became part of the table (the engine deletes tmp_ directories at start). The
// next start replays the batch with the same insert_deduplication_token; the engine finds the record,
// answers success and stores nothing: the whole batch is lost, silently.
//
// Before the engine opens a directory that a killed process left, the last commit of every table is
// looked at; if no part on disk holds its block, a "DROP" record (the engine's own way to forget a block
// it dropped) is appended after it, so the replay is stored. A commit whose part is on disk keeps its
// record: its replay is still deduplicated.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** The record of an insert whose part never reached the table, now forgotten by the engine. */
export interface TornInsert {
  /** database.table when the catalog names it, else the table's data directory. */
  readonly table: string;
  readonly part: string;
  readonly blockIds: readonly string[];
}

const LOGS = 'deduplication_logs';
const LOG_FILE = /^deduplication_log_(\d+)\.txt$/;
/** <partition id>_<min block>_<max block>_<level>[_<mutation>]; temporary directories do not match. */
const PART = /^([^_]+)_(\d+)_(\d+)_(\d+)(?:_(\d+))?$/;
const ADD = '1';
const DROP = '2';

interface Blocks {
  readonly partition: string;
  readonly min: number;
  readonly max: number;
}

function blocksOf(part: string): Blocks | undefined {
  const m = PART.exec(part);
  return m ? { partition: m[1] as string, min: Number(m[2]), max: Number(m[3]) } : undefined;
}

/**
 * Forgets the torn last insert of every table under `path`, when the engine that used it last did not
 * end cleanly. Call before the engine opens `path`, and never while another process has it open.
 */
export function forgetTornInserts(path: string): TornInsert[] {
  if (!endedUncleanly(path)) return [];
  const torn: TornInsert[] = [];
  for (const dir of tableDirs(path)) {
    const t = forgetTornLastInsert(dir);
    if (t) torn.push({ ...t, table: tableName(path, dir) ?? dir });
  }
  return torn;
}

/**
 * The engine writes <path>/status (with its pid) while it runs and removes it when it closes: a status
 * file whose process is gone was left by a kill. One whose process lives belongs to an engine that still
 * holds the directory (it will refuse to open it): its files are not ours to touch, nor are they when the
 * file names no process (one being written). A pid equal to ours is a previous process's (a container's
 * first process has the same pid every time); the caller makes sure this process has not opened the
 * directory itself.
 */
function endedUncleanly(path: string): boolean {
  let status: string;
  try {
    status = readFileSync(join(path, 'status'), 'utf8');
  } catch {
    return false;
  }
  const pid = Number(/PID:\s*(\d+)/.exec(status)?.[1]);
  return Number.isInteger(pid) && (pid === process.pid || !alive(pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is another user's
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Data directories of the tables of Atomic databases (the default): <path>/store/<xyz>/<uuid>. */
function tableDirs(path: string): string[] {
  const store = join(path, 'store');
  if (!existsSync(store)) return [];
  return readdirSync(store, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(store, d.name)).map((uuid) => join(store, d.name, uuid)))
    .filter((dir) => existsSync(join(dir, LOGS)));
}

/**
 * A table's parts are committed one at a time under its parts lock, and the record is written inside it
 * just before the rename: a torn commit is always the last thing in the table's newest log that has any.
 * Its part cannot be covered by a merged part either: nothing was committed after it.
 */
function forgetTornLastInsert(dir: string): Omit<TornInsert, 'table'> | undefined {
  const log = newestLog(join(dir, LOGS));
  if (log === undefined) return undefined;
  const text = readFileSync(log, 'utf8');
  // a record cut short is the engine's to read (and reject); never write after it
  if (!text.endsWith('\n')) return undefined;
  const last = lastCommit(text);
  const blocks = last && blocksOf(last.part);
  if (!last || !blocks || partsOnDisk(dir).some((p) => covers(p, blocks))) return undefined;
  appendDrops(log, last.part, last.blockIds);
  return last;
}

function newestLog(logs: string): string | undefined {
  const numbered = readdirSync(logs)
    .map((name) => ({ name, n: Number(LOG_FILE.exec(name)?.[1] ?? Number.NaN) }))
    .filter((f) => !Number.isNaN(f.n))
    .sort((a, b) => b.n - a.n);
  for (const f of numbered) {
    const file = join(logs, f.name);
    if (statSync(file).size > 0) return file;
  }
  return undefined;
}

/** The trailing ADD records of one part (an insert of several blocks into one part writes several). */
function lastCommit(text: string): { part: string; blockIds: string[] } | undefined {
  const records = text.trimEnd().split('\n');
  const blockIds: string[] = [];
  let part: string | undefined;
  for (let i = records.length - 1; i >= 0; i--) {
    const [op, name, blockId] = (records[i] as string).split('\t');
    if (op !== ADD || name === undefined || blockId === undefined || (part !== undefined && name !== part))
      break;
    part = name;
    blockIds.unshift(blockId);
  }
  return part === undefined ? undefined : { part, blockIds };
}

function partsOnDisk(dir: string): Blocks[] {
  return readdirSync(dir)
    .map(blocksOf)
    .filter((b) => b !== undefined);
}

const covers = (p: Blocks, b: Blocks): boolean =>
  p.partition === b.partition && p.min <= b.min && b.max <= p.max;

/** Appended in one write and synced: the engine reads the log in order, so the DROP undoes the ADD. */
function appendDrops(log: string, part: string, blockIds: readonly string[]): void {
  const fd = openSync(log, 'a');
  try {
    writeSync(fd, blockIds.map((id) => `${DROP}\t${part}\t${id}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** database.table of a data directory, from the catalog's `ATTACH TABLE _ UUID '<uuid>'` files. */
function tableName(path: string, dir: string): string | undefined {
  const uuid = dir.slice(dir.lastIndexOf('/') + 1);
  const metadata = join(path, 'metadata');
  if (!existsSync(metadata)) return undefined;
  // <db>.sql beside <db>/, a link into store/ for an Atomic database
  for (const db of readdirSync(metadata).filter((name) => !name.endsWith('.sql'))) {
    if (!statSync(join(metadata, db)).isDirectory()) continue;
    for (const file of readdirSync(join(metadata, db)).filter((name) => name.endsWith('.sql'))) {
      if (readFileSync(join(metadata, db, file), 'utf8').includes(`UUID '${uuid}'`))
        return `${db}.${file.slice(0, -'.sql'.length)}`;
    }
  }
  return undefined;
}
