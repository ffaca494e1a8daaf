// Every keyed hash (ehash, iphash, cookieless vids) changes with the HMAC key, so rows stored with one key
// no longer match new ones and an erase request by email finds none of them. Two ways a self-hosted
// install changed its key without a word: a data directory restored without its hash.key (a new key was
// generated beside the stored events), and privacy.hashKeyFile set after months on the generated key. Both
// are now said at start. The real `node ingest/server.ts` on the real engine.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

/** Starts the ingest in `cwd`, calls `whileUp` with its URL once it listens, stops it; returns its output. */
async function run(cwd: string, config: object, whileUp: (url: string) => Promise<void> = async () => {}) {
  writeFileSync(
    join(cwd, 'ingest.json'),
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, opsPort: 0 },
      sql: { port: 0 },
      batching: { tables: { events: { maxDelayMs: 0 } } },
      ...config,
    }),
  );
  const child: ChildProcess = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    stdio: 'pipe',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  let output = '';
  const up = new Promise<string>((resolve) => {
    const collect = (d: Buffer) => {
      output += String(d);
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
      if (url !== undefined) resolve(url);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const url = await Promise.race([up, exited.then(() => Promise.reject(new Error(`exited: ${output}`)))]);
  await whileUp(url);
  child.kill('SIGTERM');
  expect(await exited, output).toBe(0);
  return output;
}

const sendEvent = async (url: string) => {
  const res = await fetch(`${url}/tr/v1/str/`, {
    method: 'POST',
    body: JSON.stringify({ ename: 'signup', email: 'ada@example.com' }),
  });
  expect(res.status).toBe(200);
};

describe('a hash key other than the one the stored rows were hashed with', () => {
  it('is said when a restored data directory lacks its hash.key, and when privacy.hashKeyFile replaces it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hash-key-'));
    const first = await run(cwd, {}, sendEvent);
    expect(first).not.toMatch(/hash key|hashKeyFile/);
    expect(first).toMatch(/stopped: every acknowledged row is stored/);

    // an unchanged start says nothing
    expect(await run(cwd, {})).not.toMatch(/hash key|hashKeyFile/);

    rmSync(join(cwd, 'data', 'hash.key'));
    expect(await run(cwd, {})).toMatch(
      /privacy: a new hash key was generated in .*hash\.key, but the store already holds 1 events hashed with another/,
    );

    const own = join(cwd, 'own.key');
    writeFileSync(own, 'a key of my own, thirty-two bytes!');
    expect(await run(cwd, { privacy: { hashKeyFile: own } })).toMatch(
      /privacy\.hashKeyFile: .*own\.key holds another key than .*hash\.key, which hashed what was stored before it was set/,
    );
  });
});
