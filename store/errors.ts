// Classifying what a store threw: the ClickHouse error code carried by a chdb or @clickhouse/client error,
// and whether it says the data is wrong (the batch is bisected to find the row) or the server is unhappy
// (the batch is retried as it is).

/**
 * ClickHouse error codes that mean "this data is wrong", not "the server is unhappy": a batch failing
 * with one of them is bisected to find the rows to dead-letter; anything else is retried as it is.
 */
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
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  467, // CANNOT_PARSE_BOOL
  691, // UNKNOWN_ELEMENT_OF_ENUM
  // TOO_MANY_PARTS (252) and memory limits are deliberately absent: they are back-pressure, retried.
]);

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

export const isDataError = (err: unknown): boolean => DATA_ERROR_CODES.has(clickhouseCode(err) ?? 0);
