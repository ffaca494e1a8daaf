// The process's threads as the kernel lists them, for tests of their priorities and policies.
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';

export interface Thread {
  readonly tid: number;
  readonly name: string;
  readonly nice: number;
}

export function threads(): Thread[] {
  return readdirSync('/proc/self/task').map((entry) => ({
    tid: Number(entry),
    name: readFileSync(`/proc/self/task/${entry}/comm`, 'utf8').trimEnd(),
    nice: getPriority(Number(entry)),
  }));
}

/** A thread's scheduling policy as the kernel reports it (the "policy" line of its sched file). */
export function policyOf(tid: number): number {
  const sched = readFileSync(`/proc/self/task/${tid}/sched`, 'utf8');
  const policy = /^policy\s*:\s*(\d+)$/m.exec(sched)?.[1];
  if (policy === undefined) throw new Error(`no policy line in /proc/self/task/${tid}/sched`);
  return Number(policy);
}
