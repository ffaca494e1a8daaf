// Test support: the embedded engine's files as a process killed in the middle of an insert's commit
// leaves them. The engine commits an insert by appending its block to the table's deduplication log and
// then renaming the part from tmp_insert_<part> to <part>; a kill between the two leaves the record and
// the temporary directory. After a kill that came just after a commit, renaming the last part back gives
// exactly that state (the test that kills the engine at that very rename needs a debugger; this needs
// nothing).
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const PART = /^[^_]+_\d+_(\d+)_\d+(?:_\d+)?$/;

/** The data directory of `database.table` under an engine directory (an Atomic database's store/). */
export function tableDir(engineDir: string, database: string, table: string): string {
  const sql = readFileSync(join(engineDir, 'metadata', database, `${table}.sql`), 'utf8');
  const uuid = /UUID '([0-9a-f-]+)'/.exec(sql)?.[1];
  if (uuid === undefined) throw new Error(`no UUID in the metadata of ${database}.${table}`);
  return join(engineDir, 'store', uuid.slice(0, 3), uuid);
}

/** Moves the table's most recent part back to its temporary name; returns the part's name. */
export function undoLastCommit(dir: string): string {
  const parts = readdirSync(dir).filter((name) => PART.test(name));
  const maxBlock = (name: string) => Number(PART.exec(name)?.[1]);
  const last = parts.sort((a, b) => maxBlock(a) - maxBlock(b)).at(-1);
  if (last === undefined) throw new Error(`no part in ${dir}`);
  renameSync(join(dir, last), join(dir, `tmp_insert_${last}`));
  return last;
}
