// Destinations on the JetStream spool (spool.kind nats): each destination's backlog is its own stream
// with a durable consumer, on a real nats-server. Consent and single delivery, an outage of the
// destination, and the stream and consumer as they are left behind.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forgetVisitor, statusOf } from '../testing/erase-http.ts';
import { type Live, setCookies, startLive } from '../testing/live.ts';
import { type ReceiverDouble, startReceiverDouble } from './testing/receiver-double.ts';

let live: Live;
let graph: ReceiverDouble;
const dir = mkdtempSync(join(tmpdir(), 'destinations-nats-int-'));
const id = `D${Date.now().toString(36)}`;
const POLL = { timeout: 30_000, interval: 50 };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

beforeAll(async () => {
  graph = await startReceiverDouble();
  writeFileSync(join(dir, 'token'), 'EAAB-nats-token');
  live = await startLive(
    {
      spool: {
        kind: 'nats',
        dir: join(dir, 'spool'),
        nats: { url: inject('natsUrl'), stream: `SPOOL_${id}`, subjectPrefix: `spool.${id.toLowerCase()}` },
      },
      destinations: {
        dir: join(dir, 'destinations'),
        nats: { streamPrefix: `DEST_${id}`, subjectPrefix: `dest.${id.toLowerCase()}` },
        facebook: [
          {
            name: 'fb',
            pixelId: '42',
            accessTokenFile: join(dir, 'token'),
            graphApiUrl: graph.url,
            delivery: { backoffMs: 20, maxBackoffMs: 200, requestsPerSecond: 1000 },
          },
        ],
      },
    },
    dir,
  );
});
afterAll(async () => {
  await live.close();
  await graph.stop();
});

const track = async (body: unknown, cookie = 'CookieConsent=7') => {
  const res = await fetch(`${live.url}/tr/v1/tr/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'user-agent': 'UA/1.0' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
};
const stored = async (ename: string) =>
  Number(
    (
      await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE ename = {e:String}', { e: ename })
    )[0]?.n,
  );
const sent = (name: string) =>
  graph.accepted.flatMap((r) => r.json.data ?? []).filter((e) => e.event_name === name);

describe('destinations on the JetStream spool', () => {
  it('sends events with the marketing bit once each and nothing else', async () => {
    for (let i = 0; i < 10; i++)
      await track(
        { ename: 'lead', n: i, email: `u${i}@example.com` },
        i < 7 ? 'CookieConsent=7' : 'CookieConsent=3',
      );
    await expect.poll(() => stored('lead'), POLL).toBe(10);
    await expect.poll(() => sent('Lead').length, POLL).toBe(7);
    expect(new Set(sent('Lead').map((e) => e.event_id)).size).toBe(7);
    for (const e of sent('Lead')) expect((e.user_data as { em?: string }).em).toMatch(/^[a-f0-9]{64}$/);
  });

  it('delivers everything after an outage, each event once, and leaves the stream empty', async () => {
    await graph.stop();
    for (let i = 0; i < 15; i++) await track({ ename: 'subscribe', n: i });
    await expect.poll(() => stored('subscribe'), POLL).toBe(15);
    expect(sent('Subscribe')).toHaveLength(0);
    await graph.start();
    await expect.poll(() => sent('Subscribe').length, POLL).toBe(15);
    expect(new Set(sent('Subscribe').map((e) => e.event_id)).size).toBe(15);
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const jsm = await jetstreamManager(nc);
      // Work-queue retention: an acknowledged batch leaves the stream.
      await expect.poll(async () => (await jsm.streams.info(`DEST_${id}_FB`)).state.messages, POLL).toBe(0);
      const consumer = await jsm.consumers.info(`DEST_${id}_FB`, 'fb');
      expect(consumer.num_ack_pending).toBe(0);
    } finally {
      await nc.close();
    }
  });

  // The stream kept an erased visitor's event while Facebook was down, and sent it once Facebook was back,
  // after the erase request said done.
  it('never sends a queued event of a visitor erased while the destination was down', async () => {
    await graph.stop();
    const visit = async () => {
      const res = await live.post('/tr/v1/tr/', { ename: 'contact' }, { cookie: 'CookieConsent=7' });
      expect(res.status).toBe(200);
      return setCookies(res);
    };
    const erased = await visit();
    const kept = await visit();
    await expect.poll(() => stored('contact'), POLL).toBe(2);
    const request_id = await forgetVisitor(live.url, { vid: String(erased.vid), vtok: String(erased.vtok) });
    await expect.poll(() => statusOf(live.url, request_id), POLL).toBe('done');
    await graph.start();
    await expect.poll(() => sent('Contact').length, POLL).toBe(1);
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const jsm = await jetstreamManager(nc);
      await expect.poll(async () => (await jsm.streams.info(`DEST_${id}_FB`)).state.messages, POLL).toBe(0);
      // the mark is in the bucket every replica watches
      expect((await jsm.streams.info(`KV_DEST_${id}_erased`)).state.messages).toBe(1);
    } finally {
      await nc.close();
    }
    expect(sent('Contact')).toHaveLength(1);
    const external = (e: Record<string, unknown>) => (e.user_data as { external_id?: string }).external_id;
    expect(external(sent('Contact')[0] ?? {})).toBe(sha256(kept.vid ?? ''));
  });
});
