// The embedded engine runs inside the ingest's process, on the same cores as its event loop: one insert
// into `events` with its materialized views takes a second or more of CPU, and requests that arrive
// meanwhile wait for their acknowledgement behind it. Acknowledgements come first: every thread of the
// process except the event loop, V8's helpers (garbage collection and compilation, which the event loop
// waits on) and libuv's pool (the spool's writes and fdatasyncs) runs below them: the engine's own
// threads and the thread its inserts run on (insert-thread.ts).
//
// Below them means SCHED_IDLE where the process may also take it back (ADR 0069): the engine then runs
// only on CPU time nothing else wants. An idle-class engine gets next to nothing while the core is
// saturated, so when it falls behind (EmbeddedStore.catchUp, decided by the data path) its threads go back
// to SCHED_OTHER at `nice` until it has caught up. Elsewhere (no addon, not Linux, or no permission to
// leave SCHED_IDLE: RLIMIT_NICE below 20 - nice and no CAP_SYS_NICE) they stay at `nice` (ADR 0040), which
// already lets the engine's pace under a saturated core fall: the spool holds the rows meanwhile (it
// answers 503 when full), and they catch up when the load drops. Threads are listed in /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { loadSched, SCHED_IDLE, SCHED_OTHER, type Sched } from './native/sched.ts';

const TASKS = '/proc/self/task';

/** The event loop's thread (its id is the process id) and V8's platform workers ("V8Worker" in Node 24) keep their priority. */
function keepsPriority(tid: number, name: string): boolean {
  return tid === process.pid || name.startsWith('V8');
}

const threadName = (entry: string): string => readFileSync(`${TASKS}/${entry}/comm`, 'utf8').trimEnd();

let pool: Promise<ReadonlySet<number>> | undefined;

/**
 * The ids of libuv's pool threads, listed once per process before the engine's first call: the engine
 * names the threads it runs on after its own work, so their names say nothing once it has. The pool
 * starts all its threads on its first operation, which this awaits. Empty where /proc is missing.
 */
export function libuvPoolThreads(): Promise<ReadonlySet<number>> {
  pool ??= access(TASKS).then(
    () => {
      const tids = new Set<number>();
      for (const entry of readdirSync(TASKS)) {
        try {
          if (threadName(entry) === 'libuv-worker') tids.add(Number(entry));
        } catch {
          // The thread ended between the listing and the read: not one of the pool's.
        }
      }
      return tids;
    },
    () => new Set<number>(),
  );
  return pool;
}

/** How the engine's threads run: the idle class, or the normal one at a nice value. */
export type EngineMode = 'idle' | 'nice';

/** What one pass over the threads applies. */
export interface EngineThreadsTarget {
  readonly nice: number;
  readonly mode: EngineMode;
  /** Thread ids that keep the process's priority (libuv's pool), besides the event loop and V8's. */
  readonly keep: ReadonlySet<number>;
  /** Needed for mode 'idle'. */
  readonly sched?: Sched;
}

/** One thread to `target`: a nice value of at least target.nice, and the policy of its mode. */
function applyTo(tid: number, target: EngineThreadsTarget): boolean {
  let changed = false;
  if (getPriority(tid) < target.nice) {
    setPriority(tid, target.nice);
    changed = true;
  }
  const sched = target.sched;
  if (sched === undefined) return changed;
  const want = target.mode === 'idle' ? SCHED_IDLE : SCHED_OTHER;
  const policy = sched.policy(tid);
  // only the two policies this module sets: a thread someone made real-time is not ours to change
  if (policy === want || (policy !== SCHED_IDLE && policy !== SCHED_OTHER)) return changed;
  sched.setPolicy(tid, want);
  return true;
}

/** Applies `target` to every thread of the process but the kept ones; returns how many it changed. */
export function lowerEngineThreads(target: EngineThreadsTarget): number {
  let entries: string[];
  try {
    entries = readdirSync(TASKS);
  } catch {
    return 0;
  }
  let changed = 0;
  for (const entry of entries) {
    const tid = Number(entry);
    if (target.keep.has(tid)) continue;
    try {
      if (keepsPriority(tid, threadName(entry))) continue;
      if (applyTo(tid, target)) changed++;
    } catch {
      // The thread ended between the listing and the call: nothing to change.
    }
  }
  return changed;
}

/**
 * Whether the engine may run in the idle class here, and why not when it may not: the addon is needed
 * to set it, and the permission to leave it again, without which nothing could lift a starved engine.
 */
export function idleClass(
  nice: number,
  load: typeof loadSched = loadSched,
): { sched: Sched } | { why: string } {
  const loaded = load();
  if ('missing' in loaded) return { why: loaded.missing };
  if (!loaded.sched.canLeaveIdle(nice))
    return {
      why: `this process may not take a thread out of SCHED_IDLE at nice ${nice} (needs RLIMIT_NICE >= ${20 - nice}, e.g. docker run --ulimit nice=${20 - nice}, or CAP_SYS_NICE)`,
    };
  return loaded;
}

export interface EnginePriorityOptions {
  readonly nice: number;
  /** The addon, when the idle class is to be used; absent: nice only. */
  readonly sched?: Sched;
  readonly keep: ReadonlySet<number>;
  readonly everyMs?: number;
}

/**
 * Holds the engine's threads below the event loop: now and again every `everyMs`, because threads the
 * event loop or the pool start later (the engine's pools, started by a query) would keep the process's
 * priority; those a lowered thread starts inherit its policy and nice value. A nice of 0 does nothing.
 */
export class EnginePriority {
  readonly #nice: number;
  readonly #sched: Sched | undefined;
  readonly #keep: ReadonlySet<number>;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #mode: EngineMode;

  constructor(opts: EnginePriorityOptions) {
    this.#nice = opts.nice;
    this.#sched = opts.nice > 0 ? opts.sched : undefined;
    this.#keep = opts.keep;
    this.#mode = this.#sched === undefined ? 'nice' : 'idle';
    if (opts.nice <= 0) return;
    this.#apply();
    this.#timer = setInterval(() => this.#apply(), opts.everyMs ?? 5_000);
    this.#timer.unref();
  }

  get mode(): EngineMode {
    return this.#mode;
  }

  /**
   * `behind`: the engine's threads leave the idle class (at the nice value still) at once, and stay out
   * until called with false. Without the idle class there is nothing to lift.
   */
  catchUp(behind: boolean): void {
    if (this.#sched === undefined || this.#timer === undefined) return;
    const mode = behind ? 'nice' : 'idle';
    if (mode === this.#mode) return;
    this.#mode = mode;
    this.#apply();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #apply(): void {
    lowerEngineThreads({
      nice: this.#nice,
      mode: this.#mode,
      keep: this.#keep,
      ...(this.#sched === undefined ? {} : { sched: this.#sched }),
    });
  }
}
