// The forwarding loop over a real disk backlog, with an in-process sender test double standing in for
// the network: halving of refused requests, retries, the age rule, and what a stop leaves queued.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Delivery, delivery as deliverySchema } from '../../common/config/destinations.ts';
import { defaultsOf } from '../../common/config/loader.ts';
import { openDiskBacklog } from './backlog/disk.ts';
import type { Backlog, Sender, SendOutcome, StoredEvent } from './contract.ts';
import { Forwarder } from './forwarder.ts';
import { DeadLetters } from './letters.ts';
import { createDestinationMetrics } from './metrics.ts';
import { eventTimeMs } from './select.ts';

const DELIVERY: Delivery = {
  ...defaultsOf<Delivery>(deliverySchema(1000, 4)),
  backoffMs: 1,
  maxBackoffMs: 5,
  requestsPerSecond: 10_000,
};
const event = (i: number, at = new Date().toISOString()): StoredEvent => ({
  eid: `e${i}`,
  n: i,
  created_at: at,
});
const lines = (events: StoredEvent[]) => Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));

/** A sender test double: answers with `answer(events)` and records every request it got. */
function senderDouble(answer: (events: readonly StoredEvent[]) => SendOutcome) {
  const requests: string[][] = [];
  const sender: Sender = {
    async send(events) {
      requests.push(events.map((e) => String(e.eid)));
      return answer(events);
    },
  };
  return { sender, requests };
}
const POLL = { timeout: 10_000, interval: 10 };
/** The answer given to each request, in order. */
const outcomes: string[] = [];

const running: Forwarder[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.close(0);
  outcomes.length = 0;
});

