// Crash test of the JetStream spool (the disk spool's is crash.int.test.ts): a child ingests N events
// through the real data path with spool.kind nats and is SIGKILLed at random moments, several times,
// then restarted. No acknowledged event may be lost and none may be stored twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./nats-crash-child.ts', import.meta.url));
const N = 2000;
const KILLS = 4;
type Msg = Record<string, unknown>;

function run(args: string[]) {
  const proc: ChildProcess = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Msg[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => messages.push(JSON.parse(line) as Msg));
  // Its stdout fully read (not merely exited: lines may still be buffered when 'exit' fires).
  let ended = false;
  lines.on('close', () => {
    ended = true;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stderrRead = new Promise<void>((resolve) => proc.stderr?.once('close', () => resolve()));
  const next = async (predicate: (m: Msg) => boolean): Promise<Msg> => {
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      if (ended) {
        await stderrRead;
        await exited;
        const how = proc.signalCode ?? `code ${proc.exitCode}`;
        throw new Error(`child exited (${how}) before the message; stderr:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { proc, messages, exited, next, stderr: () => stderr };
}

describe('the JetStream spool under SIGKILL', () => {
  it(`stores exactly ${N} events after ${KILLS} random kills and restarts`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-crash-'));
    const args = [dir, inject('natsUrl'), `CRASH_${Date.now().toString(36)}`];
    let acked = -1;
    for (let round = 0; round < KILLS; round++) {
      const child = run(['ingest', ...args, String(N)]);
      const resumed = Number((await child.next((m) => 'resume' in m)).resume);
      expect(resumed, child.stderr()).toBeGreaterThanOrEqual(acked);
      // Spread the kills over what is left, so a round never runs out of events before its kill (a child
      // that stored everything reports done instead of acks, and a kill then proves nothing).
      const span = Math.max(1, Math.floor((N - 100 - resumed) / (KILLS - round)));
      const target = resumed + 1 + Math.floor(Math.random() * span);
      await child.next((m) => (typeof m.ack === 'number' && m.ack >= target) || m.done === true);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
      child.proc.kill('SIGKILL');
      await child.exited;
      acked = Math.max(
        acked,
        ...child.messages.filter((m) => typeof m.ack === 'number').map((m) => Number(m.ack)),
      );
    }
    const last = run(['ingest', ...args, String(N)]);
    expect(Number((await last.next((m) => 'resume' in m)).resume)).toBeGreaterThanOrEqual(acked);
    await last.next((m) => m.done === true);
    await last.exited;

    const count = run(['count', dir]);
    const result = await count.next((m) => 'count' in m);
    await count.exited;
    expect(result, count.stderr()).toEqual({ count: N, uniq: N, max: N - 1 });
  }, 300_000);
});
