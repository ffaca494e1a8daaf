// Two real ingest processes on the real nats-server share one burst bucket per client IP
// (`rateLimits.shared: nats`): together they accept exactly `burst` requests in one instant and refuse the
// rest with 429, where two processes with local limits accept `burst` each. Both processes' request clocks
// are frozen at the same instant (test support: ingest/testing/frozen-clock-server.ts), so no token is
// refilled between requests and the counts do not depend on how fast the requests are sent.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stopChild } from '../../e2e/env/process.ts';

const script = new URL('../testing/frozen-clock-server.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterAll(() => Promise.all(children.map((c) => stopChild(c))));

/** One ingest process with its own data directory, this config on top, its clock frozen at `at`. */
async function startIngest(config: Record<string, unknown>, at: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'burst-'));
  const file = join(dir, 'config.json');
  const own = {
    server: { stateDir: join(dir, 'state') },
    store: { kind: 'embedded', path: join(dir, 'chdb') },
    spool: { dir: join(dir, 'spool') },
  };
  writeFileSync(file, JSON.stringify({ ...own, ...config }));
  const child = spawn(process.execPath, [script, file, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    );
    child.once('exit', (code) => reject(new Error(`ingest exited with ${code} before listening`)));
  });
}

/** Four rounds of six requests, three to each process, the six of a round sent at once. */
async function hammer(urls: readonly string[]): Promise<{ status: number; retryAfter: string | null }[]> {
  const send = (url: string) =>
    fetch(`${url}/tr/v1/str/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ename: 'burst_probe' }),
    }).then((r) => ({ status: r.status, retryAfter: r.headers.get('retry-after') }));
  const results = [];
  for (let round = 0; round < 4; round++) {
    results.push(...(await Promise.all([0, 1, 0, 1, 0, 1].map((i) => send(urls[i % urls.length]!)))));
  }
  return results;
}

const burst = 5;
const keyFile = () => {
  const path = join(mkdtempSync(join(tmpdir(), 'burst-key-')), 'hash.key');
  writeFileSync(path, randomBytes(32));
  return path;
};

describe('the burst limit across ingest processes', () => {
  it('shared through NATS: two processes together accept `burst` per IP, then answer 429 + Retry-After', async () => {
    // Replicas share the hash key (the KV entry is keyed by the IP's keyed hash), as the operator arranges.
    const config = {
      rateLimits: { burst, shared: 'nats', kvBucket: `burst_${process.pid}_${Date.now()}` },
      nats: { url: inject('natsUrl') },
      privacy: { hashKeyFile: keyFile() },
    };
    const at = Date.now();
    const urls = await Promise.all([startIngest(config, at), startIngest(config, at)]);
    const results = await hammer(urls);
    expect(results.filter((r) => r.status === 200)).toHaveLength(burst);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(results.length - burst);
    for (const r of refused) expect(r).toEqual({ status: 429, retryAfter: '1' });
  });

  it('local (the contrast): each process has its own bucket, so together they accept twice as many', async () => {
    const at = Date.now();
    const config = { rateLimits: { burst } };
    const urls = await Promise.all([startIngest(config, at), startIngest(config, at)]);
    const results = await hammer(urls);
    expect(results.filter((r) => r.status === 200)).toHaveLength(2 * burst);
  });
});
