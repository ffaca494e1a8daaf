// Mutations of data tables (ALTER TABLE … DELETE / UPDATE) in either rendering, and which rows of a table
// belong to given visitors. Shared by erasure (the ingest's forget route) and `tracker prune`, so both find
// a visitor's rows the same way and both target the storage a mutation needs: on a cluster the Replicated
// `X_local` tables ON CLUSTER, because an ALTER on the Distributed `X` has no storage to change (ADR 0002).
import type { TableInfo } from './catalog.ts';
import { mutationTarget, type RenderOptions } from './render.ts';

/** The rendering a statement targets: a single node, or a cluster by name. */
export type Rendering = Pick<RenderOptions, 'database' | 'cluster'>;

/** Visitors by any of their ids; lists so that one statement covers a batch of them. */
export interface VisitorIds {
  readonly vids?: readonly string[];
  readonly uids?: readonly string[];
  /** Keyed hashes of email addresses, as the ingest stores them in events.params.ehash. */
  readonly ehashes?: readonly string[];
  /**
   * The visitors' IP addresses as their events stored them: they select the rows of the tables that hold
   * an IP and no visitor id (the daily rollups of events by IP), where nothing else tells whose a row is.
   */
  readonly ips?: readonly string[];
  /** Restrict to one org and the rows of no org; absent: every org. */
  readonly oid?: string;
}

/** The oid of a row sent without one (the column's default). */
const NO_ORG = '00000000-0000-0000-0000-000000000000';

/**
 * Whether a list names anyone. An empty id is refused, never matched: as an email hash it would select every
 * event stored without one.
 */
function given(list: readonly string[] | undefined): list is readonly string[] {
  if (list?.includes('')) throw new Error('visitor ids: an empty id names nobody');
  return list !== undefined && list.length > 0;
}

/** The WHERE condition selecting the visitors' rows of a table; undefined when it holds none of their ids. */
export function visitorPredicate(info: TableInfo, ids: VisitorIds): string | undefined {
  const cols = new Set(info.columns.map((c) => c.name));
  const or: string[] = [];
  if (given(ids.vids) && cols.has('vid')) or.push('vid IN {vids:Array(UUID)}');
  if (given(ids.uids) && cols.has('uid')) or.push('uid IN {uids:Array(UUID)}');
  // ltv keys one value per id_type: the visitor's rows are those whose id is one of theirs.
  if (info.name === 'ltv') {
    if (given(ids.vids)) or.push("(id_type = 'vid' AND id IN {vids:Array(UUID)})");
    if (given(ids.uids)) or.push("(id_type = 'uid' AND id IN {uids:Array(UUID)})");
  }
  if (given(ids.ehashes) && info.name === 'events')
    or.push('toString(params.ehash) IN {ehashes:Array(String)}');
  // A row of such a table counts every visitor of its IP: it goes whole, as anonymisation deletes a row
  // whose key is personal, since the person's share of its count cannot be told apart.
  if (given(ids.ips) && cols.has('ip') && !cols.has('vid') && !cols.has('uid'))
    or.push('ip IN {ips:Array(String)}');
  if (or.length === 0) return undefined;
  // An org's scope holds its rows and the rows sent without an org (the column's zero UUID): those belong
  // to no other org, and no key's scope would reach them, so an erase request answered done left them.
  const scope = ids.oid !== undefined && cols.has('oid') ? ` AND oid IN ({oid:UUID}, '${NO_ORG}')` : '';
  return `(${or.join(' OR ')})${scope}`;
}

/** The query parameters visitorPredicate's conditions name. */
export function visitorParams(ids: VisitorIds): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (given(ids.vids)) params.vids = ids.vids;
  if (given(ids.uids)) params.uids = ids.uids;
  if (given(ids.ehashes)) params.ehashes = ids.ehashes;
  if (given(ids.ips)) params.ips = ids.ips;
  if (ids.oid !== undefined) params.oid = ids.oid;
  return params;
}

export interface MutationScope {
  /** Only this partition (a partition id as system.parts names it): one batch of a larger mutation. */
  readonly partition?: string;
}

const PARTITION_ID = /^[A-Za-z0-9_-]{1,128}$/;

function inPartition(scope: MutationScope): string {
  if (scope.partition === undefined) return '';
  if (!PARTITION_ID.test(scope.partition))
    throw new Error(`mutation: invalid partition id ${scope.partition}`);
  return ` IN PARTITION ID '${scope.partition}'`;
}

/**
 * mutations_sync waits for the mutation: on this server (1), or on every replica (2), so a statement that
 * returned means done everywhere and the next batch starts only then.
 */
const sync = (rendering: Rendering): string => ` SETTINGS mutations_sync = ${rendering.cluster ? 2 : 1}`;

export function deleteMutation(
  table: string,
  where: string,
  rendering: Rendering,
  scope: MutationScope = {},
): string {
  const target = mutationTarget(table, rendering);
  return `ALTER TABLE ${target} DELETE${inPartition(scope)} WHERE ${where}${sync(rendering)}`;
}

export function updateMutation(
  table: string,
  assignments: string,
  where: string,
  rendering: Rendering,
  scope: MutationScope = {},
): string {
  const target = mutationTarget(table, rendering);
  return `ALTER TABLE ${target} UPDATE ${assignments}${inPartition(scope)} WHERE ${where}${sync(rendering)}`;
}

/** The table reads go to: db.X in both renderings (on a cluster the Distributed table over every shard). */
export function readTarget(table: string, rendering: Rendering): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`read: invalid table name ${table}`);
  return `\`${rendering.database}\`.\`${table}\``;
}

/** The name of X's storage in system.tables / system.columns: X, or X_local on a cluster. */
export const storageName = (table: string, rendering: Rendering): string =>
  rendering.cluster ? `${table}_local` : table;
