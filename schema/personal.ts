// What anonymising a row clears: the columns that identify or locate a person, and the keyed hashes of
// email, phone and user name the ingest keeps in `params`. Everything else (the page, the event, the
// campaign, country and region, the browser family) stays, so aggregates keep their meaning.
import type { TableInfo } from './catalog.ts';

/** Identifiers, network and device ids, and precise location: set to their type's default. */
export const PERSONAL_COLUMNS: readonly string[] = [
  'vid',
  'sid',
  'uid',
  'device_id',
  'auth_id',
  'ip',
  'iphash',
  'ja4h',
  'lat',
  'lon',
  'city',
  'zip',
  'gaid',
  'idfa',
  'msid',
  'fbid',
  // match keys for ad platforms: hashed email and phone, Facebook's cookies, the user agent
  'ad_match',
];

/** Top-level keys of the params JSON holding keyed hashes of email, phone number and user name. */
export const PERSONAL_PARAMS: readonly string[] = ['ehash', 'chash', 'uhash'];

export type Anonymisation =
  /** Nothing personal in this table. */
  | { readonly kind: 'none' }
  /** A personal column is part of the table's key: the row IS the person's, so it is deleted instead. */
  | { readonly kind: 'delete'; readonly keyColumn: string }
  /** `assignments` clear the personal data of rows matching `pending` (rows that still hold some). */
  | { readonly kind: 'update'; readonly assignments: string; readonly pending: string };

const keysList = `[${PERSONAL_PARAMS.map((k) => `'${k}'`).join(', ')}]`;

/** params without the personal keys: the other top-level keys and their values, byte for byte. */
const paramsWithout = `CAST(concat('{', arrayStringConcat(arrayMap(kv -> concat(toJSONString(kv.1), ':', kv.2), arrayFilter(kv -> NOT has(${keysList}, kv.1), JSONExtractKeysAndValuesRaw(toJSONString(params)))), ','), '}'), 'JSON')`;

/**
 * How a table's rows are anonymised. `keyColumns` are the columns of its sorting, primary or partition key
 * (from system.columns): ClickHouse cannot UPDATE those.
 */
export function anonymisation(info: TableInfo, keyColumns: ReadonlySet<string>): Anonymisation {
  const names = new Set(info.columns.map((c) => c.name));
  const personal = PERSONAL_COLUMNS.filter((c) => names.has(c));
  const keyColumn = personal.find((c) => keyColumns.has(c));
  if (keyColumn !== undefined) return { kind: 'delete', keyColumn };
  const params = info.columns.some((c) => c.name === 'params' && c.type.startsWith('JSON'));
  if (personal.length === 0 && !params) return { kind: 'none' };
  const assignments = personal.map((c) => `${c} = defaultValueOfArgumentType(${c})`);
  const pending = personal.map((c) => `${c} != defaultValueOfArgumentType(${c})`);
  if (params) {
    assignments.push(`params = ${paramsWithout}`);
    pending.push(`hasAny(JSONAllPaths(params), ${keysList})`);
  }
  return { kind: 'update', assignments: assignments.join(', '), pending: `(${pending.join(' OR ')})` };
}
