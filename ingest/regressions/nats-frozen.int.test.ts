// A NATS server frozen (SIGSTOP) rather than down: a tracking request is answered 503 within about
// spool.nats.publishTimeoutMs. The shared rate limits' KV calls each waited the NATS client's own 5 s, one
// after the other, before the spool's publish waited its timeout: the 503 came after some 15 s, and a
// client (or a load balancer) had long given up. The rate limits now fall back to this process's counts
// once their share of the wait is spent.
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

/** A page view, abandoned (an AbortError) by a client that waits twice the publish timeout and a second. */
const track = (url: string) =>
  fetch(`${url}/tr/v1/tr/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'CookieConsent=3' },
    body: JSON.stringify({ ename: 'page_view' }),
    signal: AbortSignal.timeout(2 * PUBLISH_TIMEOUT_MS + 1000),
  });

describe('NATS frozen while the spool and the rate limits run on it', () => {
  it('answers 503 OVERLOADED within about the publish timeout, not after every KV call timed out', async () => {
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
    });
    stops.push(() => live.close());
    expect((await track(live.url)).status).toBe(200);

    nats.process.child.kill('SIGSTOP');
    stops.push(async () => void nats.process.child.kill('SIGCONT'));
    const res = await track(live.url);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('OVERLOADED');
  });
});
