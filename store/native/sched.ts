// The scheduling-policy addon (sched.c), loaded when it is there: built by `make deps` and into the ingest
// image; absent on other systems, or where no C compiler built it. Its callers fall back to nice values.
import { createRequire } from 'node:module';

export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

export interface Sched {
  /** The thread's policy (SCHED_OTHER, SCHED_IDLE, ...); tid 0 is the calling thread. */
  policy(tid: number): number;
  /** Sets SCHED_OTHER or SCHED_IDLE; throws with `code` EPERM, ESRCH or EINVAL when refused. */
  setPolicy(tid: number, policy: typeof SCHED_OTHER | typeof SCHED_IDLE): void;
  /** Whether a thread of this process at `nice` may leave SCHED_IDLE again (RLIMIT_NICE or CAP_SYS_NICE). */
  canLeaveIdle(nice: number): boolean;
}

/** The addon, or why there is none (one line for the log). */
export function loadSched(): { sched: Sched } | { missing: string } {
  if (process.platform !== 'linux')
    return { missing: `scheduling policies are Linux's (${process.platform})` };
  try {
    return { sched: createRequire(import.meta.url)('./sched.node') as Sched };
  } catch (err) {
    return {
      missing: `store/native/sched.node not loaded (${(err as Error).message.split('\n')[0]}); make deps builds it`,
    };
  }
}
