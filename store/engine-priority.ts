// The embedded engine runs inside the ingest's process, on the same cores as its event loop: one insert
// into `events` with its materialized views takes a second or more of CPU, and requests that arrive
// meanwhile wait for their acknowledgement behind it. Acknowledgements come first: every thread of the
// process except the event loop and V8's helpers (garbage collection and compilation, which the event loop
// waits on) gets a higher nice value, so the engine and the libuv pool threads that call it run on what
// the event loop leaves. What that costs is the engine's pace under a saturated core: inserts fall behind
// and the spool holds the rows meanwhile (it answers 503 when full), then they catch up when the load
// drops. Linux only (threads are listed in /proc and nice is per thread there); elsewhere nothing changes.
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const TASKS = '/proc/self/task';

/** The event loop's thread (its id is the process id) and V8's platform workers ("V8Worker" in Node 24) keep their priority. */
function keepsPriority(tid: number, name: string): boolean {
  return tid === process.pid || name.startsWith('V8');
}

/** Gives every other thread of the process a nice value of at least `nice`; returns how many it changed. */
export function lowerEngineThreads(nice: number): number {
  let entries: string[];
  try {
    entries = readdirSync(TASKS);
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const entry of entries) {
    const tid = Number(entry);
    try {
      const name = readFileSync(`${TASKS}/${entry}/comm`, 'utf8').trimEnd();
      if (keepsPriority(tid, name) || getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      lowered++;
    } catch {
      // The thread ended between the listing and the call: nothing to lower.
    }
  }
  return lowered;
}

/**
 * Lowers the threads now and again every `everyMs`: threads the event loop's thread starts later (libuv's
 * pool on first use, the engine's pools) would keep its priority; those a lowered thread starts inherit
 * the lowered value. Returns the function that stops it. A nice of 0 does nothing.
 */
export function holdEngineThreadsLow(nice: number, everyMs = 5_000): () => void {
  if (nice <= 0) return () => undefined;
  lowerEngineThreads(nice);
  const timer = setInterval(() => lowerEngineThreads(nice), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
