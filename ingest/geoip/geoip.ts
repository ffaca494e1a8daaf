// GeoIP through IP2Location BIN files (the Go tracker's provider, so its users' files keep working) with a
// bounded LRU in front. The library reads the file with a syscall per probe and has no in-memory mode, so: the async API (reads happen on
// the libuv pool, not the event loop), an LRU keyed by IP, and concurrent lookups of one IP share a promise.
//
// The file is updated in place every month or so (IP2Location publishes monthly). The library reads the
// file it opened, through one descriptor, for as long as the process runs: a file replaced by a new one
// was never read, so places stayed a year old until a restart. The file is looked at again (one stat, at
// most every RELOAD_CHECK_MS, on a lookup); a new one whose size and time have not moved since the look
// before (a copy in progress is not opened half-written) replaces the old, with an empty cache.
import { stat } from 'node:fs/promises';
import { IP2Location } from 'ip2location-nodejs';
import { growingLru, LRU_CALL } from '../lru.ts';
import { type IpRange, openRanges } from './ranges.ts';

export type { IpRange } from './ranges.ts';

export interface GeoInfo {
  country?: string;
  countryName?: string;
  region?: string;
  city?: string;
  zip?: string;
  lat?: number;
  lon?: number;
  tz?: string;
}

export interface GeoIp {
  readonly enabled: boolean;
  lookup(ip: string): Promise<GeoInfo | undefined>;
  /** The first and last address of the file's range the address falls in (not cached: few ask). */
  range(ip: string): Promise<IpRange | undefined>;
  close(): Promise<void>;
}

export const disabledGeoIp: GeoIp = {
  enabled: false,
  lookup: async () => undefined,
  range: async () => undefined,
  close: async () => {},
};

// The library fills unavailable fields with a message ("-", "INVALID_IP_ADDRESS", "This parameter is …").
const usable = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' && v !== '-' && !/unavailable|INVALID|MISSING|UNSUPPORTED/i.test(v)
    ? v
    : undefined;

interface RawRecord {
  countryShort?: unknown;
  countryLong?: unknown;
  region?: unknown;
  city?: unknown;
  zipCode?: unknown;
  latitude?: unknown;
  longitude?: unknown;
  timeZone?: unknown;
}

export function toGeoInfo(r: RawRecord): GeoInfo | undefined {
  const country = usable(r.countryShort);
  if (country === undefined || !/^[A-Z]{2}$/.test(country)) return undefined;
  const info: GeoInfo = { country };
  const fields: [keyof GeoInfo, unknown][] = [
    ['countryName', r.countryLong],
    ['region', r.region],
    ['city', r.city],
    ['zip', r.zipCode],
    ['tz', r.timeZone],
  ];
  for (const [k, v] of fields) {
    const s = usable(v);
    if (s !== undefined) (info as Record<string, unknown>)[k] = s;
  }
  if (typeof r.latitude === 'number' && typeof r.longitude === 'number') {
    info.lat = r.latitude;
    info.lon = r.longitude;
  }
  return info;
}

/** How often a lookup may look at the file again (a stat) for a newer one. */
export const RELOAD_CHECK_MS = 10_000;

interface Opened {
  readonly ranges: Awaited<ReturnType<typeof openRanges>>;
  lookup(ip: string): Promise<GeoInfo | undefined>;
  close(): Promise<void>;
}

/** The file's identity as stat tells it: a new file (renamed over) or a rewritten one differ. */
const signature = (st: { ino: number; size: number; mtimeMs: number }) =>
  `${st.ino}:${st.size}:${st.mtimeMs}`;

async function openFile(file: string, cacheSize: number): Promise<Opened> {
  const db = new IP2Location();
  await db.openAsync(file);
  // The library opens any file and answers "INVALID_IP_ADDRESS" for every lookup of a wrong one; its
  // first header byte is the database type, DB1 to DB26.
  const type = Number(db.getPackageVersion());
  if (!(type >= 1 && type <= 26)) {
    await db.closeAsync();
    throw new Error(`${file} is not an IP2Location BIN file`);
  }
  const ranges = await openRanges(file).catch(async (err: unknown) => {
    await db.closeAsync();
    throw err;
  });
  // null marks "looked up, nothing there" so unknown IPs are cached too
  const cache = growingLru<string, GeoInfo | 'none'>({ max: Math.max(1, cacheSize) });
  const inflight = new Map<string, Promise<GeoInfo | undefined>>();
  const probe = async (ip: string) => {
    try {
      const info = toGeoInfo((await db.getAllAsync(ip)) as RawRecord);
      if (cacheSize > 0) cache.set(ip, info ?? 'none', LRU_CALL);
      return info;
    } catch {
      return undefined;
    } finally {
      inflight.delete(ip);
    }
  };
  return {
    ranges,
    lookup(ip) {
      const hit = cache.get(ip, LRU_CALL);
      if (hit !== undefined) return Promise.resolve(hit === 'none' ? undefined : hit);
      const running = inflight.get(ip) ?? probe(ip);
      inflight.set(ip, running);
      return running;
    },
    close: async () => {
      await Promise.all([db.closeAsync(), ranges.close()]);
    },
  };
}

export interface GeoIpOptions {
  /** Told when a newer file could not be opened (the one in use stays). */
  readonly onError?: (err: unknown) => void;
  /** Told when a newer file replaced the one in use. */
  readonly onReload?: (file: string) => void;
  readonly checkMs?: number;
  readonly now?: () => number;
}

export async function openGeoIp(
  file: string | undefined,
  cacheSize: number,
  opts: GeoIpOptions = {},
): Promise<GeoIp> {
  if (file === undefined) return disabledGeoIp;
  const { checkMs = RELOAD_CHECK_MS, now = Date.now } = opts;
  let seen = signature(await stat(file));
  let current = await openFile(file, cacheSize);
  let checkedAt = now();
  let checking: Promise<void> | undefined;
  let closed = false;
  /** A changed file's signature, seen once: opened when the next look finds it again. */
  let pending: string | undefined;
  /** The file as it is now: a changed one is opened once it has stayed the same between two looks. */
  const check = async () => {
    const st = await stat(file).catch(() => undefined);
    if (st === undefined) return; // being replaced, or gone: keep the one in use
    const sig = signature(st);
    if (sig === seen) return;
    if (sig !== pending) {
      pending = sig;
      return;
    }
    const next = await openFile(file, cacheSize);
    if (closed) return void (await next.close());
    const old = current;
    current = next;
    seen = sig;
    pending = undefined;
    opts.onReload?.(file);
    // lookups already running on the old file finish before it is closed
    setTimeout(() => void old.close().catch(() => {}), checkMs).unref();
  };
  const maybeCheck = () => {
    const t = now();
    if (checking !== undefined || closed || t - checkedAt < checkMs) return;
    checkedAt = t;
    checking = check()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        checking = undefined;
      });
  };
  return {
    enabled: true,
    lookup(ip) {
      maybeCheck();
      return current.lookup(ip);
    },
    range: (ip) => current.ranges.range(ip).catch(() => undefined),
    close: async () => {
      closed = true;
      await checking;
      await current.close();
    },
  };
}
