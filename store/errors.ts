// Classifying what a store threw when it refused an insert: the ClickHouse error code carried by a chdb or
// @clickhouse/client error, and what the data path should do about it. A batch must never wait forever
// for something that retrying cannot change, and a row must never be dead-lettered because the server was
// unhappy for a while.

/**
 * - `data`: the engine refused the data itself; bisect the batch at once to find the rows and
 *   dead-letter them.
 * - `size`: the engine could not take this much at once (memory, open files, partitions); a smaller
 *   insert can succeed, so a failing batch is split in halves. A lone row is retried, never dead-lettered.
 * - `transient`: the store is down, overloaded or not ready (no answer, network, disk full, a replica's
 *   coordination); retried as it is, for as long as it takes, behind the circuit breaker.
 * - `unknown`: the engine answered with a code that is none of these. Retried a few times, then treated
 *   as `data`: waiting forever for an answer that does not change would stall the table.
 */
export type InsertErrorKind = 'data' | 'size' | 'transient' | 'unknown';

/** ClickHouse error codes that mean "this data is wrong", not "the server is unhappy". */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA (also an unknown column: the store refuses those instead of dropping them)
  128, // TOO_LARGE_ARRAY_SIZE
  131, // TOO_LARGE_STRING_SIZE
  190, // SIZES_OF_ARRAYS_DONT_MATCH
  306, // TOO_DEEP_RECURSION
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  407, // DECIMAL_OVERFLOW (a DateTime64 beyond its range)
  467, // CANNOT_PARSE_BOOL
  691, // UNKNOWN_ELEMENT_OF_ENUM
]);

/** Codes that say the insert was too large for the engine's resources at that moment. */
const SIZE_ERROR_CODES = new Set([
  241, // MEMORY_LIMIT_EXCEEDED
  460, // CANNOT_CREATE_TIMER (out of file descriptors)
  573, // EPOLL_ERROR (out of file descriptors)
]);

/** ClickHouse's AUTHENTICATION_FAILED: a wrong password (a rotated one the server does not run with yet). */
export const authenticationFailed = 516;

/** ClickHouse's UNKNOWN_DATABASE: store.database names a database the server does not hold. */
export const unknownDatabase = 81;

/**
 * Codes of a store that is down, busy, not ready or misconfigured: nothing about the rows. An insert the
 * store refuses for its configuration (storeRefusal) is among them: its rows stay in the spool until an
 * operator fixes the password or the schema, never dead-lettered.
 */
const TRANSIENT_ERROR_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE
  60, // UNKNOWN_TABLE (a replica the schema has not reached yet; a refusal: storeRefusal)
  74, // CANNOT_READ_FROM_FILE_DESCRIPTOR
  75, // CANNOT_WRITE_TO_FILE_DESCRIPTOR
  76, // CANNOT_OPEN_FILE
  unknownDatabase, // (a refusal: storeRefusal)
  159, // TIMEOUT_EXCEEDED
  192, // UNKNOWN_USER (a refusal: storeRefusal)
  193, // WRONG_PASSWORD (older servers; a refusal: storeRefusal)
  194, // REQUIRED_PASSWORD (a refusal: storeRefusal)
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS: merges are behind; smaller inserts would only add parts
  279, // ALL_CONNECTION_TRIES_FAILED
  286, // UNFINISHED (a replicated table still starting)
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  497, // ACCESS_DENIED (a refusal: storeRefusal)
  516, // AUTHENTICATION_FAILED (a refusal: storeRefusal)
  999, // KEEPER_EXCEPTION
]);

/**
 * Said by a failure that a smaller insert avoids, whatever its code: the process ran out of file
 * descriptors, or one insert spanned more partitions than the engine writes at once.
 */
const TOO_LARGE = /Too many open files|errno: 24\b|Too many partitions for single INSERT block/;

/** The numeric ClickHouse error code of a chdb or @clickhouse/client error, if it carries one. */
export function clickhouseCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
  for (const candidate of [e.clickhouseCode, e.code]) {
    const n = typeof candidate === 'string' ? Number(candidate) : candidate;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  }
  const match = typeof e.message === 'string' ? /Code: (\d+)\./.exec(e.message) : null;
  return match ? Number(match[1]) : undefined;
}

/** What the data path should do about a failed insert (see InsertErrorKind). */
export function insertErrorKind(err: unknown): InsertErrorKind {
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && TOO_LARGE.test(message)) return 'size';
  const code = clickhouseCode(err);
  // no code: the store never answered (connection refused, reset, timed out)
  if (code === undefined || TRANSIENT_ERROR_CODES.has(code)) return 'transient';
  if (DATA_ERROR_CODES.has(code)) return 'data';
  if (SIZE_ERROR_CODES.has(code)) return 'size';
  return 'unknown';
}

/**
 * Why a store that answered refuses the ingest whatever it asks, a misconfiguration that waiting does not
 * heal: `credentials` (an unknown user, a wrong or missing password: a rotated one only one side has),
 * `permissions` (the user lacks a grant), `schema` (the database or a table is not there: migrations not
 * applied, or store.database naming another database).
 */
export type StoreRefusal = 'credentials' | 'permissions' | 'schema';

const REFUSAL_CODES: ReadonlyMap<number, StoreRefusal> = new Map([
  [192, 'credentials'], // UNKNOWN_USER
  [193, 'credentials'], // WRONG_PASSWORD
  [194, 'credentials'], // REQUIRED_PASSWORD
  [authenticationFailed, 'credentials'],
  [497, 'permissions'], // ACCESS_DENIED
  [60, 'schema'], // UNKNOWN_TABLE
  [unknownDatabase, 'schema'],
]);

/** The store's refusal `err` says, when it is one (StoreRefusal); undefined for anything else. */
export function storeRefusal(err: unknown): StoreRefusal | undefined {
  const code = clickhouseCode(err);
  return code === undefined ? undefined : REFUSAL_CODES.get(code);
}

/** What a refusal means, for a message anyone may read (no address, no engine text). */
export const REFUSAL_TEXT: Readonly<Record<StoreRefusal, string>> = {
  credentials: "the store refuses the ingest's credentials (store user or password)",
  permissions: "the store's user lacks a permission the ingest needs (a grant)",
  schema: 'the store has no such database or table (schema missing: are the migrations applied?)',
};

export const isDataError = (err: unknown): boolean => insertErrorKind(err) === 'data';
