// A process's code is mapped from files, and what start-up ran stays resident long after: the kernel maps
// 64 KiB around each page touched, and clean pages of a file mapping count in the process's resident size,
// and in a container's working set, until the kernel runs short of memory. The embedded engine is a 540 MB
// library: starting it runs code from all over it (every function, format and table engine registers
// itself, the configuration is read, the schema made), ~180 MiB of it is resident once the store is open,
// and under load the engine runs ~60 MiB of it. Node's own binary holds ~48 MiB, of which an operator at
// rest runs less than half. Unmapping such pages (madvise MADV_DONTNEED) leaves them in the page cache;
// code that runs again maps its page back from there (a minor fault), so what stays resident is the code
// in use. Only mappings that cannot have a private copy of a page are touched: read-only, of a regular
// file, and holding no anonymous page (a mapping that was ever writable, as relocated data is, may hold
// private copies, which MADV_DONTNEED would throw away). MADV_PAGEOUT, which keeps private copies, is
// refused for a file the process does not own (the images' uid does not own their libraries). Linux only;
// elsewhere nothing changes. The costs (bench/README.md): reading the process's smaps (10–30 ms on a loaded
// engine, on libuv's pool) and the faults of the code still in use after each release.
import { readFile } from 'node:fs/promises';

const SMAPS = '/proc/self/smaps';
const MADV_DONTNEED = 4;

/** A mapping that holds nothing but clean pages of a file: [start, end) and its resident kB. */
export interface CleanMapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly path: string;
  readonly rssKb: number;
}

interface Parsed {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rssKb: number;
  anonKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;

function isClean(m: Parsed): boolean {
  const file = m.path.startsWith('/') && !m.path.startsWith('/memfd:') && !m.path.endsWith(' (deleted)');
  return file && !m.perms.includes('w') && m.anonKb === 0 && m.rssKb > 0;
}

/** The clean file mappings of a smaps text (`/proc/<pid>/smaps`), in its order. */
export function cleanMappings(smaps: string): CleanMapping[] {
  const out: CleanMapping[] = [];
  let cur: Parsed | undefined;
  const flush = () => {
    if (cur && isClean(cur)) out.push({ start: cur.start, end: cur.end, path: cur.path, rssKb: cur.rssKb });
  };
  for (const line of smaps.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      flush();
      const [, start, end, perms, path] = header as unknown as [string, string, string, string, string];
      cur = { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms, path, rssKb: 0, anonKb: 0 };
    } else if (cur && line.startsWith('Rss:')) {
      cur.rssKb = Number.parseInt(line.slice(4), 10);
    } else if (cur && line.startsWith('Anonymous:')) {
      cur.anonKb = Number.parseInt(line.slice(10), 10);
    }
  }
  flush();
  return out;
}

/** madvise(2) on libuv's pool: 0 or -1, as the call returns. */
type Madvise = (start: bigint, length: bigint, advice: number) => Promise<number>;

let loaded: Promise<Madvise> | undefined;

/** libc's madvise through koffi (a prebuilt Node-API addon), loaded on first use. */
function madvise(): Promise<Madvise> {
  loaded ??= import('koffi').then(({ default: koffi }) => {
    const fn = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t len, int advice)');
    return (start, length, advice) =>
      new Promise<number>((done, fail) =>
        fn.async(start, length, advice, (err: unknown, res: number) => (err ? fail(err) : done(res))),
      );
  });
  return loaded;
}

/** What one release did: the mappings it unmapped and the resident kB they held before. */
export interface Released {
  readonly mappings: number;
  readonly kb: number;
}

/** Unmaps every clean file mapping's pages (see the top of this file); nothing off Linux. */
export async function releaseIdleCode(): Promise<Released> {
  if (process.platform !== 'linux') return { mappings: 0, kb: 0 };
  const [smaps, call] = await Promise.all([readFile(SMAPS, 'utf8'), madvise()]);
  let mappings = 0;
  let kb = 0;
  for (const m of cleanMappings(smaps)) {
    if ((await call(m.start, m.end - m.start, MADV_DONTNEED)) !== 0) continue;
    mappings++;
    kb += m.rssKb;
  }
  return { mappings, kb };
}

/**
 * Releases now and again every `everySeconds` (code that ran once since, a migration or a rare read,
 * leaves again). Returns the function that stops it. 0 does nothing. A failure (no libc to call, no
 * /proc) ends the releases with a process warning: the process runs the same with its code resident.
 */
export function holdIdleCodeOut(everySeconds: number): () => void {
  if (everySeconds <= 0 || process.platform !== 'linux') return () => undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const release = () =>
    releaseIdleCode().then(
      () => {
        if (stopped) return;
        timer = setTimeout(release, everySeconds * 1_000);
        timer.unref();
      },
      (err: Error) => {
        process.emitWarning(
          `idle code pages are no longer unmapped (the process runs the same with them resident): ${err.message}`,
          { code: 'TRACKER_IDLE_CODE' },
        );
      },
    );
  void release();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
