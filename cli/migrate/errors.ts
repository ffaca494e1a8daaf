// What `tracker migrate` says when the store cannot be migrated, each with a code (printed first, for a
// log search) and an exit code a script can branch on: retry later (unreachable), fix the configuration
// (credentials, database), or look at the statement that failed.
import { clickhouseCode, storeRefusal, unknownDatabase } from '../../store/index.ts';

export const MIGRATE_EXIT = {
  /** Every migration applied (or none was pending); a dry run with nothing pending. */
  ok: 0,
  /** A statement failed (the message names the migration), or anything not listed here. */
  failed: 1,
  /** A dry run found something to apply. */
  pending: 2,
  /** No answer from the server: not running, not reachable, not yet started. Worth a retry. */
  unreachable: 3,
  /** The server refused the user: wrong name or password, or a missing grant. */
  refused: 4,
  /** The configured database does not exist and could not be created. */
  database: 5,
  /** The operator applies this schema (store.schemaOwner: operator) and --force was not given. */
  owned: 6,
} as const;

export type MigrateErrorCode =
  | 'MIGRATE_STORE_UNREACHABLE'
  | 'MIGRATE_CREDENTIALS_REFUSED'
  | 'MIGRATE_ACCESS_DENIED'
  | 'MIGRATE_UNKNOWN_DATABASE'
  | 'MIGRATE_SCHEMA_OWNED';

export class MigrateError extends Error {
  readonly code: MigrateErrorCode;
  /** What the process exits with (main reads it). */
  readonly exitCode: number;

  constructor(code: MigrateErrorCode, message: string, exitCode: number, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'MigrateError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * The refusal to apply a schema the operator applies (the ingest ConfigMap it renders says
 * store.schemaOwner: operator): a migrate run beside it would change the tables behind its back, outside
 * the gate that holds the ingest's rollout until the schema is there.
 */
export function schemaOwned(url: string): MigrateError {
  return new MigrateError(
    'MIGRATE_SCHEMA_OWNED',
    `the Tracker operator applies the schema of ClickHouse at ${url} (store.schemaOwner: operator): see its SchemaReady condition (kubectl get tc -o wide, kubectl describe tc). Nothing was applied; --dry-run lists what is pending, --force applies it anyway`,
    MIGRATE_EXIT.owned,
  );
}

export interface Where {
  readonly url: string;
  readonly username: string;
  readonly database: string;
}

/** Node's codes for a connection that never got an answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const NO_ANSWER = /ECONNREFUSED|ENOTFOUND|socket hang up|timeout/i;

/** The error and its causes (a failed migration wraps what the store threw). */
function chain(err: unknown): unknown[] {
  const all: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && all.length < 10; e = (e as Error).cause) all.push(e);
  return all;
}

const noAnswer = (e: unknown): boolean => {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof message === 'string' && NO_ANSWER.test(message))
  );
};

/** The coded error for what the store threw, or undefined when it is none of these (a statement failed). */
export function classify(err: unknown, where: Where): MigrateError | undefined {
  const errors = chain(err);
  const code = errors.map(clickhouseCode).find((c) => c !== undefined);
  const cause = (err as Error).message?.split('\n')[0] ?? String(err);
  const at = `ClickHouse at ${where.url}`;
  if (code === undefined && errors.some(noAnswer))
    return new MigrateError(
      'MIGRATE_STORE_UNREACHABLE',
      `${at} did not answer (${cause}); check store.url, and that the server is up. Nothing was applied`,
      MIGRATE_EXIT.unreachable,
      { cause: err },
    );
  if (code === undefined) return undefined;
  return answered(err, code, cause, at, where);
}

/**
 * The coded error for a ClickHouse answer that is about the user or the database, not a statement: the
 * refusals the ingest's store tells apart (storeRefusal), the missing database named on its own.
 */
function answered(err: unknown, code: number, cause: string, at: string, where: Where) {
  const refusal = storeRefusal({ code }); // the code may come from a cause: classify it, not `err`
  if (refusal === 'credentials')
    return new MigrateError(
      'MIGRATE_CREDENTIALS_REFUSED',
      `${at} refused user "${where.username}": wrong user name or password (store.username, store.passwordFile)`,
      MIGRATE_EXIT.refused,
      { cause: err },
    );
  if (refusal === 'permissions')
    return new MigrateError(
      'MIGRATE_ACCESS_DENIED',
      `${at}: user "${where.username}" may not change database "${where.database}" (${cause}); grant it CREATE, ALTER, INSERT and SELECT on ${where.database}.* (and CREATE DATABASE while the database does not exist)`,
      MIGRATE_EXIT.refused,
      { cause: err },
    );
  if (code === unknownDatabase)
    return new MigrateError(
      'MIGRATE_UNKNOWN_DATABASE',
      `${at}: database "${where.database}" does not exist and was not created (${cause}); create it, or give store.database the name of one`,
      MIGRATE_EXIT.database,
      { cause: err },
    );
  return undefined;
}

/** A ClickHouse "unknown database" answer (a dry run on a server the schema has not reached yet). */
export const isUnknownDatabase = (err: unknown): boolean => clickhouseCode(err) === unknownDatabase;
