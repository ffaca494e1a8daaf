// Which person a stored row belongs to, as the store's erasure sees it: its vid, its uid, the email hash
// in params.ehash, and, for the ltv table, the vid or uid its id_type names. One rule for every copy of
// a row outside the tables (the destinations' backlogs and dead letters, the data path's dead letters),
// so an erase request removes from them exactly the rows it deletes from the store.

export type ErasedKind = 'vid' | 'uid' | 'ehash';

/** The ids an erase request names, and its org scope (absent: every org). */
export interface ErasedIds {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  readonly oid?: string;
}

/**
 * The person's other ids the store's erasure found linked to those named (the vids and uids of the
 * events that carried the email hash or uid): the same rows go from every copy as from the tables.
 */
export interface LinkedPersonIds {
  readonly vids: readonly string[];
  readonly uids: readonly string[];
}

type Fields = Record<string, unknown>;

const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const given = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** params as stored: an object, or (as some writers keep it) its JSON text. */
function paramsOf(row: Fields): Fields | undefined {
  const params = row.params;
  if (isFields(params)) return params;
  if (typeof params !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(params);
    return isFields(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The ids of a stored row the store's erasure matches (none for what is not a row). */
export function erasedIdsOf(row: unknown): [ErasedKind, string][] {
  if (!isFields(row)) return [];
  const out: [ErasedKind, string][] = [];
  if (given(row.vid)) out.push(['vid', row.vid]);
  if (given(row.uid)) out.push(['uid', row.uid]);
  const ehash = paramsOf(row)?.ehash;
  if (given(ehash)) out.push(['ehash', ehash]);
  if ((row.id_type === 'vid' || row.id_type === 'uid') && given(row.id)) out.push([row.id_type, row.id]);
  return out;
}

/** The oid a row sent without one is stored with (the column's default). */
const NO_ORG = '00000000-0000-0000-0000-000000000000';

/** Whether a row carries no org: no oid, or the one it is stored with then. */
export const orgless = (row: Fields): boolean =>
  row.oid === undefined || row.oid === '' || row.oid === NO_ORG;

/**
 * Whether an org scope lets the row in: no scope, the row's org, or a row of no org (it belongs to no
 * other org, and the store's erasure deletes it in any org's scope).
 */
export const inScope = (scope: string | undefined, row: unknown): boolean =>
  scope === undefined || !isFields(row) || orgless(row) || String(row.oid) === scope;

/**
 * Whether the row is one of the person an erase request names, or of the ids linked to them, within its
 * org scope.
 */
export function namesPerson(ids: ErasedIds, row: unknown, linked?: LinkedPersonIds): boolean {
  if (!inScope(ids.oid, row)) return false;
  const more = { vid: linked?.vids ?? [], uid: linked?.uids ?? [], ehash: [] as readonly string[] };
  return erasedIdsOf(row).some(([kind, id]) => ids[kind] === id || more[kind].includes(id));
}
