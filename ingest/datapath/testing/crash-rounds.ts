// The crash-test driver shared by the disk-spool and JetStream-spool tests: start an ingesting child,
// SIGKILL it at a random moment, restart it, several times; then let a last run finish and count.
// Invariants checked on the way: every acknowledged event survives each kill (a restart resumes at or
// after the highest ack seen).
import { expect } from 'vitest';
import { type Child, runChild } from './spawn.ts';

export interface CrashRounds {
  /** Total events the children ingest. */
  readonly n: number;
  readonly kills: number;
  /** Starts an ingesting child (it prints {resume}, then {ack} per group, then {done}). */
  readonly ingest: () => Child;
  /** The data directory the `count` mode reads. */
  readonly dir: string;
  readonly script?: string;
}

export async function crashRounds(o: CrashRounds): Promise<{ count: number; uniq: number; max: number }> {
  let acked = -1;
  // What each round did, printed with the missing and doubled rows when the count is wrong: a rare
  // failure must explain itself from the one run that showed it.
  const rounds: { resumed: number; killedAfterAck: number }[] = [];
  for (let round = 0; round < o.kills; round++) {
    const child = o.ingest();
    const resumed = Number((await child.next((m) => 'resume' in m)).resume);
    expect(resumed, child.stderr()).toBeGreaterThanOrEqual(acked);
    // Kill after a random number of further acks plus a few random milliseconds, so kills land during
    // appends, fsyncs, batch cuts and inserts alike; spread over what is left, so a round never stores
    // everything before its kill (the child would print done instead, and the kill would prove nothing).
    const span = Math.max(1, Math.floor((o.n - 100 - resumed) / (o.kills - round)));
    const target = resumed + 1 + Math.floor(Math.random() * span);
    await child.next((m) => (typeof m.ack === 'number' && m.ack >= target) || m.done === true);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
    child.proc.kill('SIGKILL');
    await child.exited;
    const acks = child.messages.filter((m) => typeof m.ack === 'number').map((m) => Number(m.ack));
    acked = Math.max(acked, ...acks);
    rounds.push({ resumed, killedAfterAck: Math.max(-1, ...acks) });
  }
  const last = o.ingest();
  expect(Number((await last.next((m) => 'resume' in m)).resume)).toBeGreaterThanOrEqual(acked);
  await last.next((m) => m.done === true);
  await last.exited;
  const count = runChild(['count', o.dir], o.script);
  const result = (await count.next((m) => 'count' in m)) as { count: number; uniq: number; max: number };
  await count.exited;
  if (result.count !== o.n || result.uniq !== o.n)
    console.error(`crash rounds ${JSON.stringify(rounds)}; stored rows: ${count.stderr().trim()}`);
  return result;
}
