// The write side shared by every tracking route: normalise → drop retries of stored client eids → durable
// append → messaging side effects → NATS fan-out. The HTTP answer waits for `append` (durable), so a 2xx
// always means stored; a retried client eid is answered the same way without being stored twice.
import type { Row } from '../store/index.ts';
import type { DataPath } from './datapath/index.ts';
import type { AppDeps } from './deps.ts';
import { matchCapture } from './destinations/index.ts';
import { type Admission, EidWindow } from './model/eid-window.ts';
import { newId } from './model/ids.ts';
import { type NormalisedEvent, normaliseEvent } from './model/normalise.ts';
import { createSiteBinder, type SiteBinder } from './model/site-keys.ts';
import type { EventDeps, RequestContext } from './model/types.ts';
import { createUserAgentParser } from './model/user-agent.ts';
import type { Metrics } from './plugins/metrics.ts';

/** What a route learns of a stored event: its ids and what its cookie may say; not its row. */
export type TrackedEvent = Omit<NormalisedEvent, 'row'>;

/**
 * What a route keeps of a request's events while their write waits for the disk, made from them before
 * the write. A request lives as long as its group's fdatasync, through several young-generation
 * collections under load, so whatever it keeps is promoted to V8's old generation and waits there for a
 * full collection: a 100-event answer kept as its events' objects and ids was ~160 bytes per event of
 * that garbage (ADR 0060). An answer keeps no event object (they hold their rows), only what it replies.
 */
export type Answer<T> = (events: readonly TrackedEvent[]) => T;

/** The event without its row, which is then free once validated (see `track`). */
function tracked(e: TrackedEvent): TrackedEvent {
  const { eid, clientEid, vid, sid, newVisitor, cookies, token } = e;
  const event = { eid, clientEid, vid, sid, newVisitor, cookies };
  return token === undefined ? event : { ...event, token };
}

/** The first event's ids (its cookie is the request's): the answer of the routes that set a cookie. */
export const firstEvent: Answer<TrackedEvent | undefined> = (events) => {
  const first = events[0];
  return first === undefined ? undefined : tracked(first);
};

/** Nothing kept: the route answers the same whatever the events' ids. */
export const noAnswer: Answer<undefined> = () => undefined;

export interface Tracking {
  readonly eventDeps: EventDeps;
  /** Binds raw events to the org of their site key (or refuses them): client and server tracking routes. */
  readonly bindSite: SiteBinder;
  /**
   * Normalise and store events (one request); resolves once every row is durable, to what `answer` made of
   * the events before their write.
   */
  track<T>(raws: readonly Record<string, unknown>[], ctx: RequestContext, answer: Answer<T>): Promise<T>;
  /** Durable append of rows for any table, counted and published. */
  append(table: string, rows: readonly Row[]): Promise<void>;
}

// Messaging side effects: an event with a thread id updates its thread once, and records one mstore and
// one mtriage row keyed by the event id, so a thread's message count is its events' count.
const COPY_TO_THREAD = ['oid', 'org', 'uid', 'vid', 'app', 'rel', 'ver', 'ptyp', 'etyp', 'ename'] as const;
const COPY_TO_THREAD_2 = ['source', 'medium', 'campaign', 'term', 'aff', 'xid', 'ref'] as const;

function pick(row: Row, keys: readonly string[]): Row {
  const out: Row = {};
  for (const k of keys) if (row[k] !== undefined) out[k] = row[k];
  return out;
}

export function messagingRows(
  e: NormalisedEvent,
): Record<'mthreads' | 'mstore' | 'mtriage', Row> | undefined {
  const r = e.row;
  if (typeof r.tid !== 'string') return undefined;
  const at = r.created_at;
  const params = (r.params ?? {}) as Row;
  const text = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : '');
  const message: Row = {
    tid: r.tid,
    mid: e.eid,
    ...pick(r, ['oid', 'org', 'uid', 'vid', 'xid', 'split', 'relation', 'rid']),
    subject: text('subject'),
    msg: text('msg'),
    created_at: at,
    updated_at: at,
  };
  return {
    mthreads: { tid: r.tid, ...pick(r, [...COPY_TO_THREAD, ...COPY_TO_THREAD_2]), updated_at: at },
    mstore: message,
    mtriage: { ...message, urgency: 8, keep: true },
  };
}

/** The messaging rows of the events that have a thread; most have none, and then no array is made. */
function threadsOf(
  events: readonly NormalisedEvent[],
): Record<'mthreads' | 'mstore' | 'mtriage', Row>[] | undefined {
  let found: Record<'mthreads' | 'mstore' | 'mtriage', Row>[] | undefined;
  for (const e of events) {
    const m = messagingRows(e);
    if (m === undefined) continue;
    if (found === undefined) found = [m];
    else found.push(m);
  }
  return found;
}

