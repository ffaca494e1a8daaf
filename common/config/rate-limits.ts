// The `rateLimits` section of the ingest configuration: requests per client per day and per second,
// failed authentications and erase requests per client and minute, counted per process or in NATS KV.
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const RateLimits = Type.Object(
  {
    perIpPerDay: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Requests per day per client (an IPv4 address, an IPv6 /64); 0 disables the daily limit.',
    }),
    burst: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Requests per second per client (an IPv4 address, an IPv6 /64); 0 disables.',
    }),
    authFailuresPerMinute: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 10,
      description:
        'Failed authentications per minute per client (an IPv4 address, an IPv6 /64), counted per process: a refused API key or path credential on the short-link admin routes or POST /tr/v1/ppi/forget, an unknown request id on GET /tr/v1/ppi/forget/{id}, a wrong read credential at the dashboard or on the SQL endpoint (one allowance per client for both ports; the SQL endpoint answers 429 QUOTA_EXCEEDED). Past it the client is answered 429 with Retry-After before any credential is checked, until the allowance refills (this many per minute); successful requests take nothing from it. 0 disables.',
    }),
    erasuresPerMinute: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 5,
      description:
        "Erase requests per minute per client (an IPv4 address, an IPv6 /64) proven by a visitor token (an API key's are not counted), counted per process; past it 429 with Retry-After. 0 disables.",
    }),
    shared: Type.Union([Type.Literal('local'), Type.Literal('nats')], {
      default: 'local',
      description: 'local: counted per process; nats: counted across every replica in a NATS KV bucket.',
    }),
    kvBucket: Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      default: 'tracker_rate_limits',
      description: 'The KV bucket of the shared counts (shared: nats).',
    }),
  },
  {
    ...strict,
    description:
      'Requests per client, per day and per second, counted per process or across replicas in NATS KV; failed authentications per client and minute, counted per process.',
  },
);
