// The `privacy` section of the ingest configuration: consent bit names, how client IP addresses are
// kept, the hash key for identifiers and where cookieless salts live.
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const IpMode = Type.Union([Type.Literal('keep'), Type.Literal('truncate'), Type.Literal('drop')]);

export const Privacy = Type.Object(
  {
    consentBits: Type.Record(
      Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
      Type.Integer({ minimum: 0, maximum: 62 }),
      {
        // one name per bit at most; the bound also keeps the CRD's CEL rule on the keys within budget
        maxProperties: 63,
        default: { necessary: 0, analytics: 1, marketing: 2 },
        description:
          'Names of the cflags consent bits (name → bit index), as /ppi/agree answers and destinations require them.',
      },
    ),
    analyticsBit: Type.String({ default: 'analytics', description: 'Without this consent: cookieless.' }),
    ipMode: Type.Union([IpMode], {
      default: 'truncate',
      description:
        'The client IP in every table with one: keep it, truncate it (IPv4 /24, IPv6 /48; a 6to4 address also to its IPv4 /24) or drop it.',
    }),
    hashKeyFile: Type.Optional(
      Type.String({ description: 'HMAC key for email/cell/uname and cookieless ids (a mounted Secret).' }),
    ),
    clockSkewMs: Type.Integer({
      minimum: 0,
      default: 86_400_000,
      description:
        'Accepted client clock skew: a client time (of an event, or of a consent decision on /ppi/agree) further from the server time is replaced by the server time.',
    }),
    salts: Type.Union([Type.Literal('memory'), Type.Literal('nats')], {
      default: 'memory',
      description: 'Where daily cookieless salts live: per process, or shared by all replicas in NATS KV.',
    }),
    saltBucket: Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      default: 'tracker_salts',
      description: 'The KV bucket of the shared salts (salts: nats).',
    }),
  },
  {
    ...strict,
    description: 'Consent bits, how IP addresses are kept, hashing of identifiers, cookieless salts.',
  },
);
