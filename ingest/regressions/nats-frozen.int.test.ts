// A NATS server frozen (SIGSTOP) rather than down: a tracking request is answered 503 within about
// spool.nats.publishTimeoutMs. The shared rate limits' KV calls each waited the NATS client's own 5 s, one
// after the other, before the spool's publish waited its timeout: the 503 came after some 15 s, and a
// client (or a load balancer) had long given up. The rate limits now fall back to this process's counts
// once their share of the wait is spent; a day's shared salt not yet held is a 503 as soon.
// The real ingest in this process; a nats-server of its own, stopped and continued by the test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNats } from '../../e2e/env/nats.ts';
import { startLive } from '../testing/live.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const PUBLISH_TIMEOUT_MS = 1000;

/**
 * A page view, abandoned (an AbortError) by a client that waits twice the publish timeout and a second;
 * without consent it is cookieless, its visitor id made with the day's salt.
 */
const track = (url: string, consent = true) =>
  fetch(`${url}/tr/v1/tr/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(consent ? { cookie: 'CookieConsent=3' } : {}) },
    body: JSON.stringify({ ename: 'page_view' }),
    signal: AbortSignal.timeout(2 * PUBLISH_TIMEOUT_MS + 1000),
  });

/** An ingest whose spool, rate limits and salts are on a nats-server of its own, which `freeze` stops. */
async function ingestOnNats() {
  const nats = await startNats(mkdtempSync(join(tmpdir(), 'nats-frozen-')));
  stops.push(() => nats.process.stop());
  const live = await startLive({
    nats: { url: nats.url },
    spool: {
      kind: 'nats',
      nats: {
        url: nats.url,
        stream: 'FROZEN_SPOOL',
        subjectPrefix: 'frozen',
        publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      },
    },
    rateLimits: { burst: 100, perIpPerDay: 100_000, shared: 'nats', kvBucket: 'frozen_limits' },
    privacy: { salts: 'nats' },
  });
  stops.push(() => live.close());
  const freeze = () => {
    nats.process.child.kill('SIGSTOP');
    stops.push(async () => void nats.process.child.kill('SIGCONT'));
  };
  return { url: live.url, freeze };
}

describe('NATS frozen while the spool, the rate limits and the salts run on it', () => {
  // one test: the embedded engine is one per process
  it('answers 503 OVERLOADED within about the publish timeout, the salt of a cookieless request as soon', async () => {
    const ingest = await ingestOnNats();
    expect((await track(ingest.url)).status).toBe(200);
    ingest.freeze();
    for (const consent of [true, false]) {
      const res = await track(ingest.url, consent);
      expect({ consent, status: res.status }).toEqual({ consent, status: 503 });
      expect(((await res.json()) as { error: string }).error).toBe('OVERLOADED');
    }
  });
});
