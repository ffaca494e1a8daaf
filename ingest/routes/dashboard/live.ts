// The live feed behind the dashboard's "last events": server-sent events fed by one poller that asks the
// store for events received since the oldest subscriber's cursor, once per interval, and only while
// someone is watching (the events come from the store, not from the ingest's memory, so they are what was
// stored). Rows are read with a look-back: a row received earlier can be flushed after a later one, so
// each subscriber remembers the ids it was sent and never gets one twice. A read that fails is said to
// each subscriber once, as the answer a request would have got (`{error, message}`: the store down or
// busy, or refusing the ingest), and its recovery once: without it the page just stopped updating.
import { type ErrorBody, mapError } from '../../errors.ts';
import type { AnalyticsRepository, RecentEvent } from '../../repositories/index.ts';
import { reportGate } from '../../runtime-log.ts';

export interface Subscriber {
  readonly oid: string;
  send(events: readonly RecentEvent[]): void;
  /** The store cannot be read: what a request would have been answered. Said again only if it changes. */
  unavailable(why: ErrorBody): void;
  /** The store is read again after `unavailable`. */
  available(): void;
}

export interface LiveFeed {
  /** Starts the subscriber at `afterMs`; returns the function that ends it. */
  subscribe(sub: Subscriber, afterMs: number): () => void;
  readonly subscribers: number;
  close(): void;
}

const LOOK_BACK_MS = 10_000;
const BATCH = 200;
const REMEMBERED = 2000;

interface State {
  readonly sub: Subscriber;
  cursorMs: number;
  readonly sent: Set<string>;
  /** The failure this subscriber was last told of (its JSON), while the store cannot be read. */
  down?: string;
}

/** Tells `state` of the failure `why`, unless that is what it was told last. */
function tellDown(state: State, why: ErrorBody): void {
  const key = JSON.stringify(why);
  if (state.down === key) return;
  state.down = key;
  state.sub.unavailable(why);
}

/** Tells `state` the store is read again, if it was told otherwise. */
function tellUp(state: State): void {
  if (state.down === undefined) return;
  state.down = undefined;
  state.sub.available();
}

/** How often, at most, a run of failed reads of one kind is logged (with the count since the last line). */
export const READ_FAILURE_LOG_MS = 10_000;

/**
 * The log of the feed's failed reads. The feed polls every interval (a second by default) while anyone
 * watches, so a store that is down wrote the same warning every second for as long as it stayed down: the
 * first failure of a kind (its error code: OVERLOADED, STORE_REFUSED, …) is logged at once, then at most
 * one line every READ_FAILURE_LOG_MS saying how many it held back.
 */
export function readFailureLog(
  warn: (fields: { err: unknown; code: string }, msg: string) => void,
  now: () => number = Date.now,
): (err: unknown) => void {
  const gate = reportGate(READ_FAILURE_LOG_MS, now);
  return (err) => {
    const code = mapError(err).body.error;
    const heldBack = gate(code);
    if (heldBack === undefined) return;
    const more = heldBack > 0 ? ` (and ${heldBack} more since the last report)` : '';
    warn({ err, code }, `dashboard live feed: read failed${more}`);
  };
}

const millis = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`);

export function createLiveFeed(
  analytics: AnalyticsRepository,
  intervalMs: number,
  onError: (err: unknown) => void,
): LiveFeed {
  const states = new Set<State>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const deliver = (state: State, rows: readonly RecentEvent[]) => {
    const fresh = rows.filter(
      (e) =>
        (state.sub.oid === '' || e.site === state.sub.oid) &&
        !state.sent.has(e.eid) &&
        millis(e.received) > state.cursorMs - LOOK_BACK_MS,
    );
    if (fresh.length === 0) return;
    for (const e of fresh) state.sent.add(e.eid);
    for (const old of state.sent) {
      if (state.sent.size <= REMEMBERED) break;
      state.sent.delete(old);
    }
    state.cursorMs = Math.max(state.cursorMs, ...fresh.map((e) => millis(e.received)));
    state.sub.send(fresh);
  };

  const poll = async () => {
    if (polling || states.size === 0) return;
    polling = true;
    try {
      const afterMs = Math.min(...[...states].map((s) => s.cursorMs)) - LOOK_BACK_MS;
      const rows = await analytics.recent({ oid: '', afterMs, limit: BATCH });
      for (const state of states) {
        tellUp(state);
        deliver(state, rows);
      }
    } catch (err) {
      onError(err);
      const why = mapError(err).body;
      for (const state of states) tellDown(state, why);
    } finally {
      polling = false;
    }
  };

  return {
    subscribe(sub, afterMs) {
      const state: State = { sub, cursorMs: afterMs, sent: new Set() };
      states.add(state);
      timer ??= setInterval(() => void poll(), intervalMs);
      return () => {
        states.delete(state);
        if (states.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    get subscribers() {
      return states.size;
    },
    close() {
      states.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
