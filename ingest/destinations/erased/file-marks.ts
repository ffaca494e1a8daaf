// The marks of erase requests on the disk, <destinations.dir>/.erased/<request id>.json (mode 0600 in a
// 0700 directory), next to the backlogs they filter: they live, and are deleted, with them. Each is
// written whole under a temporary name, fsynced, renamed into place and the directory fsynced, so it is
// absent or complete after a power loss; writing a mark again (a resumed request) replaces it.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../../sync-dir.ts';
import type { ErasedMark } from './marks.ts';

const SUFFIX = '.json';
const TMP_SUFFIX = '.json.tmp';
const VERSION = 1;

/** A mark recorded, or the mark of a request removed (a shared store tells of other instances' too). */
export type MarkChange = { readonly mark: ErasedMark } | { readonly removed: string };

export type MarkReport = (name: string, problem: string) => void;

export interface MarkStore {
  /** Where the marks are, for log lines. */
  readonly where: string;
  /** Resolves once the mark is durable (on a shared store: acknowledged, so every instance can read it). */
  put(mark: ErasedMark): Promise<void>;
  /**
   * Applies every mark there is (one that cannot be read is reported and left in place), and on a store
   * other instances share, every change after, until close.
   */
  load(apply: (change: MarkChange) => void, report: MarkReport): Promise<void>;
  /** A shared store: resolves once every mark recorded anywhere before the call was applied here. */
  sync?(): Promise<void>;
  remove(requestId: string): Promise<void>;
  close(): Promise<void>;
}

export async function openFileMarks(dir: string): Promise<MarkStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return {
    where: dir,
    put: (mark) => writeMark(dir, mark),
    async load(apply, report) {
      for (const mark of await readMarks(dir, report)) apply({ mark });
    },
    close: async () => {},
    async remove(requestId) {
      await rm(join(dir, `${requestId}${SUFFIX}`), { force: true });
      await syncDir(dir);
    },
  };
}

async function writeMark(dir: string, mark: ErasedMark): Promise<void> {
  const tmp = join(dir, `${mark.requestId}${TMP_SUFFIX}`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(encodeMark(mark));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, `${mark.requestId}${SUFFIX}`));
  await syncDir(dir);
}

async function readMarks(dir: string, report: MarkReport): Promise<ErasedMark[]> {
  const marks: ErasedMark[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith(SUFFIX)) continue;
    const read = await readFile(join(dir, name), 'utf8').then(
      (text) => parseMark(text, name.slice(0, -SUFFIX.length)),
      (err: Error) => `unreadable (${err.message})`,
    );
    if (typeof read === 'string') report(name, read);
    else marks.push(read);
  }
  return marks;
}

/** The stored form of a mark (the disk's and the bucket's). */
export function encodeMark(mark: ErasedMark): string {
  const { requestId, askedAt, oid, digests } = mark;
  return JSON.stringify({ v: VERSION, request_id: requestId, asked_at: askedAt, oid, digests });
}

/** The mark the text holds, or what is wrong with it. */
export function parseMark(text: string, requestId: string): ErasedMark | string {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || v.v !== VERSION) return 'not a mark of this version';
  const { asked_at: askedAt, oid, digests } = v;
  if (v.request_id !== requestId) return 'its name is not its request id';
  if (typeof askedAt !== 'number' || !Number.isFinite(askedAt)) return 'no asked_at';
  if (!Array.isArray(digests) || !digests.every((d) => typeof d === 'string')) return 'no digests';
  if (oid !== undefined && typeof oid !== 'string') return 'oid is not a string';
  return { requestId, askedAt, digests, ...(oid === undefined ? {} : { oid }) };
}