/** Every raw event normalised; Promise.all only when one of them has to wait (normaliseEvent). */
function normaliseAll(
  raws: readonly Record<string, unknown>[],
  ctx: RequestContext,
  eventDeps: EventDeps,
): NormalisedEvent[] | Promise<NormalisedEvent[]> {
  const events: (NormalisedEvent | Promise<NormalisedEvent>)[] = [];
  let waiting = false;
  for (const raw of raws) {
    const event = normaliseEvent(raw, ctx, eventDeps);
    waiting ||= event instanceof Promise;
    events.push(event);
  }
  return waiting ? Promise.all(events) : (events as NormalisedEvent[]);
}

/** The durable appends of tracking: counted per table, published once durable when there is a publisher. */
function createWriter(
  dataPath: DataPath,
  countRows: (table: string, rows: number) => void,
  publisher: AppDeps['publisher'],
) {
  // Appends validate and serialise their rows before they return, and nothing here holds the rows while
  // the write waits for the disk (only a publisher, which sends them once durable): under batches the
  // rows were most of what a waiting request held, and every young-generation collection meanwhile
  // copied them. So the steps that wait are separate functions that never see a row.
  const append = (table: string, rows: readonly Row[]): Promise<void> => {
    if (rows.length === 0) return Promise.resolve();
    const written = dataPath.append(table, rows);
    return counted(table, rows.length, written, publisher === undefined ? undefined : rows);
  };
  // A continuation, not an async frame: every request's append passes here.
  const counted = (
    table: string,
    count: number,
    written: Promise<void>,
    published?: readonly Row[],
  ): Promise<void> =>
    written.then(() => {
      countRows(table, count);
      if (published !== undefined) publisher?.publish(table, published);
    });
  const appendMessaging = async (messaging: Record<'mthreads' | 'mstore' | 'mtriage', Row>[]) => {
    await Promise.all(
      (['mthreads', 'mstore', 'mtriage'] as const).map((t) =>
        append(
          t,
          messaging.map((m) => m[t]),
        ),
      ),
    );
  };
  /** The events' rows appended now; their messaging rows (events with a thread) once those are durable. */
  const store = (events: readonly NormalisedEvent[]): Promise<void> => {
    const written = append(
      'events',
      events.map((e) => e.row),
    );
    const messaging = threadsOf(events);
    return messaging === undefined ? written : written.then(() => appendMessaging(messaging));
  };
  return { append, store };
}

/**
 * Stores what the eid window admitted, tells the window whether it is stored, and resolves to `answer`
 * once stored (one continuation for both: each step of a request's chain is an allocation and a turn).
 */
function admitted<T>(
  admission: Admission<NormalisedEvent>,
  store: (events: readonly NormalisedEvent[]) => Promise<void>,
  answer: T,
): Promise<T> {
  const { settle } = admission;
  let stored: Promise<void>;
  try {
    stored = store(admission.fresh);
  } catch (err) {
    settle(false);
    return Promise.reject(err);
  }
  return stored.then(
    () => {
      settle(true);
      return answer;
    },
    (err: unknown) => {
      settle(false);
      throw err;
    },
  );
}

export function createTracking(deps: AppDeps, metrics: Metrics): Tracking {
  const dataPath: DataPath = deps.dataPath;
  const { config } = deps;
  const capture = matchCapture(config.destinations, config.privacy.consentBits);
  const eventDeps: EventDeps = {
    hasher: deps.hasher,
    salts: deps.salts,
    geo: deps.geo,
    consentBits: config.privacy.consentBits,
    analyticsBit: config.privacy.analyticsBit,
    ipMode: config.privacy.ipMode,
    clockSkewMs: config.privacy.clockSkewMs,
    userAgent: createUserAgentParser(config.userAgent),
    ...(capture === undefined ? {} : { matchCapture: capture }),
  };
  const window = new EidWindow(config.dedup);
  // a store that cannot be read at start leaves the window empty (events still flow: see eid-window.ts)
  const recent = deps.repositories.events;
  window
    .reload(dataPath.recovered('events'), (windowMs, max) => recent.recentClientEids(windowMs, max))
    .catch(() => undefined);
  const { append, store } = createWriter(dataPath, metrics.rows.by('table'), deps.publisher);
  // The answer is what the route keeps of the events, not the events (nor their rows).
  const storeAll = <T>(events: NormalisedEvent[], answer: Answer<T>): Promise<T> => {
    const kept = answer(events);
    const stored = (admission: Admission<NormalisedEvent>) => admitted(admission, store, kept);
    const admission = window.admit(events);
    return admission instanceof Promise ? admission.then(stored) : stored(admission);
  };
  return {
    eventDeps,
    bindSite: createSiteBinder(config.sites),
    append,
    track(raws, ctx, answer) {
      let events: NormalisedEvent[] | Promise<NormalisedEvent[]>;
      try {
        events = normaliseAll(raws, ctx, eventDeps);
      } catch (err) {
        return Promise.reject(err);
      }
      return events instanceof Promise
        ? events.then((known) => storeAll(known, answer))
        : storeAll(events, answer);
    },
  };
}

export { newId };
