// Consume the Go tracker's NATS subjects into their tables: `log` → logs, `count` → counters, `update` →
// updates, in queue group `tracker` so replicas share the work. Messages that are not JSON objects are
// counted and skipped (a bad publisher must not stop the consumer), the IP mode applies to logs.ip, and rows
// go through the data path (durable, batched, validated).
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Row } from '../../store/index.ts';
import { newId } from '../model/ids.ts';
import { chDate, chTime } from '../model/time.ts';
import type { Hasher } from '../privacy/hash.ts';
import { type IpMode, storedIp } from '../privacy/ip.ts';

export type Alias = 'log' | 'count' | 'update';

export interface ConsumerOptions {
  readonly subjects: Readonly<Record<Alias, string>>;
  readonly queueGroup: string;
  readonly ipMode: IpMode;
  readonly hasher: Hasher;
  readonly append: (table: string, rows: readonly Row[]) => Promise<void>;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/**
 * The last nanosecond logs.ltime (DateTime64(9), 64 bits of nanoseconds since 1970) is accepted with: the
 * data path's check stops a millisecond short of the type's end (ingest/datapath/times.ts).
 */
const MAX_LTIME_NS = BigInt(Date.UTC(2262, 3, 11, 23, 47, 16, 854)) * 1_000_000n - 1n;
/** The last millisecond updates.updated_at (DateTime64(3)) holds. */
const MAX_UPDATED_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/** A time the column cannot hold is junk like an unreadable one: the receive time stands in for it. */
function nanosToTime(v: unknown, fallbackMs: number): string {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) <= MAX_LTIME_NS) {
    const ns = BigInt(v);
    const ms = Number(ns / 1_000_000n);
    const rest = (ns % 1_000_000_000n).toString().padStart(9, '0');
    return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${rest}`;
  }
  return chTime(fallbackMs);
}

export function rowFor(
  alias: Alias,
  subject: string,
  body: Obj,
  now: number,
  o: ConsumerOptions,
): [string, Row] {
  const id = str(body.id) || subject;
  if (alias === 'count') return ['counters', { id, date: chDate(now), total: 1 }];
  if (alias === 'update') {
    const ms =
      typeof body.updated === 'string' && /^\d{1,16}$/.test(body.updated) ? Number(body.updated) : now;
    const updated = ms <= MAX_UPDATED_MS ? ms : now;
    return ['updates', { id, updated_at: chTime(updated), msg: str(body.msg) }];
  }
  const ip = str(body.ip);
  return [
    'logs',
    {
      id: newId(),
      ldate: chDate(now),
      created_at: chTime(now),
      ltime: nanosToTime(body.ltimenss, now),
      topic: str(body.topic) || id,
      name: str(body.name),
      host: str(body.host),
      hostname: str(body.hostname),
      ...storedIp(ip, o.ipMode, o.hasher),
      level: Number.isSafeInteger(body.level) ? body.level : 0,
      msg: str(body.msg),
      params: typeof body.params === 'object' && body.params !== null ? body.params : {},
    },
  ];
}

/** Appends every message of one subscription until it is closed; never rejects. */
async function consume(sub: Subscription, alias: Alias, o: ConsumerOptions, now: () => number) {
  try {
    for await (const m of sub) {
      try {
        const body: unknown = m.json();
        if (typeof body !== 'object' || body === null || Array.isArray(body)) continue;
        const [table, row] = rowFor(alias, m.subject, body as Obj, now(), o);
        await o.append(table, [row]);
      } catch (err) {
        o.onError?.(err);
      }
    }
  } catch (err) {
    // the subscription itself failed (a permission refused, say): the others go on
    o.onError?.(err);
  }
}

/**
 * How long stop() lets the server confirm the subscriptions' end (a round trip) before closing them
 * without it: while NATS is unreachable the confirmation waits for a reconnection that may never come,
 * and the data path's drain, which follows, must keep its share of the grace period.
 */
const DRAIN_WAIT_MS = 1_000;

/**
 * Ends a subscription: drained if NATS answers in time (the server stops routing here, and what it routed
 * before still arrives), else closed at once. Either way the loop appends what the subscription holds.
 */
async function end(sub: Subscription): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DRAIN_WAIT_MS);
  });
  // a connection already closed refuses the drain: it has nothing more to deliver
  const drained = sub.drain().then(
    () => true,
    () => false,
  );
  const done = await Promise.race([drained, late]);
  clearTimeout(timer);
  if (!done) sub.unsubscribe();
}

/**
 * Subscribes to the three subjects. `stop` ends the subscriptions and resolves once every message
 * received is appended: the data path's own drain follows it, and an append after that would be refused.
 */
export function startConsumer(nc: NatsConnection, o: ConsumerOptions): { stop(): Promise<void> } {
  const subs: Subscription[] = [];
  const loops: Promise<void>[] = [];
  const now = o.now ?? Date.now;
  for (const alias of ['log', 'count', 'update'] as const) {
    const sub = nc.subscribe(o.subjects[alias], { queue: o.queueGroup });
    subs.push(sub);
    loops.push(consume(sub, alias, o, now));
  }
  return {
    stop: async () => {
      await Promise.all(subs.map(end));
      await Promise.all(loops);
    },
  };
}
