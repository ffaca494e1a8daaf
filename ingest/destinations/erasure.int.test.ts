// An erase request reaches the destinations, end to end on the disk spool (real HTTP into the real
// ingest, chdb, webhook receiver doubles on local ports). It used to stop at the store: an event of the
// erased visitor, queued for a destination that was down, was forwarded once the destination came back,
// after the request said `done`, and the dead-letter file of a destination that refused it kept the row.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetVisitor, statusOf } from '../testing/erase-http.ts';
import { type Live, setCookies, startLive } from '../testing/live.ts';
import { type ReceiverDouble, startReceiverDouble } from './testing/receiver-double.ts';

const dir = mkdtempSync(join(tmpdir(), 'destinations-erasure-'));
const POLL = { timeout: 20_000, interval: 50 };
let live: Live;
let down: ReceiverDouble;
let refusing: ReceiverDouble;

beforeAll(async () => {
  down = await startReceiverDouble({ status: 503 });
  refusing = await startReceiverDouble({ refuse: () => true });
  writeFileSync(join(dir, 'secret'), 'whsec-erasure-test');
  const hook = (name: string, url: string) => ({
    name,
    url,
    signingSecretFile: join(dir, 'secret'),
    consent: [],
    route: { enames: ['signup'] },
    delivery: { backoffMs: 20, maxBackoffMs: 100, requestsPerSecond: 1000 },
  });
  live = await startLive(
    {
      destinations: {
        dir: join(dir, 'destinations'),
        webhooks: [hook('crm', down.url), hook('audit', refusing.url)],
      },
    },
    dir,
  );
});
afterAll(async () => {
  await live.close();
  await down.stop();
  await refusing.stop();
});

/** A new visitor's signup: its vid and visitor token. */
async function signup(): Promise<{ vid: string; vtok: string }> {
  const res = await live.post('/tr/v1/tr/', { ename: 'signup' }, { cookie: 'CookieConsent=7' });
  expect(res.status).toBe(200);
  const { vid, vtok } = setCookies(res);
  return { vid: vid ?? '', vtok: vtok ?? '' };
}

const metric = async (line: RegExp) => {
  const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
};

const letters = (name: string): Record<string, unknown>[] => {
  try {
    return readFileSync(join(dir, 'destinations', name, 'dead-letters.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
};
const letteredVids = (name: string) => letters(name).map((l) => (l.event as { vid?: string }).vid);
const deliveredVids = () => down.accepted.flatMap((r) => r.json.events ?? []).map((e) => e.vid);

describe('an erase request and the destinations', () => {
  it('keeps a queued event of the erased visitor from ever being sent, and removes its dead letters', async () => {
    const erased = await signup();
    const kept = await signup();
    // crm is down: both events wait in its backlog; audit refuses both: both are dead-lettered
    await expect
      .poll(() => metric(/tracker_destination_retries_total\{destination="crm"\} (\d+)/), POLL)
      .toBeGreaterThan(0);
    await expect.poll(() => letteredVids('audit').sort(), POLL).toEqual([erased.vid, kept.vid].sort());

    const request_id = await forgetVisitor(live.url, erased);
    await expect.poll(() => statusOf(live.url, request_id), POLL).toBe('done');
    // once done, the dead letters no longer hold the person's row (the other visitor's stays)
    expect(letteredVids('audit')).toEqual([kept.vid]);
    expect(readFileSync(join(dir, 'destinations', 'audit', 'dead-letters.jsonl'), 'utf8')).not.toContain(
      erased.vid,
    );

    down.behaviour.status = undefined;
    await expect.poll(deliveredVids, POLL).toContain(kept.vid);
    expect(deliveredVids()).not.toContain(erased.vid);
    expect(await metric(/tracker_destination_erased_events_total\{destination="crm"\} (\d+)/)).toBe(1);
    // the mark holds no id of the person: only keyed digests
    const marks = join(dir, 'destinations', '.erased', `${request_id}.json`);
    expect(readFileSync(marks, 'utf8')).not.toContain(erased.vid);
  });
});
