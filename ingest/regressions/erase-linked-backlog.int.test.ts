// An erase request by email deleted from the store the events of every id linked to the person (their
// uid, and the vids that uid signed in on), but the mark it left for the destinations named the email
// hash alone: an event of a linked vid or uid still queued in a backlog (the destination was down) was
// forwarded after the request said done. Real HTTP, real data path, chdb, a webhook receiver double on
// a local port.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-keys.ts';
import { type ReceiverDouble, startReceiverDouble } from '../destinations/testing/receiver-double.ts';
import { statusOf } from '../testing/erase-http.ts';
import { type Live, startLive } from '../testing/live.ts';

const OID = '0a000000-0000-4000-8000-00000000e101';
const VID = 'a9000000-0000-4000-8000-00000000e1a1';
const UID = 'a9000000-0000-4000-8000-00000000e1b1';
/** Another browser of the same person: linked by the uid, never by the email. */
const LINKED_VID = 'a9000000-0000-4000-8000-00000000e1c1';
const SOMEONE_ELSE = 'a9000000-0000-4000-8000-00000000e1d1';
const POLL = { timeout: 20_000, interval: 50 };

const dir = mkdtempSync(join(tmpdir(), 'erase-linked-backlog-'));
let live: Live;
let down: ReceiverDouble;
let key: string;

beforeAll(async () => {
  down = await startReceiverDouble({ status: 503 });
  writeFileSync(join(dir, 'secret'), 'whsec-erase-linked');
  const k = await newApiKey(OID, 'acme');
  key = k.key;
  live = await startLive(
    {
      apiKeys: { keys: [{ id: k.entry.keyId, oid: k.entry.oid, org: k.entry.org, hash: k.entry.hash }] },
      destinations: {
        dir: join(dir, 'destinations'),
        webhooks: [
          {
            name: 'crm',
            url: down.url,
            signingSecretFile: join(dir, 'secret'),
            consent: [],
            route: { enames: ['signup'] },
            delivery: { backoffMs: 20, maxBackoffMs: 100, requestsPerSecond: 1000 },
          },
        ],
      },
    },
    dir,
  );
});
afterAll(async () => {
  await live.close();
  await down.stop();
});

const metric = async (line: RegExp) => {
  const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
};
const delivered = () => down.accepted.flatMap((r) => r.json.events ?? []);
const storedEvents = async () =>
  Number((await live.rows<{ n: string }>('SELECT count() AS n FROM events'))[0]?.n);

describe('an erase request by email and the destination backlogs', () => {
  it('drops the queued events of the ids linked to the person, as the store erases them', async () => {
    const send = (body: object) => live.post('/tr/v1/str/', { oid: OID, ename: 'signup', ...body });
    expect((await send({ vid: VID, uid: UID, email: 'Lee@Example.com' })).status).toBe(200);
    expect((await send({ vid: LINKED_VID, uid: UID })).status).toBe(200);
    expect((await send({ vid: LINKED_VID })).status).toBe(200);
    expect((await send({ vid: SOMEONE_ELSE })).status).toBe(200);
    await expect.poll(storedEvents, POLL).toBe(4);
    // crm is down: every signup waits in its backlog
    await expect
      .poll(() => metric(/tracker_destination_retries_total\{destination="crm"\} (\d+)/), POLL)
      .toBeGreaterThan(0);

    const res = await live.post(
      '/tr/v1/ppi/forget',
      { email: 'lee@example.com' },
      { authorization: `Bearer ${key}` },
    );
    expect(res.status).toBe(202);
    const { request_id } = (await res.json()) as { request_id: string };
    await expect.poll(() => statusOf(live.url, request_id), POLL).toBe('done');
    // the store side reached the linked vid: the destination side must drop the same events
    const left = await live.rows<{ vid: string }>('SELECT toString(vid) AS vid FROM events');
    expect(left.map((r) => r.vid)).toEqual([SOMEONE_ELSE]);

    down.behaviour.status = undefined;
    await expect.poll(() => delivered().map((e) => e.vid), POLL).toContain(SOMEONE_ELSE);
    expect(delivered().map((e) => e.vid)).toEqual([SOMEONE_ELSE]);
    expect(await metric(/tracker_destination_erased_events_total\{destination="crm"\} (\d+)/)).toBe(3);
    // the mark names the linked ids as keyed digests, never in the clear
    const mark = readFileSync(join(dir, 'destinations', '.erased', `${request_id}.json`), 'utf8');
    for (const id of [VID, UID, LINKED_VID]) expect(mark).not.toContain(id);
  });
});
