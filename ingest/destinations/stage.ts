// The destinations stage: fed by the data path with every batch it takes from the spool (stored and
// acknowledged events, never the request path), it queues the events each destination should get in
// that destination's own durable backlog, and runs one forwarding loop per destination (ADR 0019).
//
//   spool batch (events) ─ select: route + consent ─ backlog.append (durable) ─┐
//                                                                             forwarder ─ destination
//
// This file builds the stage from the configuration (one backlog, dead-letter file and forwarder per
// destination; the marks of erase requests); stage-run.ts is the stage once running, stage-types.ts its shapes.
import { join } from 'node:path';
import type { Destinations as DestinationsConfig } from '../../common/config/destinations.ts';
import { openDiskBacklog } from './backlog/disk.ts';
import { ErasedIds } from './erased/erased.ts';
import { openFileMarks } from './erased/file-marks.ts';
import { MAX_EVENT_AGE_MS } from './facebook/payload.ts';
import { facebookSender } from './facebook/sender.ts';
import { Forwarder } from './forwarder.ts';
import { DeadLetters } from './letters.ts';
import { createDestinationMetrics, zeroDestinationSeries } from './metrics.ts';
import { eventTimeMs } from './select.ts';
import { Stage } from './stage-run.ts';
import type { Destination, DestinationsStage, Plan, StageConfig, StageOptions } from './stage-types.ts';
import { webhookSender } from './webhook/sender.ts';

// Named here too: the ingest and the tests import them with createDestinations.
export type { DestinationStatus, DestinationsStage, StageConfig, StageOptions } from './stage-types.ts';

function plans(config: DestinationsConfig): Plan[] {
  return [
    ...config.facebook.map((d) => ({
      kind: 'facebook' as const,
      name: d.name,
      selection: d,
      delivery: d.delivery,
      sender: facebookSender(d),
      maxAgeMs: MAX_EVENT_AGE_MS,
    })),
    ...config.webhooks.map((d) => ({
      kind: 'webhook' as const,
      name: d.name,
      selection: d,
      delivery: d.delivery,
      sender: webhookSender(d),
    })),
  ];
}

/** The stage for this configuration; undefined when no destination is configured. */
export async function createDestinations(
  config: StageConfig,
  opts: StageOptions,
): Promise<DestinationsStage | undefined> {
  const planned = plans(config.destinations);
  if (planned.length === 0) return undefined;
  const log = opts.log ?? (() => undefined);
  // The NATS client is imported only for a NATS spool (a disk-spool ingest never loads it).
  const onNats =
    config.spool.kind === 'nats'
      ? await (await import('./backlog/nats-backlogs.ts')).natsBacklogs(config.spool, config.destinations)
      : undefined;
  const nc = onNats?.nc;
  const openBacklog =
    onNats === undefined
      ? diskBacklogs(config)
      : (plan: Plan) => onNats.open({ name: plan.name, backlogBytes: plan.delivery.backlogBytes });
  // on JetStream the backlogs are shared by every instance: so are the marks that filter them
  const markStore =
    onNats === undefined
      ? await openFileMarks(join(config.destinations.dir, ERASED_DIR))
      : await onNats.erasedMarks();
  const erased = await ErasedIds.open(markStore, opts.hasher, log);
  const destinations: Destination[] = [];
  const metrics = createDestinationMetrics(opts.registry, () => destinations.map((d) => d.forwarder));
  for (const plan of planned) {
    zeroDestinationSeries(metrics, plan.name);
    const backlog = await openBacklog(plan);
    const letters = new DeadLetters(
      join(config.destinations.dir, plan.name, 'dead-letters.jsonl'),
      plan.name,
      erased.matches,
    );
    const forwarder = new Forwarder({
      ...plan,
      backlog,
      letters,
      metrics,
      eventTime: eventTimeMs,
      log,
      erased: erased.matches,
      erasedSync: erased.sync,
    });
    destinations.push({ ...plan, backlog, letters, forwarder });
  }
  for (const d of destinations) d.forwarder.start();
  return new Stage(destinations, config.consentBits, metrics, log, nc, erased);
}

/** Under destinations.dir: the marks of erase requests (a destination's name never starts with a dot). */
export const ERASED_DIR = '.erased';

function diskBacklogs(config: StageConfig) {
  return (plan: Plan) =>
    openDiskBacklog({
      dir: join(config.destinations.dir, plan.name),
      maxBytes: plan.delivery.backlogBytes,
      fsyncIntervalMs: config.spool.fsyncIntervalMs,
    });
}
