// Destinations end to end on the disk spool: real HTTP into the real ingest (data path, chdb), events
// forwarded to a Graph API test double and a webhook receiver double on local ports. Consent, hashing
// (Facebook's documented examples), an outage of the destination, a permanent refusal, the signature.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';
import { type ReceiverDouble, startReceiverDouble } from './testing/receiver-double.ts';
import { verifySignature } from './webhook/signature.ts';

const TOKEN = 'EAAB-test-token-never-logged';
const SECRET = 'whsec-test-secret';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Test/1.0';
// Facebook's documented examples (customer information parameters) and the SHA-256 of their normalised forms
const EM = '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'; // John_Smith@gmail.com
const PH = 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'; // (650)555-1212, US → 16505551212
const CT = '0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685'; // Menlo Park → menlopark
const ST = '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'; // California → ca
const ZP = '1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e'; // 94035
const COUNTRY = '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'; // US → us

let live: Live;
let graph: ReceiverDouble;
let hook: ReceiverDouble;
const dir = mkdtempSync(join(tmpdir(), 'destinations-int-'));
const POLL = { timeout: 20_000, interval: 50 };

beforeAll(async () => {
  graph = await startReceiverDouble();
  hook = await startReceiverDouble();
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'secret'), SECRET);
  const delivery = { backoffMs: 20, maxBackoffMs: 200, requestsPerSecond: 1000 };
  live = await startLive(
    {
      destinations: {
        dir: join(dir, 'destinations'),
        facebook: [
          {
            name: 'fb',
            pixelId: '1234567890',
            accessTokenFile: join(dir, 'token'),
            graphApiUrl: graph.url,
            testEventCode: 'TEST4242',
            delivery,
          },
        ],
        webhooks: [
          {
            name: 'crm',
            url: `${hook.url}/hooks/tracker`,
            signingSecretFile: join(dir, 'secret'),
            consent: [],
            route: { enames: ['signup'] },
            delivery,
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
  await hook.stop();
});

const track = (body: unknown, cookie = 'CookieConsent=7') =>
  fetch(`${live.url}/tr/v1/tr/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'user-agent': UA },
    body: JSON.stringify(body),
  }).then(async (res) => {
    expect(res.status).toBe(200);
    return res;
  });
const stored = async (ename: string) =>
  Number(
    (
      await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE ename = {e:String}', { e: ename })
    )[0]?.n,
  );
const metric = async (line: RegExp) => {
  const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
};
const sentTo = (double: ReceiverDouble, name: string) =>
  double.accepted.flatMap((r) => r.json.data ?? []).filter((e) => e.event_name === name);

describe('Facebook Conversions API destination', () => {
  it('sends events with the marketing bit once each, hashed as Facebook documents; others never', async () => {
    const consented = { ename: 'purchase', email: 'John_Smith@gmail.com', cell: '+1 (650) 555-1212' };
    const place = { city: 'Menlo Park', region: 'California', zip: '94035', country: 'US' };
    const url = 'https://shop.example/thanks?fbclid=IwAR0click';
    await track(
      { ...consented, ...place, url, value: 99.5, currency: 'USD' },
      'CookieConsent=7; _fbp=fb.1.1700000000000.42',
    );
    await track({ ename: 'purchase', email: 'other@example.com', n: 2 });
    await track({ ename: 'purchase', email: 'nomarketing@example.com' }, 'CookieConsent=3'); // analytics only
    await track({ ename: 'purchase', email: 'noconsent@example.com' }, ''); // no consent data at all
    // Every event is stored; the two without the marketing bit are counted as skipped, never sent.
    await expect.poll(() => stored('purchase'), POLL).toBe(4);
    await expect.poll(() => sentTo(graph, 'Purchase').length, POLL).toBe(2);
    await expect
      .poll(
        () =>
          metric(/tracker_destination_skipped_events_total\{destination="fb",reason="no_consent"\} (\d+)/),
        POLL,
      )
      .toBe(2);
    const events = sentTo(graph, 'Purchase');
    expect(new Set(events.map((e) => e.event_id)).size).toBe(2);
    const first = events.find((e) => (e.user_data as { em?: string }).em === EM);
    expect(first?.user_data).toMatchObject({
      em: EM,
      ph: PH,
      ct: CT,
      st: ST,
      zp: ZP,
      country: COUNTRY,
      client_user_agent: UA,
      fbp: 'fb.1.1700000000000.42',
      client_ip_address: expect.any(String),
      external_id: expect.stringMatching(/^[a-f0-9]{64}$/),
    });
    expect((first?.user_data as { fbc?: string } | undefined)?.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR0click$/);
    expect(first).toMatchObject({
      action_source: 'website',
      event_source_url: url,
      custom_data: { value: 99.5, currency: 'USD' },
    });
    expect(first?.event_time).toBe(Math.floor(first?.event_time as number));
    const request = graph.accepted.find((r) => r.json.data?.some((e) => e.event_id === first?.event_id));
    expect(request?.path).toBe('/v27.0/1234567890/events');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.json.test_event_code).toBe('TEST4242');
    expect(request?.body).not.toContain(TOKEN);
  });

  it('keeps match keys only for events with the marketing bit, and never the raw email', async () => {
    await track({ ename: 'lead', email: 'kept@example.com' });
    await track(
      { ename: 'lead', email: 'dropped@example.com' },
      'CookieConsent=3; _fbp=fb.1.1700000000000.7',
    );
    await expect.poll(() => stored('lead'), POLL).toBe(2);
    const rows = await live.rows<{ cflags: string; raw: string; m: string }>(
      "SELECT cflags, toString(params) AS raw, toJSONString(ad_match) AS m FROM events WHERE ename = 'lead' ORDER BY cflags",
    );
    expect(rows.map((r) => [r.cflags, r.m.includes('"em"') && r.m.includes('"ua"')])).toEqual([
      [3, false],
      [7, true],
    ]);
    for (const r of rows) expect(r.raw).not.toMatch(/@example\.com|fb\.1\.1700000000000\.7/);
  });

  it('delivers everything after an outage, each event once', async () => {
    await graph.stop();
    for (let i = 0; i < 20; i++) await track({ ename: 'add_to_cart', n: i });
    await expect.poll(() => stored('add_to_cart'), POLL).toBe(20);
    await expect
      .poll(() => metric(/tracker_destination_retries_total\{destination="fb"\} (\d+)/), POLL)
      .toBeGreaterThan(0);
    expect(sentTo(graph, 'AddToCart')).toHaveLength(0);
    await graph.start();
    await expect.poll(() => sentTo(graph, 'AddToCart').length, POLL).toBe(20);
    expect(new Set(sentTo(graph, 'AddToCart').map((e) => e.event_id)).size).toBe(20);
  });

  it('dead-letters an event Facebook refuses for good, and delivers the rest of its request', async () => {
    graph.behaviour.refuse = (e) => String(e.event_source_url).endsWith('/poison');
    await fetch(`${live.url}/tr/v1/tr/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'CookieConsent=7', 'user-agent': UA },
      body: JSON.stringify(
        Array.from({ length: 6 }, (_v, i) => ({
          ename: 'search',
          url: `https://shop.example/${i === 3 ? 'poison' : i}`,
        })),
      ),
    });
    await expect.poll(() => sentTo(graph, 'Search').length, POLL).toBe(5);
    const letters = () => readLetters(join(dir, 'destinations', 'fb', 'dead-letters.jsonl'));
    await expect.poll(() => letters().length, POLL).toBe(1);
    const [letter] = letters();
    expect(letter).toMatchObject({ destination: 'fb', reason: expect.stringContaining('Invalid parameter') });
    expect((letter?.event as { url?: string } | undefined)?.url).toBe('https://shop.example/poison');
    expect(JSON.stringify(letter)).not.toContain(TOKEN);
    graph.behaviour.refuse = undefined;
  });
});

describe('webhook destination', () => {
  it('posts the routed events, signed, whatever their consent when it requires none', async () => {
    await track({ ename: 'signup', plan: 'pro' });
    await track({ ename: 'signup', plan: 'free' }, '');
    await track({ ename: 'page_view' });
    await expect.poll(() => hook.ids().length, POLL).toBe(2);
    const events = hook.accepted.flatMap((r) => r.json.events ?? []);
    expect(events.map((e) => e.ename)).toEqual(['signup', 'signup']);
    for (const e of events) expect(e.ad_match).toBeUndefined();
    for (const r of hook.accepted) {
      expect(r.path).toBe('/hooks/tracker');
      expect(r.json.destination).toBe('crm');
      expect(verifySignature(String(r.headers['x-tracker-signature']), r.body, SECRET, Date.now())).toBe(
        true,
      );
      expect(
        verifySignature(String(r.headers['x-tracker-signature']), `${r.body} `, SECRET, Date.now()),
      ).toBe(false);
    }
  });
});

function readLetters(path: string): Record<string, unknown>[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}
