// Erasing a visitor/user (vid, uid or hashed email) from every table, and the status of erase requests. The
// table list comes from the schema catalog, so a new table with a vid/uid column is covered without touching
// this file. Which rows are the visitor's, and how a mutation targets each rendering (on a cluster the
// `X_local` tables ON CLUSTER), is schema/mutations.ts, shared with `tracker prune`. eraseStatements is
// pure; the repository runs them, on the store, or on every server of store.hostUrls: servers that each
// hold their own single-node tables share nothing, so a mutation run on one leaves the others' rows, and
// the person's linked ids and IPs are read from every one of them too (an event holding the link may be
// on any server, and the rows it links on another), as is a request's status (each status row goes to
// whichever server took the insert).
import {
  buildCatalog,
  type Catalog,
  deleteMutation,
  type Rendering,
  visitorParams,
  visitorPredicate,
} from '../../schema/index.ts';
import { ClickHouseStore, type SqlRunner, type Store } from '../../store/index.ts';
import { type Config, storeRendering } from '../config.ts';
import { storeUnavailable } from './unavailable.ts';

export interface EraseTarget {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  /** Restrict to one org (API-key callers); self-service erasure covers every org. */
  readonly oid?: string;
}

/** Which schema rendering the statements target (schema/render.ts). */
export type EraseRendering = Rendering;

export interface EraseStatement {
  readonly table: string;
  readonly sql: string;
  readonly params: Record<string, unknown>;
}

/**
 * The ids linked to an erased email hash or uid. Only some events hold the hash, or the uid: the person's
 * other rows (page views before they signed in, on another device, visitor and session rows, consents,
 * payments) hold these ids, so an erasure by email or uid erases them too.
 */
export interface LinkedIds {
  readonly vids: readonly string[];
  readonly uids: readonly string[];
  /**
   * The IP addresses the person's events hold: the daily rollups by IP (no vid or uid there) keep them,
   * raw when the IP mode keeps IPs, and only these find their rows.
   */
  readonly ips: readonly string[];
}

export const NO_LINKS: LinkedIds = { vids: [], uids: [], ips: [] };
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Linked ids read per request at most: far more visitors than one person has. */
export const MAX_LINKED_IDS = 10_000;

const ids = (one: string | undefined, more: readonly string[]): string[] | undefined => {
  const all = [...new Set([...(one === undefined ? [] : [one]), ...more])];
  return all.length === 0 ? undefined : all;
};

/** One `ALTER TABLE … DELETE` per table holding the target's ids, waiting until it is done everywhere. */
export function eraseStatements(
  target: EraseTarget,
  rendering: EraseRendering,
  catalog: Catalog = buildCatalog(),
  linked: LinkedIds = NO_LINKS,
): EraseStatement[] {
  const visitorIds = {
    vids: ids(target.vid, linked.vids),
    uids: ids(target.uid, linked.uids),
    ehashes: ids(target.ehash, []),
    ips: ids(undefined, linked.ips),
    ...(target.oid === undefined ? {} : { oid: target.oid }),
  };
  const params = visitorParams(visitorIds);
  const out: EraseStatement[] = [];
  for (const info of catalog.values()) {
    const where = visitorPredicate(info, visitorIds);
    if (where === undefined) continue;
    out.push({ table: info.name, sql: deleteMutation(info.name, where, rendering), params });
  }
  return out;
}

/** The servers one erase runs on, opened for the run and closed after it. */
export type EraseHosts = () => { readonly runners: readonly SqlRunner[]; close(): Promise<void> };

