// Test helper: run a data-path child script (disk-child.ts by default) and read its JSON lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./disk-child.ts', import.meta.url));

export type Msg = Record<string, unknown>;

export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first message matching `predicate` (rejects if the child ends first). */
  next(predicate: (msg: Msg) => boolean): Promise<Msg>;
  readonly messages: Msg[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

export function runChild(args: string[], script = CHILD): Child {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Msg[] = [];
  const waiters: { predicate: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const lines = createInterface({ input: proc.stdout! });
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as Msg;
    messages.push(msg);
    for (const w of [...waiters]) {
      if (w.predicate(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Reject only once stdout is fully read: at 'exit', lines may still be buffered (a flaky "exited
  // before the message" when the message was in fact sent).
  const ended = new Promise<void>((resolve) => lines.once('close', resolve));
  return {
    proc,
    messages,
    exited,
    stderr: () => err,
    next: (predicate) => {
      const seen = messages.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void Promise.all([ended, exited]).then(([, { code, signal }]) =>
          reject(
            new Error(`child exited (${code ?? signal}) before the expected message: ${err.slice(-2000)}`),
          ),
        );
      });
    },
  };
}
