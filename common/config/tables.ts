// The sections of the ingest configuration that shape stored tables: `retention` (each table's TTL) and
// `rollups` (which events the impression_daily rollup counts). The operator also applies both to a
// ClickHouse server's tables, so the CRD imports them from here. Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

export const Retention = Type.Object(
  {
    defaultDays: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Days every table with an age keeps its rows (its TTL); 0 keeps forever. On the embedded store a change applies to the existing tables at the next start (the engine removes rows already older in the background); on a ClickHouse server or cluster the operator applies spec.schema.retention (rendered here) to the existing tables at its next schema pass (tracker prune applies it to stored rows).',
    }),
    tables: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), Type.Integer({ minimum: 0 }), {
      maxProperties: 64,
      default: {},
      description: 'Days kept per table (0: forever) instead of defaultDays, applied as defaultDays is.',
    }),
  },
  strict,
);

/** An ename or etyp as stored: the ingest lower-cases both, so an upper-case rule could never match. */
const StoredName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^A-Z]+$',
  description: 'Lower case, as the ingest stores ename and etyp.',
});
const names = (defaults: string[], description: string) =>
  Type.Array(StoredName, { maxItems: 64, default: defaults, description });

/** What impression_daily counts; its materialized view reads these rules at every insert. */
export const ImpressionRules = Type.Object(
  {
    impressionEtyps: names(['impression'], 'Events with one of these etyps are impressions.'),
    impressionEnames: names([], 'Events with one of these enames are impressions too.'),
    conversionEnames: names(['conversion'], 'Events with one of these enames are conversions.'),
  },
  {
    ...strict,
    default: {},
    description: 'Which events impression_daily counts as impressions and conversions.',
  },
);

export const Rollups = Type.Object(
  { impressionDaily: ImpressionRules },
  {
    ...strict,
    description:
      'Rules of the rollups derived from events; a change applies to events inserted after it (counted rows stay as they are).',
  },
);
