// The sections of the ingest configuration about what browsers and other hosts may do: `cors` (which
// origins may read answers), `domains` (cookie domain, short-link and tracker hosts, redirect and
// WebSocket allow-lists) and `websocket` (the /tr/v1/ws route's frame sizes and socket bounds).
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const Cors = Type.Object(
  {
    origins: Type.Array(Type.String(), {
      default: ['*'],
      description:
        'Allowed origins; "*" only without credentials. The default answers every origin, as the Go tracker did (its browser clients post cross-origin); [] turns CORS off: no answer carries a CORS header, and a preflight is answered 204 without one, so the browser of a page on another origin reports a plain CORS refusal. Which pages may read the answers, not which may write: a request from an origin not listed is still handled (a tracking event is stored) and its browser cannot read the answer, so the browser client sends it again; the origins of a site key (sites.keys) refuse writes from other origins.',
    }),
    credentials: Type.Boolean({
      default: false,
      description:
        'Allow credentialed requests (the vid cookie across origins); needs a list of origins, not "*".',
    }),
  },
  { ...strict, description: 'Which web origins a browser lets call the tracking routes.' },
);

export const Domains = Type.Object(
  {
    cookieDomain: Type.Optional(
      Type.String({
        description:
          'Domain attribute of the visitor cookies (e.g. example.com for every subdomain); default: the host.',
      }),
    ),
    shortLinkHosts: Type.Array(Type.String(), {
      default: [],
      description: "Hosts whose GET /<slug> resolves a short link; a link's urlfrom must be on one of them.",
    }),
    trackerHosts: Type.Array(Type.String(), {
      default: [],
      description:
        "Hosts serving this tracker's /tr/v1 API. A short link to a tracked redirect (/tr/v1/rdr/?url=) on one of them, or on a short-link host, resolves in one hop.",
    }),
    redirectAllowList: Type.Array(Type.String(), {
      default: [],
      description:
        'Hosts rdr/xrdr may redirect to: shop.example that host only, .example.com example.com and every subdomain of it.',
    }),
    websocketOrigins: Type.Array(Type.String(), {
      default: [],
      description: 'Origins a page may open /tr/v1/ws from (else 403); [] admits every origin.',
    }),
    defaultRedirect: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'rdr/xrdr destination when no url is given.' }),
    ),
    shortLinkCacheSize: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      default: 10_000,
      description:
        'Short links kept in memory (updated on create and delete); others are read from the store.',
    }),
  },
  {
    ...strict,
    description: 'Host names: cookies, short links, tracker hosts, redirect and WebSocket allow-lists.',
  },
);

export const WebSocket = Type.Object(
  {
    maxFrameBytes: Type.Integer({
      minimum: 1024,
      maximum: 67_108_864,
      default: 1_048_576,
      description:
        'Largest frame; the socket of a larger one is closed 1009 (Message Too Big) before the frame is read, and counted as tracker_ws_frames_total{kind="socket",outcome="BODY_TOO_LARGE"}.',
    }),
    maxDecompressedBytes: Type.Integer({
      minimum: 1024,
      maximum: 67_108_864,
      default: 1_048_576,
      description:
        'Largest declared LZ4 size accepted, checked before allocating; a frame declaring more is answered BODY_TOO_LARGE (with its ack id) and the socket closed 1009.',
    }),
    idleTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 300_000,
      description: 'A socket that sent no frame for this long is closed (1000) once its frames are answered.',
    }),
    maxConnectionsPerClient: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 100,
      description:
        'Sockets one client (an IPv4 address, an IPv6 /64) may hold open at once (each costs about 30 KB); one more upgrade is refused 429 RATE_LIMITED with Retry-After. Raise it for many browsers behind one address (an office NAT); 0: no bound.',
    }),
  },
  { ...strict, description: 'The /tr/v1/ws route: frame sizes, idle sockets, sockets per client.' },
);
