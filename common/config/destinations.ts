// Destinations section of the ingest configuration: where stored events are forwarded (Facebook's
// Conversions API, signed webhooks), which events, under which consent, and how hard to try.
// The schemas are built by functions that take the credential fields, so the one definition serves the
// ingest (credentials are files: `accessTokenFile`) and the TrackerCluster CRD (credentials are Secret
// references the operator mounts as those files): the two shapes cannot drift.
import Type, { type Static, type TProperties } from 'typebox';

const strict = { additionalProperties: false } as const;

/** Names a destination: its backlog directory or stream, its dead letters and its metrics label. */
export const DestinationName = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,30}$',
  maxLength: 31,
  description: 'Unique among all destinations: names the backlog, its dead letters and metric labels.',
});

const ConsentName = Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 63 });
const EventName = Type.String({ minLength: 1, maxLength: 128 });
/** ename and etyp are stored lower case: a route value with a capital would never match. */
const RouteValue = Type.String({ pattern: '^[^A-Z]{1,128}$', maxLength: 128 });

/** Which events go to a destination: both lists must match (an empty list matches everything). */
export const Route = Type.Object(
  {
    enames: Type.Array(RouteValue, {
      maxItems: 256,
      default: [],
      description: 'Event names (ename, lower case) forwarded; empty: every name.',
    }),
    etyps: Type.Array(RouteValue, {
      maxItems: 256,
      default: [],
      description: 'Event types (etyp, lower case) forwarded; empty: every type.',
    }),
  },
  {
    ...strict,
    default: {},
    description: 'Which events the destination receives: both lists must match (an empty list matches all).',
  },
);

/** How one destination is driven: request size, pace, retries and the bound of its backlog. */
export function delivery(maxEvents: number, defaultEvents: number) {
  return Type.Object(
    {
      maxEventsPerRequest: Type.Integer({
        minimum: 1,
        maximum: maxEvents,
        default: defaultEvents,
        description: 'Most events one request to the destination carries.',
      }),
      requestsPerSecond: Type.Number({
        minimum: 0.01,
        maximum: 10_000,
        default: 10,
        description: 'Rate limit of requests to the destination, per ingest process.',
      }),
      timeoutMs: Type.Integer({
        minimum: 100,
        maximum: 300_000,
        default: 10_000,
        description: "Longest wait for the destination's answer; then retried.",
      }),
      backoffMs: Type.Integer({
        minimum: 1,
        maximum: 600_000,
        default: 500,
        description: 'Ceiling of the first retry wait; doubles per attempt (full jitter).',
      }),
      maxBackoffMs: Type.Integer({
        minimum: 10,
        maximum: 3_600_000,
        default: 300_000,
        description: 'Longest retry wait: the doubling stops here.',
      }),
      backlogBytes: Type.Integer({
        minimum: 1_048_576,
        default: 268_435_456,
        description:
          'Bound of the durable backlog; when full, newly stored events are not queued for this destination (recorded in its dead letters, counted).',
      }),
    },
    {
      ...strict,
      default: {},
      description: 'How the destination is driven: request size, pace, timeouts, retries and backlog bound.',
    },
  );
}

export type Delivery = Static<ReturnType<typeof delivery>>;

/** The action_source values Facebook's Conversions API accepts. */
export const ACTION_SOURCES: readonly string[] = [
  'website',
  'app',
  'email',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
];

const ActionSource = Type.Union(ACTION_SOURCES.map((s) => Type.Literal(s)));

/** Tracker event names (lower case) → Facebook standard events; other names are sent as they are. */
const STANDARD_EVENTS: Record<string, string> = {
  page_view: 'PageView',
  view_content: 'ViewContent',
  search: 'Search',
  add_to_cart: 'AddToCart',
  add_to_wishlist: 'AddToWishlist',
  initiate_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  purchase: 'Purchase',
  lead: 'Lead',
  complete_registration: 'CompleteRegistration',
  contact: 'Contact',
  subscribe: 'Subscribe',
  start_trial: 'StartTrial',
};

