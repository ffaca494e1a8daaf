// Fan-out of accepted events to NATS: after the data path made rows durable, publish each row on
// `<prefix>.<table>`. Publishing is best-effort and never fails a request: the store is the record; NATS is
// for real-time consumers.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Row } from '../../store/index.ts';

export interface EventPublisher {
  publish(table: string, rows: readonly Row[]): void;
  /** Published and failed counts, for /status and metrics. */
  stats(): { published: number; failed: number };
}

export function createPublisher(nc: NatsConnection, prefix: string): EventPublisher {
  let published = 0;
  let failed = 0;
  return {
    publish(table, rows) {
      for (const row of rows) {
        try {
          nc.publish(`${prefix}.${table}`, JSON.stringify(row));
          published++;
        } catch {
          failed++;
        }
      }
    },
    stats: () => ({ published, failed }),
  };
}
