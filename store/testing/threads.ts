// The process's threads as the kernel lists them, for tests of their priorities.
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
