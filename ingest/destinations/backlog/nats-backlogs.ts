// The destinations' backlogs on JetStream (cluster mode): one NATS connection and the fed-marks bucket
// for all of them. Its own module so that the stage imports it, and with it the NATS client, only when the
// spool is NATS: a disk-spool ingest never loads that client (~10 MiB of a process).
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Spool as SpoolConfig } from '../../../common/config/datapath.ts';
import type { Destinations as DestinationsConfig } from '../../../common/config/destinations.ts';
import { keepReplicas } from '../../datapath/index.ts';
import type { Backlog } from '../contract.ts';
import type { MarkStore } from '../erased/file-marks.ts';
import { openNatsMarks } from '../erased/nats-marks.ts';
import { openNatsBacklog } from './nats.ts';

/** What a destination's backlog is opened for: its name and its size bound. */
export interface BacklogPlan {
  readonly name: string;
  readonly backlogBytes: number;
}

export interface NatsBacklogs {
  readonly nc: NatsConnection;
  open(plan: BacklogPlan): Promise<Backlog>;
  /** The marks of erase requests, in a bucket every instance sharing the backlogs reads. */
  erasedMarks(): Promise<MarkStore>;
}

export async function natsBacklogs(
  spool: SpoolConfig,
  destinations: DestinationsConfig,
): Promise<NatsBacklogs> {
  const nats = spool.nats;
  if (nats?.url === undefined)
    throw new Error('destinations: spool.nats.url is required when spool.kind is nats');
  const nc = await connect({
    servers: nats.url.split(','),
    name: 'tracker-destinations',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const { streamPrefix, subjectPrefix, ackWaitMs } = destinations.nats;
  const marks = await new Kvm(nc).create(`${streamPrefix}_fed`, { history: 1, replicas: nats.replicas });
  await keepReplicas(await jetstreamManager(nc), marks, nats.replicas, 'spool.nats.replicas');
  return {
    nc,
    erasedMarks: () =>
      openNatsMarks(nc, {
        bucket: `${streamPrefix}_erased`,
        replicas: nats.replicas,
        timeoutMs: nats.publishTimeoutMs,
      }),
    open: (plan) =>
      openNatsBacklog({
        nc,
        marks,
        name: plan.name,
        stream: `${streamPrefix}_${plan.name.toUpperCase()}`,
        subject: `${subjectPrefix}.${plan.name}`,
        maxBytes: plan.backlogBytes,
        replicas: nats.replicas,
        duplicateWindowMs: nats.duplicateWindowMs,
        ackWaitMs,
        publishTimeoutMs: nats.publishTimeoutMs,
      }),
  };
}