export function facebookDestination<C extends TProperties>(credential: C) {
  return Type.Object(
    {
      name: DestinationName,
      pixelId: Type.String({ pattern: '^[0-9]{1,32}$', maxLength: 32, description: 'Pixel (dataset) id.' }),
      ...credential,
      graphApiVersion: Type.String({
        pattern: '^v[0-9]{1,3}\\.[0-9]{1,2}$',
        maxLength: 8,
        default: 'v27.0',
        description: 'Graph API version in the request path.',
      }),
      graphApiUrl: Type.String({
        pattern: '^https?://',
        maxLength: 2048,
        default: 'https://graph.facebook.com',
        description: 'Base URL of the Graph API (a proxy, or a test double).',
      }),
      testEventCode: Type.Optional(
        Type.String({
          pattern: '^[A-Za-z0-9_-]{1,64}$',
          maxLength: 64,
          description: "Sends to Events Manager's Test Events tab instead of production.",
        }),
      ),
      actionSource: Type.Union([ActionSource], {
        default: 'website',
        description: 'Where conversions happen; an event may set its own (params.action_source).',
      }),
      consent: Type.Array(ConsentName, {
        minItems: 1,
        maxItems: 8,
        default: ['marketing'],
        description:
          "Consent bits (names in privacy.consentBits) an event's cflags must all carry to be sent; an event without cflags is never sent.",
      }),
      route: Route,
      eventNames: Type.Record(Type.String({ pattern: '^[a-z0-9_.:-]{1,128}$' }), EventName, {
        maxProperties: 256,
        default: STANDARD_EVENTS,
        description: 'ename → Facebook event_name (replaces the default map); other enames are sent as is.',
      }),
      customData: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 64,
        default: [
          'value',
          'currency',
          'content_ids',
          'content_type',
          'content_name',
          'contents',
          'num_items',
          'order_id',
          'search_string',
          'status',
        ],
        description: 'Keys of the event params copied into custom_data.',
      }),
      delivery: delivery(1000, 1000),
    },
    strict,
  );
}

export function webhookDestination<C extends TProperties>(credential: C) {
  return Type.Object(
    {
      name: DestinationName,
      url: Type.String({ pattern: '^https?://', maxLength: 2048, description: 'Receives POSTed batches.' }),
      ...credential,
      consent: Type.Array(ConsentName, {
        maxItems: 8,
        description:
          'Consent bits every forwarded event must carry (names in privacy.consentBits); [] forwards events whatever their consent. Required: forwarding is a deliberate choice.',
      }),
      route: Route,
      delivery: delivery(10_000, 500),
    },
    strict,
  );
}

/** The ingest's form: credentials are files (Secret mounts), read at each request so rotation needs no restart. */
export const FacebookDestination = facebookDestination({
  accessTokenFile: Type.String({
    minLength: 1,
    description: 'File holding the Conversions API access token; sent in the Authorization header only.',
  }),
});
export type FacebookDestination = Static<typeof FacebookDestination>;

export const WebhookDestination = webhookDestination({
  signingSecretFile: Type.String({
    minLength: 1,
    description: 'File holding the HMAC-SHA256 key of the X-Tracker-Signature header.',
  }),
});
export type WebhookDestination = Static<typeof WebhookDestination>;

export const DestinationsNats = Type.Object(
  {
    streamPrefix: Type.String({
      pattern: '^[A-Za-z0-9_-]{1,32}$',
      default: 'TRACKER_DEST',
      description:
        'With spool.kind nats, each destination has the stream <streamPrefix>_<NAME>; the marks of erase requests are the KV bucket <streamPrefix>_erased.',
    }),
    subjectPrefix: Type.String({
      pattern: '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$',
      default: 'tracker.dest',
      description: 'Events for destination N are published on <subjectPrefix>.N.',
    }),
    ackWaitMs: Type.Integer({
      minimum: 1_000,
      maximum: 3_600_000,
      default: 60_000,
      description: 'A batch taken by an ingest that died is handed to another after this long.',
    }),
  },
  {
    ...strict,
    default: {},
    description: 'Streams and subjects of the destination backlogs when the spool is NATS.',
  },
);

export const Destinations = Type.Object(
  {
    dir: Type.String({
      minLength: 1,
      default: './data/destinations',
      description:
        'Per destination: its backlog (with spool.kind disk) and its dead-letter file; with spool.kind disk, .erased/ holds the marks of erase requests. Not inside spool.dir. With a destination configured, one ingest at a time uses it (destinations.lock names the process; a second one stops at start).',
    }),
    facebook: Type.Array(FacebookDestination, {
      maxItems: 16,
      default: [],
      description:
        "Facebook Conversions API destinations (consent-gated: events with the consent bits' cflags).",
    }),
    webhooks: Type.Array(WebhookDestination, {
      maxItems: 16,
      default: [],
      description: 'Webhooks that receive the stored events, signed (X-Tracker-Signature).',
    }),
    nats: DestinationsNats,
  },
  strict,
);
export type Destinations = Static<typeof Destinations>;
