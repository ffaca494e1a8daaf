// Which reconciles report a reaction: one started by news, at its first write; one started without news
// (a resync, a requeue) only when news arrived before its first write, since it read the caches as it ran.
// The news stays for the next reconcile, which reports again if it writes too.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { Echoes } from '../reconcile/echoes.ts';
import { Reactions, type StepTimes } from './reactions.ts';

async function reported(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const { values } = await metrics.reaction.get();
  return Object.fromEntries(
    values
      .filter((v) => v.metricName === 'tracker_operator_reaction_seconds_count')
      .map((v) => [String(v.labels.step), v.value]),
  );
}

function setup() {
  const metrics = createMetrics();
  const reactions = new Reactions({ echoes: new Echoes([]), metrics, log: silentLogger, traceFile: '' });
  return { metrics, reactions };
}

/** Reactions that write their trace to a new file. */
function traced(): { traceFile: string; reactions: Reactions } {
  const traceFile = join(mkdtempSync(join(tmpdir(), 'reactions-')), 'trace.jsonl');
  const reactions = new Reactions({
    echoes: new Echoes([]),
    metrics: createMetrics(),
    log: silentLogger,
    traceFile,
  });
  return { traceFile, reactions };
}

describe('reactions', () => {
  it('are reported by a reconcile started by news, at its first write', async () => {
    const { metrics, reactions } = setup();
    reactions.event('ns/a');
    reactions.begin('ns/a')('credentials');
    expect(await reported(metrics)).toEqual({ credentials: 1 });
  });

  it('are not reported by a reconcile without news that writes (a resync correcting drift)', async () => {
    const { metrics, reactions } = setup();
    reactions.begin('ns/a')('keeper');
    expect(await reported(metrics)).toEqual({});
  });

  it('are reported by a reconcile started without news when news came before its first write, and again by the next one if it writes', async () => {
    const { metrics, reactions } = setup();
    const resync = reactions.begin('ns/a');
    reactions.event('ns/a');
    resync('clickhouse');
    expect(await reported(metrics)).toEqual({ clickhouse: 1 });
    reactions.begin('ns/a')('status');
    expect(await reported(metrics)).toEqual({ clickhouse: 1, status: 1 });
  });

  it('trace a status with its wait for the previous one, and whether a newer status replaced it', async () => {
    const { traceFile, reactions } = traced();
    reactions.event('ns/a');
    const onFirstWrite = reactions.begin('ns/a');
    reactions.statusSent('ns/a', 42, true);
    onFirstWrite('status');
    await reactions.close();
    const record = JSON.parse(readFileSync(traceFile, 'utf8'));
    expect(record).toMatchObject({ cluster: 'ns/a', step: 'status', statusWaitMs: 42, replaced: true });
  });

  it('trace the steps the reconcile finished before its first write, with their durations', async () => {
    const { traceFile, reactions } = traced();
    reactions.event('ns/a');
    const steps: StepTimes = [];
    const onFirstWrite = reactions.begin('ns/a', steps);
    steps.push(['parse', 0.5], ['keeper', 19.6]);
    onFirstWrite('clickhouse');
    steps.push(['clickhouse', 3]);
    await reactions.close();
    const record = JSON.parse(readFileSync(traceFile, 'utf8'));
    expect(record).toMatchObject({ step: 'clickhouse', steps: { parse: 0.5, keeper: 19.6 } });
  });
});
