// GeoIP through IP2Location BIN files (the Go tracker's provider, so its users' files keep working) with a
// bounded LRU in front. The library reads the file with a syscall per probe and has no in-memory mode, so: the async API (reads happen on
// the libuv pool, not the event loop), an LRU keyed by IP, and concurrent lookups of one IP share a promise.
//
// The file is updated every month or so (IP2Location publishes monthly). It is looked at again (one stat,
// at most every RELOAD_CHECK_MS, on a lookup): a changed one is used once it has stayed the same between
// two looks and while it was copied, and its copy is whole (copies.ts, whole.ts); until then, and when it
// never is, lookups keep the one in use, which is a private copy an in-place rewrite does not reach. A
// file that could not be used is told once (a coded GeoIpFileError) and tried again when it changes.
import { stat } from 'node:fs/promises';
import { IP2Location } from 'ip2location-nodejs';
import { growingLru, LRU_CALL } from '../lru.ts';
import { type Copies, type Copy, openCopies, signature } from './copies.ts';
import { type IpRange, openRanges } from './ranges.ts';
import { GeoIpFileError } from './whole.ts';

export type { IpRange } from './ranges.ts';
export { GeoIpFileError } from './whole.ts';

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

/** The library's reader over a whole copy (its type and size checked by whole.ts). */
async function openReader(file: string, copy: string): Promise<IP2Location> {
  const db = new IP2Location();
  try {
    await db.openAsync(copy);
  } catch (err) {
    throw new GeoIpFileError('GEOIP_FILE_INVALID', `${file}: ${(err as Error).message}`, err);
  }
  return db;
}

async function openFile(file: string, copy: string, cacheSize: number): Promise<Opened> {
  const db = await openReader(file, copy);
  const ranges = await openRanges(copy).catch(async (err: unknown) => {
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
  /** Told when a newer file could not be used (the one in use stays): a GeoIpFileError, with its code. */
  readonly onError?: (err: unknown) => void;
  /** Told when a newer file replaced the one in use. */
  readonly onReload?: (file: string) => void;
  /** Where the private copies are kept (server.stateDir/geoip); default a temporary directory. */
  readonly copyDir?: string;
  readonly checkMs?: number;
  readonly now?: () => number;
}

/** A GeoIp over a file, with the look at the file lookups make now and again, to call at once. */
export interface ReloadingGeoIp extends GeoIp {
  /** Looks at the file now, as a lookup does every checkMs; resolves when that look is done. */
  check(): Promise<void>;
}

interface InUse {
  readonly copy: Copy;
  readonly opened: Opened;
}

async function use(file: string, copies: Copies, cacheSize: number): Promise<InUse> {
  const copy = await copies.take(file);
  try {
    return { copy, opened: await openFile(file, copy.path, cacheSize) };
  } catch (err) {
    await copies.drop(copy);
    throw err;
  }
}

export async function openGeoIp(
  file: string | undefined,
  cacheSize: number,
  opts: GeoIpOptions = {},
): Promise<GeoIp> {
  if (file === undefined) return disabledGeoIp;
  return openReloading(file, cacheSize, opts);
}

export async function openReloading(
  file: string,
  cacheSize: number,
  opts: GeoIpOptions = {},
): Promise<ReloadingGeoIp> {
  const { checkMs = RELOAD_CHECK_MS, now = Date.now } = opts;
  const copies = await openCopies(opts.copyDir);
  let current = await use(file, copies, cacheSize).catch(async (err: unknown) => {
    await copies.close();
    throw err;
  });
  let checkedAt = now();
  let checking: Promise<void> | undefined;
  let closed = false;
  /** A changed file's signature, seen once: used when the next look finds it again. */
  let pending: string | undefined;
  /**
   * A signature whose file is not usable (incomplete, changing, not a BIN file): told once, tried again when
   * the file changes. Another failure (no space for the copy) is the disk's: tried again two looks later.
   */
  let refused: string | undefined;
  const replace = async (sig: string) => {
    const next = await use(file, copies, cacheSize).catch((err: unknown) => {
      if (err instanceof GeoIpFileError) refused = sig;
      throw err;
    });
    if (closed) return void (await next.opened.close().then(() => copies.drop(next.copy)));
    const old = current;
    current = next;
    opts.onReload?.(file);
    // lookups already running on the old file finish before it is closed
    setTimeout(
      () =>
        void old.opened.close().then(
          () => copies.drop(old.copy),
          () => {},
        ),
      checkMs,
    ).unref();
  };
  /** The file as it is now: a changed one is used once it has stayed the same between two looks. */
  const look = async () => {
    const st = await stat(file).catch(() => undefined);
    if (st === undefined) return; // being replaced, or gone: keep the one in use
    const sig = signature(st);
    if (sig === current.copy.sig || sig === refused) return;
    if (sig !== pending) {
      pending = sig;
      return;
    }
    pending = undefined;
    await replace(sig);
  };
  const check = () => {
    checking ??= look()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };
  const maybeCheck = () => {
    const t = now();
    if (checking !== undefined || closed || t - checkedAt < checkMs) return;
    checkedAt = t;
    void check();
  };
  return {
    enabled: true,
    lookup(ip) {
      maybeCheck();
      return current.opened.lookup(ip);
    },
    range: (ip) => current.opened.ranges.range(ip).catch(() => undefined),
    check: () => (closed ? Promise.resolve() : check()),
    close: async () => {
      closed = true;
      await checking;
      await current.opened.close();
      await copies.close();
    },
  };
}
