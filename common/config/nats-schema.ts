// The `nats` section of the ingest configuration: the NATS server used for shared rate limits and salts,
// publishing accepted rows and consuming the Go tracker's subjects. Which settings need that server is
// nats.ts, kept apart because it reads the whole composed configuration. Composed into the whole schema
// by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const Nats = Type.Object(
  {
    url: Type.Optional(Type.String({ description: 'nats://host:port; NATS features are off without it.' })),
    publishSubjectPrefix: Type.String({
      default: 'tracker.events',
      description: 'Accepted rows of table T are published on <publishSubjectPrefix>.T (publish: true).',
    }),
    publish: Type.Boolean({
      default: false,
      description:
        'Publish each accepted row to NATS for real-time consumers, best effort (the store is the record).',
    }),
    consume: Type.Boolean({
      default: false,
      description: "Consume the Go tracker's log/count/update subjects into their tables.",
    }),
    subjects: Type.Object(
      {
        log: Type.String({ default: 'tic.log.>', description: 'Consumed into logs.' }),
        count: Type.String({ default: 'tic.count.>', description: 'Consumed into counters.' }),
        update: Type.String({ default: 'tic.update.>', description: 'Consumed into updates.' }),
      },
      { ...strict, default: {}, description: "The Go tracker's subjects (consume: true)." },
    ),
    queueGroup: Type.String({
      default: 'tracker',
      description: 'Queue group of the consumers: each message is consumed by one replica.',
    }),
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 1,
      description:
        'Copies of the KV buckets kept here (privacy.salts nats, rateLimits.shared nats): 3 on a cluster of 3+ NATS servers.',
    }),
  },
  {
    ...strict,
    description:
      "A NATS server for shared rate limits and salts, publishing accepted rows, and consuming the Go tracker's subjects.",
  },
);
