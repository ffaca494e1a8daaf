// The live feed behind the dashboard's "last events": server-sent events fed by one poller that asks the
// store for events received since the oldest subscriber's cursor, once per interval, and only while
// someone is watching (the events come from the store, not from the ingest's memory, so they are what was
// stored). Rows are read with a look-back: a row received earlier can be flushed after a later one, so
// each subscriber remembers the ids it was sent and never gets one twice.
import type { AnalyticsRepository, RecentEvent } from '../../repositories/index.ts';

export interface Subscriber {
  readonly oid: string;
  send(events: readonly RecentEvent[]): void;
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
      for (const state of states) deliver(state, rows);
    } catch (err) {
      onError(err);
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