/** The store itself, or (store.hostUrls) a client per server, each like the store's but for its URL. */
export function eraseHosts(store: Store, config: Config['store']): EraseHosts {
  const urls = config.kind === 'clickhouse' ? config.hostUrls : undefined;
  if (urls === undefined) return () => ({ runners: [store], close: async () => {} });
  return () => {
    const stores = urls.map((url) => new ClickHouseStore({ ...config, url }));
    return { runners: stores, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
  };
}

/** Runs every statement on every server; answers the tables whose statement failed on any of them. */
export async function runErase(
  runners: readonly SqlRunner[],
  statements: readonly EraseStatement[],
): Promise<string[]> {
  const failed: string[] = [];
  for (const s of statements) {
    const results = await Promise.allSettled(runners.map((r) => r.command(s.sql, s.params)));
    if (results.some((r) => r.status === 'rejected')) failed.push(s.table);
  }
  return failed;
}

export interface ErasureStatus {
  readonly status: string;
  readonly detail: string;
}

/**
 * The person's other ids: the uids of the events carrying the target's email hash, then the vids of the
 * events carrying that hash or one of those uids (or the target's uid): every browser the person used.
 * Then the IPs of all their events. In the target's org scope; no vid or uid for a vid alone. Each step
 * reads every server the erase deletes from and goes on with the union: the uid found on one server
 * links the vids of another's events. A server that cannot be read fails the lookup (never a partial
 * answer taken for the whole).
 */
export async function linkedIds(
  servers: readonly SqlRunner[],
  target: EraseTarget,
  catalog: Catalog = buildCatalog(),
): Promise<LinkedIds> {
  const { vids, uids } = await linkedVisitors(servers, target);
  return { vids, uids, ips: await ipsOf(servers, target, { vids, uids }, catalog) };
}

/** The union of a lookup's answers from every server. */
async function fromEvery(
  servers: readonly SqlRunner[],
  lookup: (server: SqlRunner) => Promise<readonly string[]>,
): Promise<string[]> {
  const answers = await Promise.all(servers.map(lookup));
  return [...new Set(answers.flat())];
}

async function linkedVisitors(
  servers: readonly SqlRunner[],
  target: EraseTarget,
): Promise<Omit<LinkedIds, 'ips'>> {
  if (target.ehash === undefined && target.uid === undefined) return NO_LINKS;
  const scope = target.oid === undefined ? '' : ` AND oid IN ({oid:UUID}, '${NIL_UUID}')`;
  const params = {
    ehash: target.ehash ?? '',
    ...(target.oid === undefined ? {} : { oid: target.oid }),
  };
  const byHash =
    "params.ehash IS NOT NULL AND toString(params.ehash) = {ehash:String} AND {ehash:String} != ''";
  const found = (column: string, where: string, more: Record<string, unknown> = {}) =>
    fromEvery(
      servers,
      async (server) =>
        (
          await server.query<{ ids: string[] }>(
            `SELECT groupUniqArray(${MAX_LINKED_IDS})(toString(${column})) AS ids FROM events ` +
              `WHERE ${column} != '${NIL_UUID}' AND (${where})${scope}`,
            { ...params, ...more },
          )
        )[0]?.ids ?? [],
    );
  const uids = target.ehash === undefined ? [] : await found('uid', byHash);
  const all = [...new Set([...(target.uid === undefined ? [] : [target.uid]), ...uids])];
  const vids = await found('vid', `${byHash} OR uid IN {uids:Array(UUID)}`, { uids: all });
  return { vids, uids };
}

/** The IPs the events of the target and its linked ids hold (the rows its erasure deletes from events). */
async function ipsOf(
  servers: readonly SqlRunner[],
  target: EraseTarget,
  linked: Omit<LinkedIds, 'ips'>,
  catalog: Catalog,
): Promise<string[]> {
  const events = catalog.get('events');
  if (events === undefined) return [];
  const visitorIds = {
    vids: ids(target.vid, linked.vids),
    uids: ids(target.uid, linked.uids),
    ehashes: ids(target.ehash, []),
    ...(target.oid === undefined ? {} : { oid: target.oid }),
  };
  const where = visitorPredicate(events, visitorIds);
  if (where === undefined) return [];
  const sql = `SELECT groupUniqArray(${MAX_LINKED_IDS})(ip) AS ips FROM events WHERE ip != '' AND ${where}`;
  return fromEvery(
    servers,
    async (server) => (await server.query<{ ips: string[] }>(sql, visitorParams(visitorIds)))[0]?.ips ?? [],
  );
}

/**
 * The latest status of a request among every server's: its rows were inserted through whichever server
 * answered, so with store.hostUrls each status may be on a different one. A server that cannot be read
 * fails the read: the status it holds may be the only one, or the latest, and answering "unknown" or an
 * older status in its place would be taken for the truth (a 404 to the person, a resumed request recorded
 * pending again). One that is down or busy fails it as OVERLOADED (503, Retry-After): the person or their
 * retry logic can tell "ask again later" from a bug, which any other refusal still is (a 500); one that
 * refuses the ingest's credentials or lacks the schema as STORE_REFUSED (a 500 naming which).
 */
export async function latestStatus(
  servers: readonly SqlRunner[],
  requestId: string,
): Promise<ErasureStatus | undefined> {
  const answers = await Promise.all(
    servers.map((server, i) =>
      server
        .query<ErasureStatus & { at: string | number }>(
          'SELECT status, detail, toUnixTimestamp64Milli(updated_at) AS at FROM erasures FINAL ' +
            'WHERE request_id = {id:UUID}',
          { id: requestId },
        )
        .catch((err: unknown) => {
          throw unreadable(err, i, servers.length);
        }),
    ),
  );
  let latest: { status: string; detail: string; at: number } | undefined;
  for (const row of answers.flat()) {
    const at = Number(row.at);
    if (latest === undefined || at > latest.at) latest = { status: row.status, detail: row.detail, at };
  }
  return latest === undefined ? undefined : { status: latest.status, detail: latest.detail };
}

/**
 * Why a status read failed: a store server down or busy (no answer, a network error, a code of the
 * store's own state) as OVERLOADED, one refusing the ingest for its configuration as STORE_REFUSED, each
 * naming the server by its place in store.hostUrls, not its address (the answer goes to anyone holding the
 * request id; the log has the cause); anything else as it was thrown.
 */
function unreadable(err: unknown, index: number, servers: number): unknown {
  const which = servers === 1 ? 'the store' : `store server ${index + 1} of ${servers} (store.hostUrls)`;
  const what = servers === 1 ? 'erase request status' : `erase request status from ${which}`;
  return storeUnavailable(err, `erase request status unknown: ${which} could not be read; retry later`, what);
}

/** Stand-in links that make a plan name every table a linked id could reach (to wait for their rows). */
export const ANY_LINKS: LinkedIds = { vids: [NIL_UUID], uids: [NIL_UUID], ips: ['0.0.0.0'] };

/** Stand-in links of a request by vid alone: it links no other vid or uid, but the vid's IPs. */
export const ANY_IPS: LinkedIds = { ...NO_LINKS, ips: ANY_LINKS.ips };

export interface ErasureRepository {
  /** The statements erasing the target, and the ids linked to it, from every table holding one. */
  plan(target: EraseTarget, linked?: LinkedIds): EraseStatement[];
  /**
   * The ids of the person an email hash or uid names (none for a vid alone), and the IPs of all their
   * events (read from events on every server the deletes run on).
   */
  linked(target: EraseTarget): Promise<LinkedIds>;
  /** Runs them all; answers the tables whose statement failed. */
  run(statements: readonly EraseStatement[]): Promise<string[]>;
  /**
   * The recorded status of an erase request (written through the data path as `erasures` rows): the
   * latest on any server the deletes run on; rejects when one of them cannot be read.
   */
  status(requestId: string): Promise<ErasureStatus | undefined>;
}

/** `fn` on the servers of one erase, closed after it. */
async function onEvery<T>(hosts: EraseHosts, fn: (runners: readonly SqlRunner[]) => Promise<T>): Promise<T> {
  const { runners, close } = hosts();
  try {
    return await fn(runners);
  } finally {
    await close();
  }
}

/** Erasure on `store`, as the configured store renders the schema and on each of its servers. */
export function erasureRepository(store: Store, config: Config['store']): ErasureRepository {
  const rendering = storeRendering(config);
  const hosts = eraseHosts(store, config);
  const catalog = buildCatalog();
  return {
    plan: (target, linked) => eraseStatements(target, rendering, catalog, linked),
    linked: (target) => onEvery(hosts, (runners) => linkedIds(runners, target, catalog)),
    run: (statements) => onEvery(hosts, (runners) => runErase(runners, statements)),
    status: (requestId) => onEvery(hosts, (runners) => latestStatus(runners, requestId)),
  };
}
