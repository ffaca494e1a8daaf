// The stage that feeds stored events into each destination's backlog, over a real disk backlog: what a
// batch larger than the backlog's room leaves queued, and what it records as dropped.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../common/config/datapath.ts';
import { type Delivery, Destinations, delivery } from '../../common/config/destinations.ts';
import { defaultsOf } from '../../common/config/loader.ts';
import { closedPort } from '../../e2e/env/ports.ts';
import type { ConsumedBatch } from '../datapath/index.ts';
import { createHasher } from '../privacy/hash.ts';
import { openFileMarks } from './erased/file-marks.ts';
import { markOf } from './erased/marks.ts';
import { createDestinations, type DestinationsStage, ERASED_DIR } from './stage.ts';

const stages: DestinationsStage[] = [];
afterEach(async () => {
  for (const s of stages.splice(0)) await s.close(0);
});

/** A spool batch of `rows` events of about 1 KB each. */
function batchOf(rows: number): ConsumedBatch {
  const pad = 'x'.repeat(1000);
  const text = Array.from({ length: rows }, (_v, i) =>
    JSON.stringify({ eid: `e${i}`, ename: 'bulk', cflags: 4, created_at: '2026-12-04 12:00:00.000', pad }),
  ).join('\n');
  const lines = Buffer.from(`${text}\n`);
  return {
    table: 'events',
    token: 'events-1-3000',
    source: 'test',
    from: 1,
    to: rows,
    rows,
    async *pieces() {
      yield lines;
    },
    lines: async () => lines,
  };
}

/** Destinations under `dir` with one webhook, `crm`, whose URL nothing listens on. */
async function crmWebhookTo(dir: string, d: Delivery): Promise<Destinations> {
  const crm = {
    name: 'crm',
    url: `http://127.0.0.1:${await closedPort()}/hook`,
    signingSecretFile: join(dir, 'unused'),
    consent: [],
    route: { enames: [], etyps: [] },
    delivery: d,
  };
  return { ...defaultsOf<Destinations>(Destinations), dir, webhooks: [crm] };
}

describe('the destinations stage', () => {
  // With backlogBytes 1 MiB (the smallest allowed), a 3 MB batch was refused whole by an empty backlog:
  // "3000 events not queued (backlog full)" while nothing was queued.
  it('queues what fits of a batch larger than the backlog, and records only the rest as dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-'));
    const registry = new Registry();
    const destinations = await crmWebhookTo(dir, {
      maxEventsPerRequest: 500,
      requestsPerSecond: 10,
      timeoutMs: 1000,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      backlogBytes: 1_048_576,
    });
    const spool = { ...defaultsOf<Spool>(Spool), dir: join(dir, 'spool') };
    const stage = await createDestinations(
      { destinations, spool, consentBits: { marketing: 2 } },
      { registry, hasher: createHasher(randomBytes(32)) },
    );
    stages.push(stage as DestinationsStage);
    await stage?.consume(batchOf(3000));
    const metric = async (name: string) =>
      Number(/} (\d+)$/m.exec(await registry.getSingleMetricAsString(name))?.[1] ?? 0);
    const queued = await metric('tracker_destination_queued_events_total');
    const letters = readFileSync(join(dir, 'crm', 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const dropped = letters.map((l) => JSON.parse(l) as { dropped: number; firstEid: string });
    expect(queued).toBeGreaterThan(500);
    expect(dropped).toEqual([expect.objectContaining({ dropped: 3000 - queued, firstEid: `e${queued}` })]);
  });

  // A mark recorded while this instance was stopped (or by another instance), or a crash between a mark
  // and the rewrite of the dead letters: the person's rows stayed in them.
  it('removes the dead letters of erased persons at start, for the marks it finds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-erased-'));
    const hasher = createHasher(randomBytes(32));
    const vid = '0190a3b4-0000-7000-8000-000000000001';
    const letters = join(dir, 'crm', 'dead-letters.jsonl');
    mkdirSync(join(dir, 'crm'), { recursive: true });
    const letter = (eid: string, v: string) =>
      `${JSON.stringify({ at: 'x', destination: 'crm', reason: 'HTTP 400', event: { eid, vid: v } })}\n`;
    writeFileSync(letters, letter('e1', vid) + letter('e2', 'other'));
    const marks = await openFileMarks(join(dir, ERASED_DIR));
    await marks.put(markOf({ requestId: 'r1', askedAt: Date.now(), target: { vid } }, hasher));
    const destinations = await crmWebhookTo(dir, defaultsOf<Delivery>(delivery(1000, 4)));
    const spool = { ...defaultsOf<Spool>(Spool), dir: join(dir, 'spool') };
    const stage = await createDestinations(
      { destinations, spool, consentBits: { marketing: 2 } },
      { registry: new Registry(), hasher },
    );
    stages.push(stage as DestinationsStage);
    await expect.poll(() => readFileSync(letters, 'utf8')).toBe(letter('e2', 'other'));
  });
});
