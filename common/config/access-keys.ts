// The sections of the ingest configuration that bind writes to an organisation: `apiKeys` (hashed keys
// for the server-side routes) and `sites` (public site write keys for tracking requests).
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';
import { API_KEY_HASH } from './patterns.ts';

const strict = { additionalProperties: false } as const;

// An organisation id is a UUID. The pattern took any 36 hex digits and dashes, so a mistyped one
// (`0a0000000000-4000-8000-00000000000a-`) was accepted at start and the rows of its site or API key were
// stored under the zero oid, as sent by no site, without a word.
const HEX = (n: number) => `[0-9a-fA-F]{${n}}`;
const UUID_PATTERN = `^${HEX(8)}-${HEX(4)}-${HEX(4)}-${HEX(4)}-${HEX(12)}$`;

export const ApiKey = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'Key name, shown as the updater of the rows it writes.' }),
    oid: Type.String({ pattern: UUID_PATTERN, description: 'Organisation UUID the key is scoped to.' }),
    org: Type.String({ default: '', description: 'Organisation name written with the rows.' }),
    hash: Type.String({
      pattern: API_KEY_HASH.pattern,
      description:
        'scrypt$<salt>$<hash> as node ingest/auth/api-keys.ts prints it: a 16-byte salt and a 32-byte hash, base64url (22 and 43 characters).',
    }),
  },
  strict,
);

export const ApiKeys = Type.Object(
  {
    file: Type.Optional(
      Type.String({
        description:
          'JSON array of entries shaped like apiKeys.keys ({id, oid, org, hash}; hashed keys only).',
      }),
    ),
    allowPathCredentials: Type.Boolean({
      default: false,
      description:
        "Accept the Go tracker's credentials-in-path admin form (credentials end up in access logs).",
    }),
    keys: Type.Array(ApiKey, {
      default: [],
      description: 'Inline hashed keys (same shape as the file entries).',
    }),
    requiredFor: Type.Array(Type.Union([Type.Literal('str'), Type.Literal('ltv')]), {
      default: [],
      uniqueItems: true,
      description:
        "Write routes that need `Authorization: Bearer <api key>`: `str` (server events), `ltv` (payments). What such a request writes belongs to the key's org. Empty: both take writes from anyone, as the Go tracker's did; a request that sends a Bearer key anyway has it checked (401 when wrong) and its writes bound to the key's org.",
    }),
  },
  { ...strict, description: 'Hashed API keys for the server-side routes.' },
);

export const SiteKey = Type.Object(
  {
    key: Type.String({
      pattern: '^[A-Za-z0-9_-]{8,128}$',
      description: 'Public write key, sent as site_key (path, query or body) or the X-Site-Key header.',
    }),
    oid: Type.String({ pattern: UUID_PATTERN, description: 'Organisation the events are bound to.' }),
    org: Type.String({ default: '', description: 'Organisation name the events are bound to.' }),
    origins: Type.Array(Type.String(), {
      default: [],
      description: 'Origins allowed to use the key (browser requests); empty: any.',
    }),
  },
  strict,
);

export const Sites = Type.Object(
  {
    required: Type.Boolean({
      default: false,
      description: 'Refuse tracking requests without a valid site key (401).',
    }),
    keys: Type.Array(SiteKey, { default: [], description: "The sites' public write keys." }),
  },
  { ...strict, description: 'Public site write keys that bind tracking requests to an organisation.' },
);
