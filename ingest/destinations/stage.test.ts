// The stage that feeds stored events into each destination's backlog, over a real disk backlog: what a
// batch larger than the backlog's room leaves queued, and what it records as dropped.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../common/config/datapath.ts';
import { Destinations } from '../../common/config/destinations.ts';
import { defaultsOf } from '../../common/config/loader.ts';
import type { ConsumedBatch } from '../datapath/index.ts';
import { createHasher } from '../privacy/hash.ts';
import { createDestinations, type DestinationsStage } from './stage.ts';

const stages: DestinationsStage[] = [];
afterEach(async () => {
  for (const s of stages.splice(0)) await s.close(0);
});

/** A port nothing listens on: the destination never answers, so what is queued stays queued. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

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

describe('the destinations stage', () => {
  // With backlogBytes 1 MiB (the smallest allowed), a 3 MB batch was refused whole by an empty backlog:
  // "3000 events not queued (backlog full)" while nothing was queued.
  it('queues what fits of a batch larger than the backlog, and records only the rest as dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-'));
    const registry = new Registry();
    const destinations = {
      ...defaultsOf<Destinations>(Destinations),
      dir,
      webhooks: [
        {
          name: 'crm',
          url: `http://127.0.0.1:${await closedPort()}/hook`,
          signingSecretFile: join(dir, 'unused'),
          consent: [],
          route: { enames: [], etyps: [] },
          delivery: {
            maxEventsPerRequest: 500,
            requestsPerSecond: 10,
            timeoutMs: 1000,
            backoffMs: 1000,
            maxBackoffMs: 60_000,
            backlogBytes: 1_048_576,
          },
        },
      ],
    };
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
});
