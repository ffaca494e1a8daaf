// The sections of the ingest configuration about what is added to or checked on each event on its way
// in: `geoip` (country and city of the client address), `dedup` (client event ids remembered so a retried
// event is stored once) and `userAgent` (browser, OS and device columns, the bot flag).
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const GeoIp = Type.Object(
  {
    file: Type.Optional(
      Type.String({
        description:
          'IP2Location BIN file. A newer file put in its place (write it beside, then rename it over) is used within about 20 s, without a restart, once it is whole; until then lookups keep the one in use. Lookups read a private copy in <server.stateDir>/geoip.',
      }),
    ),
    cacheSize: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: 'Addresses whose lookup is remembered.',
    }),
  },
  {
    ...strict,
    description: 'Country and city lookup of the client address from an IP2Location file; absent: none.',
  },
);

export const Dedup = Type.Object(
  {
    windowMs: Type.Integer({
      minimum: 0,
      maximum: 604_800_000,
      default: 86_400_000,
      description:
        'An event whose client-supplied eid was acknowledged this recently is acknowledged again without being stored twice; 0 turns it off.',
    }),
    maxIds: Type.Integer({
      minimum: 1000,
      maximum: 10_000_000,
      default: 200_000,
      description: 'Client eids remembered (about 150 bytes each); the oldest are forgotten first.',
    }),
  },
  { ...strict, description: 'Client event ids (eid) remembered so a retried event is stored once.' },
);

export const UserAgent = Type.Object(
  {
    parse: Type.Boolean({
      default: true,
      description: 'Fill browser, browser_version, os, os_version and device from the User-Agent.',
    }),
    bots: Type.Union([Type.Literal('flag'), Type.Literal('off')], {
      default: 'flag',
      description:
        'flag: set the bot column for user agents on the maintained bot list (isbot); rows are kept.',
    }),
    extraBotPatterns: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      default: [],
      description: 'More bot patterns (regular expressions, case-insensitive) added to the list.',
    }),
  },
  { ...strict, description: 'Parsing the User-Agent into browser, OS and device columns, and the bot flag.' },
);
