// The erasure journal: what an accepted erase request needs to be finished (its id, its target, when it
// was asked), kept on disk from before the request is answered until it is finished, so a request the
// process could not finish (a stop, a crash) is resumed at the next start. It lives in the state
// directory, not in the store: a row holding the person's ids would be deleted by the very erasure it
// describes, and would be replicated and backed up with the data.
//
// One file per request (`<request id>.json`) rather than one log: finishing a request removes the only
// copy of the person's ids at once, where a log would keep them until it was compacted, and a damaged
// file costs that request alone. A file is written whole under a temporary name, fsynced, renamed into
// place and the directory fsynced: it is either absent or complete, even after a power loss.
import { access, constants, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asUuid } from '../model/ids.ts';
import type { EraseTarget } from '../repositories/index.ts';
import { syncDir } from '../sync-dir.ts';

export interface JournalEntry {
  readonly requestId: string;
  readonly target: EraseTarget;
  /** When the request was accepted (ms since the epoch): retries give up a fixed time after it. */
  readonly askedAt: number;
}

/** A file of the journal that is not resumed (unreadable, damaged, or not an entry), and why. */
export type JournalReport = (file: string, problem: string) => void;

export interface EraseJournal {
  readonly dir: string;
  /** Resolves once the entry is on disk, complete and durable; rejects when it could not be written. */
  add(entry: JournalEntry): Promise<void>;
  /** Removes the entry (an entry already gone is no error). */
  remove(requestId: string): Promise<void>;
  /**
   * Every readable entry, oldest first. A file that cannot be read as an entry is reported and left in
   * place (it may be a request an operator can still repair); an unfinished write is removed (its request
   * was never answered). Rejects only when the directory itself cannot be listed.
   */
  entries(report: JournalReport): Promise<JournalEntry[]>;
}

const VERSION = 1;
const SUFFIX = '.json';
const TMP_SUFFIX = '.json.tmp';
const MAX_EHASH = 128;

const fileOf = (requestId: string) => `${requestId}${SUFFIX}`;

/** Opens (creating it, readable by this user only) the journal directory; rejects when it is not writable. */
export async function openEraseJournal(dir: string): Promise<EraseJournal> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await access(dir, constants.W_OK);
  return {
    dir,
    add: (entry) => writeEntry(dir, entry),
    async remove(requestId) {
      await rm(join(dir, fileOf(requestId)), { force: true });
      await syncDir(dir);
    },
    entries: (report) => readEntries(dir, report),
  };
}

async function writeEntry(dir: string, entry: JournalEntry): Promise<void> {
  const file = join(dir, fileOf(entry.requestId));
  const tmp = join(dir, `${entry.requestId}${TMP_SUFFIX}`);
  const text = JSON.stringify({
    v: VERSION,
    request_id: entry.requestId,
    asked_at: entry.askedAt,
    target: entry.target,
  });
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

async function readEntries(dir: string, report: JournalReport): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.endsWith(TMP_SUFFIX)) {
      await rm(join(dir, name), { force: true }).then(
        () => report(name, 'an unfinished write (its request was never answered): removed'),
        (err: Error) => report(name, `an unfinished write that could not be removed: ${err.message}`),
      );
    } else if (!name.endsWith(SUFFIX)) {
      report(name, 'not a journal entry: ignored');
    } else {
      const read = await readEntry(dir, name);
      if (typeof read === 'string') report(name, `${read}: left in place, not resumed`);
      else entries.push(read);
    }
  }
  return entries.sort((a, b) => a.askedAt - b.askedAt);
}

async function readEntry(dir: string, name: string): Promise<JournalEntry | string> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    return `unreadable (${(err as Error).message})`;
  }
  try {
    return parseEntry(JSON.parse(text), name);
  } catch {
    return 'not JSON';
  }
}

/** The entry the file holds, or what is wrong with it. */
export function parseEntry(value: unknown, name: string): JournalEntry | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.v !== VERSION) return `version ${JSON.stringify(v.v)} is not ${VERSION}`;
  const requestId = asUuid(v.request_id);
  if (requestId === undefined || name !== fileOf(requestId)) return 'its name is not its request id';
  const askedAt = v.asked_at;
  if (typeof askedAt !== 'number' || !Number.isFinite(askedAt) || askedAt <= 0) return 'no asked_at';
  const target = parseTarget(v.target);
  return typeof target === 'string' ? target : { requestId, target, askedAt };
}

function parseTarget(value: unknown): EraseTarget | string {
  if (typeof value !== 'object' || value === null) return 'no target';
  const { vid, uid, ehash, oid, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown target fields ${Object.keys(rest).join(', ')}`;
  const ids = { vid: asUuid(vid), uid: asUuid(uid), oid: asUuid(oid) };
  for (const [key, given] of Object.entries({ vid, uid, oid })) {
    if (given !== undefined && ids[key as keyof typeof ids] === undefined)
      return `target ${key} is not a UUID`;
  }
  // whatever the route accepts as an ehash is accepted here: an entry it wrote is never refused at resume
  const hash = typeof ehash === 'string' && ehash.length <= MAX_EHASH ? ehash : undefined;
  if (ehash !== undefined && hash === undefined) return 'target ehash is not a hash';
  if (ids.vid === undefined && ids.uid === undefined && hash === undefined) return 'target names nobody';
  return Object.fromEntries(
    Object.entries({ ...ids, ehash: hash }).filter(([, id]) => id !== undefined),
  ) as EraseTarget;
}
