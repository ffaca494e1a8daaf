// What the engine refused a read for, said so the reader learns why. The engine names the rule it applied
// ("Cannot execute query in readonly mode", "Limit for result exceeded") but neither that this endpoint is
// read-only by design nor which of the ingest's settings set the limit. The code and type stay the
// engine's (clients parse them); only the message grows. The statement is looked at for its first word,
// to name what was refused; what runs is still decided by the engine alone.
import { ClickHouseError, describe } from './errors.ts';

const READONLY = 164;
const ACCESS_DENIED = 497;
const TOO_MANY_ROWS_OR_BYTES = 396;
const MEMORY_LIMIT_EXCEEDED = 241;
const TIMEOUT_EXCEEDED = 159;

/** Statements the read-only connection runs; any other kind is a write, DDL or a command. */
const READS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);

/** The statement's first keyword, after comments and opening parentheses (`(SELECT …) UNION …`). */
export function statementKind(sql: string): string | undefined {
  const lead = /^(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(sql);
  return lead?.[1]?.toUpperCase();
}

const TABLE_FUNCTION_REFUSED =
  'uses a table function the read-only SQL endpoint refuses (file(), url(), s3(), remote() and the like reach outside the stored tables)';

/** The engine's own lock on table functions (store/engine-access.ts): it names the grant, not the function. */
function sourceDenied(message: string, sql: string): string {
  if (!/grant READ ON [A-Z_]+/.test(message)) return message;
  return `${message}: this ${statementKind(sql) ?? 'statement'} ${TABLE_FUNCTION_REFUSED}`;
}

function readOnly(message: string, sql: string): string {
  if (!/Cannot (modify|execute query in readonly mode)/.test(message)) return message; // says why itself
  if (/Cannot modify '[^']+' setting/.test(message)) {
    return `${message}: the SQL endpoint's connection is read-only, so a setting is accepted only at the value it has (its limits are the ingest's sql.* configuration)`;
  }
  const kind = statementKind(sql) ?? 'the statement';
  if (READS.has(kind)) {
    return `${message}: this ${kind} ${TABLE_FUNCTION_REFUSED}`;
  }
  return `${message}: ${kind} refused, the ingest's SQL endpoint is read-only (it runs SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN; writes, DDL, SET and commands are refused by the engine)`;
}

function resultTooLarge(message: string): string {
  return `${message}: the result is larger than the SQL endpoint allows (sql.maxResultBytes); aggregate, select fewer columns or add a LIMIT`;
}

/**
 * One read over the memory the endpoint gives a read (sql.maxMemoryBytes) is the reader's to change, a 422
 * like the result limit; the engine's total running out (its message says "total") is the server's, a 500.
 */
function memory(d: { code: number; type: string; message: string }): ClickHouseError | undefined {
  if (!/^Query memory limit exceeded/.test(d.message)) return undefined;
  const why = `${d.message}: the read needs more memory than the SQL endpoint gives one read (sql.maxMemoryBytes); aggregate over fewer rows or keys, or add a LIMIT`;
  return new ClickHouseError(d.code, d.type, why, 422);
}

/** Which limit stopped a read: the endpoint's own (its message names the maximum) or the client's deadline. */
function timeout(message: string): string {
  if (/maximum: /.test(message)) {
    return `${message}: the read ran longer than the SQL endpoint allows (sql.maxExecutionTimeS)`;
  }
  return `${message}: the client's own deadline (its max_execution_time)`;
}

/** The engine's refusal with its reason spelt out; anything else unchanged. */
export function explainRefusal(err: unknown, sql: string): unknown {
  const d = describe(err);
  if (d?.code === READONLY) return new ClickHouseError(d.code, d.type, readOnly(d.message, sql));
  if (d?.code === ACCESS_DENIED) return new ClickHouseError(d.code, d.type, sourceDenied(d.message, sql));
  if (d?.code === TOO_MANY_ROWS_OR_BYTES)
    return new ClickHouseError(d.code, d.type, resultTooLarge(d.message));
  if (d?.code === MEMORY_LIMIT_EXCEEDED) return memory(d) ?? err;
  if (d?.code === TIMEOUT_EXCEEDED) return new ClickHouseError(d.code, d.type, timeout(d.message));
  return err;
}
