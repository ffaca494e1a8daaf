// The erasure journal on the ingest's disk (the disk spool's: one process, journal.ts says when): a
// request the process could not finish (a stop, a crash) is resumed at the next start. Only this process
// reads the directory, so it holds every entry: claims are no-ops.
//
// One file per request (`<request id>.json`) rather than one log: finishing a request removes the only
// copy of the person's ids at once, where a log would keep them until it was compacted, and a damaged
// file costs that request alone. A file is written whole under a temporary name, fsynced, renamed into
// place and the directory fsynced: it is either absent or complete, even after a power loss. An update
// (the request's lookup recorded before its deletes) replaces the file the same way: old or new, whole.
import { access, constants, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../sync-dir.ts';
import type { EraseJournal, JournalEntry, JournalReport } from './contract.ts';
import { encodeEntry, parseEntry } from './entry.ts';

/** The file journal also says which directory it is (tests read it). */
export interface FileJournal extends EraseJournal {
  readonly dir: string;
}

const SUFFIX = '.json';
const TMP_SUFFIX = '.json.tmp';

const fileOf = (requestId: string) => `${requestId}${SUFFIX}`;

export async function openFileJournal(dir: string): Promise<FileJournal> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await access(dir, constants.W_OK);
  return {
    dir,
    where: dir,
    add: (entry) => writeEntry(dir, entry),
    async update(entry) {
      // only an entry still there: a finished request's is never written back
      await access(join(dir, fileOf(entry.requestId)));
      await writeEntry(dir, entry);
    },
    claim: async (listed) => listed,
    holds: () => true,
    release: async () => {},
    close: async () => {},
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
  const text = encodeEntry(entry);
  try {
    // an unfinished write's leftover (an update cut short) is replaced: only this process writes here
    const fh = await open(tmp, 'w', 0o600);
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
    return parseEntry(JSON.parse(text), name.slice(0, -SUFFIX.length));
  } catch {
    return 'not JSON';
  }
}