async function setup(
  answer: (events: readonly StoredEvent[]) => SendOutcome,
  maxAgeMs?: number,
  erased?: (row: StoredEvent) => boolean,
) {
  const dir = mkdtempSync(join(tmpdir(), 'forwarder-'));
  const logged: string[] = [];
  const backlog: Backlog = await openDiskBacklog({ dir, maxBytes: 1 << 22, fsyncIntervalMs: 1 });
  const registry = new Registry();
  const metrics = createDestinationMetrics(registry, () => []);
  const letters = new DeadLetters(join(dir, 'dead-letters.jsonl'), 'd', erased);
  const double = senderDouble((events) => {
    const outcome = answer(events);
    outcomes.push(outcome.kind);
    return outcome;
  });
  const forwarder = new Forwarder({
    name: 'd',
    backlog,
    sender: double.sender,
    letters,
    metrics,
    delivery: DELIVERY,
    eventTime: eventTimeMs,
    log: (msg: string) => logged.push(msg),
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(erased === undefined ? {} : { erased }),
  });
  running.push(forwarder);
  forwarder.start();
  const sent = () => double.requests.filter((_r, i) => outcomes[i] === 'sent').flat();
  const letterLines = () => {
    try {
      return readFileSync(letters.path, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  return { dir, backlog, forwarder, requests: double.requests, sent, letterLines, registry, logged };
}

describe('the forwarder', () => {
  it('halves a refused request until the refused event stands alone; every other event is sent once', async () => {
    const f = await setup((events) =>
      events.some((e) => e.eid === 'e5') ? { kind: 'refused', reason: 'HTTP 400: bad e5' } : { kind: 'sent' },
    );
    const events = Array.from({ length: 10 }, (_v, i) => event(i));
    await f.backlog.append(lines(events), 10, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.letterLines().length, POLL).toBe(1);
    await expect.poll(() => f.sent().length, POLL).toBe(9);
    expect(f.sent().sort()).toEqual(
      events
        .map((e) => String(e.eid))
        .filter((e) => e !== 'e5')
        .sort(),
    );
    expect(new Set(f.sent()).size).toBe(9);
    expect(f.letterLines()[0]).toMatchObject({
      destination: 'd',
      reason: 'HTTP 400: bad e5',
      event: { eid: 'e5' },
    });
    // a refusal was silent: only the metrics and /status counted it
    expect(f.logged).toEqual([
      `destination d: 1 events refused for good (HTTP 400: bad e5); dead letters in ${join(f.dir, 'dead-letters.jsonl')}`,
    ]);
    // requests of at most maxEventsPerRequest (4)
    expect(Math.max(...f.requests.map((r) => r.length))).toBeLessThanOrEqual(4);
  });

  it('retries the same events until they are accepted, counting each retry', async () => {
    let failures = 3;
    const f = await setup(() => (failures-- > 0 ? { kind: 'retry', reason: 'HTTP 503' } : { kind: 'sent' }));
    await f.backlog.append(lines([event(1), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.sent(), POLL).toEqual(['e1', 'e2']);
    expect(f.requests).toEqual([
      ['e1', 'e2'],
      ['e1', 'e2'],
      ['e1', 'e2'],
      ['e1', 'e2'],
    ]);
    expect(await f.registry.getSingleMetricAsString('tracker_destination_retries_total')).toContain(
      'tracker_destination_retries_total{destination="d"} 3',
    );
    // /status said only the dead-letter count: a failing destination is told there, with its last reason
    expect(f.forwarder.health()).toEqual({
      retrying: false,
      lastFailure: { at: expect.any(String), reason: 'HTTP 503' },
    });
  });

  it('dead-letters events older than the destination accepts, unsent', async () => {
    const f = await setup(() => ({ kind: 'sent' }), 60_000);
    const old = new Date(Date.now() - 120_000).toISOString();
    await f.backlog.append(lines([event(1, old), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.sent(), POLL).toEqual(['e2']);
    await expect.poll(() => f.letterLines().map((l) => l.event.eid), POLL).toEqual(['e1']);
    expect(f.letterLines()[0].reason).toMatch(/^expired/);
  });

  // tracker_destination_backlog_events said 0 while a dead destination held events (its bytes did not):
  // the slice being retried was no longer counted once taken.
  it('counts the events of a slice being retried as waiting, until they are accepted', async () => {
    let accept = false;
    const f = await setup(() => (accept ? { kind: 'sent' } : { kind: 'retry', reason: 'HTTP 503' }));
    await f.backlog.append(lines([event(1), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.requests.length, POLL).toBeGreaterThan(1);
    expect(await f.backlog.pending()).toMatchObject({ rows: 2 });
    expect(f.forwarder.health()).toMatchObject({ retrying: true, lastFailure: { reason: 'HTTP 503' } });
    accept = true;
    await expect.poll(async () => (await f.backlog.pending()).rows, POLL).toBe(0);
  });

  // With a destination down, every SIGTERM of the ingest waited out server.shutdownGraceMs (25 s) while
  // the forwarder retried, though the backlog keeps the events for the next start.
  it('stops retrying when the process drains, however far off the deadline, leaving the slice queued', async () => {
    const f = await setup(() => ({ kind: 'retry', reason: 'HTTP 503' }));
    await f.backlog.append(lines([event(1), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.requests.length, POLL).toBeGreaterThan(1);
    await f.forwarder.close(3_600_000);
    const afterClose = f.requests.length;
    await f.backlog.close();
    const reopened = await openDiskBacklog({ dir: f.dir, maxBytes: 1 << 22, fsyncIntervalMs: 1 });
    expect((await reopened.next({ maxRows: 10, maxBytes: 1 << 20 }))?.rows).toBe(2);
    await reopened.close();
    expect(f.requests.length).toBe(afterClose);
  });

  it('leaves a slice it could not deliver in the backlog when stopped', async () => {
    const f = await setup(() => ({ kind: 'retry', reason: 'no answer' }));
    await f.backlog.append(lines([event(1), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.requests.length, POLL).toBeGreaterThan(1);
    await f.forwarder.close(0);
    await f.backlog.close();
    const reopened = await openDiskBacklog({ dir: f.dir, maxBytes: 1 << 22, fsyncIntervalMs: 1 });
    const again = await reopened.next({ maxRows: 10, maxBytes: 1 << 20 });
    expect(again?.rows).toBe(2);
    await reopened.close();
  });

  it('drops the events of an erased person unsent, never dead-lettered, counted and logged once', async () => {
    const erasedEids = new Set(['e2', 'e3']);
    const f = await setup(
      (events) =>
        events.some((e) => e.eid === 'e4') ? { kind: 'refused', reason: 'HTTP 400' } : { kind: 'sent' },
      undefined,
      (row) => erasedEids.has(String(row.eid)),
    );
    await f.backlog.append(lines([1, 2, 3, 4].map((i) => event(i))), 4, 'batch-1');
    f.forwarder.notify();
    await expect.poll(async () => (await f.backlog.pending()).rows, POLL).toBe(0);
    expect(f.sent()).toEqual(['e1']);
    expect(f.requests.flat()).not.toContain('e2');
    expect(f.letterLines().map((l) => l.event.eid)).toEqual(['e4']);
    expect(await f.registry.getSingleMetricAsString('tracker_destination_erased_events_total')).toContain(
      'tracker_destination_erased_events_total{destination="d"} 2',
    );
    expect(f.logged.filter((m) => m.includes('erased'))).toEqual([
      'destination d: 2 events of erased persons dropped unsent',
    ]);
  });

  // The request being retried held its events from before the erase request: once the destination came
  // back, they were sent, after the request said done.
  it('stops sending an event whose person is erased while its request is retried', async () => {
    const erasedEids = new Set<string>();
    let accept = false;
    const f = await setup(
      () => (accept ? { kind: 'sent' } : { kind: 'retry', reason: 'HTTP 503' }),
      undefined,
      (row) => erasedEids.has(String(row.eid)),
    );
    await f.backlog.append(lines([event(1), event(2)]), 2, 'batch-1');
    f.forwarder.notify();
    await expect.poll(() => f.requests.length, POLL).toBeGreaterThan(1);
    erasedEids.add('e2');
    accept = true;
    await expect.poll(async () => (await f.backlog.pending()).rows, POLL).toBe(0);
    expect(f.sent()).toEqual(['e1']);
    expect(f.letterLines()).toEqual([]);
  });

  it('records when it last found its backlog empty', async () => {
    const f = await setup(() => ({ kind: 'sent' }));
    const before = Date.now();
    await expect.poll(() => f.forwarder.emptyAt() ?? 0, POLL).toBeGreaterThanOrEqual(before);
  });
});
