// Delivery: one batch in flight at a time; a full batch goes at once, a partial one after `flushMs`.
// Failures back off exponentially (with jitter, at least the ingest's Retry-After); coming back online
// or an explicit flush retries at once. A batch refused as bad input is split and its events sent one by
// one, so a single bad event cannot hold back the others; only an event refused on its own is dropped.
import type { Ev, Queue } from './queue.ts';
import { KEEPALIVE_MAX_BYTES, type Transport } from './transport.ts';

export interface SenderOptions {
  readonly batchSize: number;
  readonly flushMs: number;
  readonly retryMs: number;
  readonly retryMaxMs: number;
  readonly onDrop: (event: Ev, error: string, message?: string) => void;
  /** Whether unsent events survive the page (storage allowed). */
  readonly persistent: () => boolean;
}

export interface Sender {
  /** An event was queued. */
  schedule(): void;
  /** Sends everything ready now, ignoring the backoff. */
  flush(): Promise<void>;
  /** The page is being hidden or unloaded: hand what is ready to the browser's beacon. */
  hide(): void;
  stop(): void;
}

export function createSender(queue: Queue, transport: Transport, o: SenderOptions): Sender {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;
  let running: Promise<void> | undefined;
  let failures = 0;
  let retryAt = 0;

  /** Runs the loop in `ms`, unless it is due sooner already. */
  const arm = (ms: number) => {
    if (timer !== undefined && timerAt <= Date.now() + ms) return;
    clearTimeout(timer);
    timerAt = Date.now() + ms;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, ms);
  };

  /** Sends one batch; true when the queue moved (keep going), false when it is empty or failing. */
  async function once(): Promise<boolean> {
    const evs = queue.take(o.batchSize);
    if (evs.length === 0) return false;
    const r = await transport.send(evs);
    if (r.ok) {
      failures = 0;
      queue.remove(evs);
      return true;
    }
    if (r.final) {
      if (evs.length > 1) queue.release(evs, true);
      else {
        queue.remove(evs);
        o.onDrop(evs[0]!, r.error ?? 'REFUSED', r.message);
      }
      return true;
    }
    queue.release(evs, false);
    failures++;
    const backoff = Math.min(o.retryMaxMs, o.retryMs * 2 ** (failures - 1));
    retryAt = Date.now() + Math.ceil(Math.max(r.retryMs ?? 0, backoff * (0.5 + Math.random() / 2)));
    return false;
  }

  async function loop(): Promise<void> {
    while (Date.now() >= retryAt && navigator.onLine !== false && (await once()));
  }

  // The cleanup is a `finally` callback, which always runs after `running` is assigned: a loop with
  // nothing to send (backing off, offline) ends without awaiting, and cleared inside itself it would
  // stay recorded as running, so that no later run, flush() included, would ever send again.
  function run(): Promise<void> {
    running ??= loop().finally(() => {
      running = undefined;
      const wait = retryAt - Date.now();
      if (queue.ready() > 0) arm(wait > 0 ? wait : o.flushMs);
    });
    return running;
  }

  return {
    schedule() {
      if (queue.ready() >= o.batchSize) void run();
      else arm(o.flushMs);
    },
    flush() {
      retryAt = 0;
      return run();
    },
    hide() {
      // The ingest failed last time: a beacon would most likely be lost, while stored events are sent
      // from the next page.
      if (failures > 0 && o.persistent()) return;
      // every group first (each take marks its events as sending), so a refused beacon is not retaken;
      // a group is a batch or one event that must travel alone
      const groups: Ev[][] = [];
      for (let evs = queue.take(o.batchSize); evs.length > 0; evs = queue.take(o.batchSize)) groups.push(evs);
      for (const chunk of groups.flatMap(chunks)) {
        if (transport.beacon(chunk)) queue.remove(chunk);
        else queue.release(chunk, false);
      }
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Splits events into beacon-sized chunks (an event too big for a beacon travels alone and may fail). */
function chunks(evs: readonly Ev[]): Ev[][] {
  const out: Ev[][] = [];
  let cur: Ev[] = [];
  let size = 2;
  for (const ev of evs) {
    const n = JSON.stringify(ev).length * 3;
    if (cur.length > 0 && size + n > KEEPALIVE_MAX_BYTES) {
      out.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(ev);
    size += n + 1;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
