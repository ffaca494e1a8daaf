// Statements the engine runs on a read-only connection although they are no reads, found in the text the
// engine's own formatter writes for a statement (keywords upper case, one space apart, comments gone):
// - `INTO OUTFILE`: chdb (clickhouse-local's client side) writes that file itself, on the ingest's host;
// - `DESCRIBE TABLE f(…)` of a table function: the read-only check of file(), url() and the like is not
//   applied there, and describing infers a schema from the data: the first line of any file the process can
//   read (as column names), or a request to any URL (`DESCRIBE (SELECT * FROM f(…))` leaves it to the engine);
// - `KILL`: it stops any running statement, the data path's inserts on the writing connection among them;
// - the function `file(path)`: it returns the content of any file the process can read (the privacy hash
//   key, TLS keys, /etc/shadow under root), on a read-only connection too.

const INTO_OUTFILE =
  "INTO OUTFILE refused: it would write a file on the ingest's host, and the SQL endpoint is read-only; " +
  'ask for a format instead (FORMAT CSVWithNames, …) and save the answer';
const DESCRIBE_FUNCTION =
  'DESCRIBE of a table function refused: describing it reads the data behind it (a file, a URL), which ' +
  'the read-only SQL endpoint does not reach; describe a subquery, DESCRIBE (SELECT * FROM numbers(10)), ' +
  'and the engine decides';
const KILL = "KILL refused: the SQL endpoint is read-only, and may not stop the ingest's own statements";
const FILE =
  "file() refused: it reads any file on the ingest's host, and the read-only SQL endpoint reads the " +
  'stored tables only';

/** The statement without its string literals and quoted names, whose text could look like a clause. */
const bare = (formatted: string) =>
  formatted.replace(/'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/gs, "''");

/** Why a statement is refused before it runs, or undefined: the engine decides everything else. */
export function refusedStatement(formatted: string): string | undefined {
  const text = bare(formatted);
  if (/\bINTO OUTFILE\b/.test(text)) return INTO_OUTFILE;
  if (/^DESCRIBE TABLE [A-Za-z_][A-Za-z0-9_]*\(/.test(text)) return DESCRIBE_FUNCTION;
  if (/^KILL\b/.test(text)) return KILL;
  // the formatter writes a call of it so however it was quoted or spaced (`file` ( …) → file(…))
  if (/(^|[^\w.])file\(/.test(text)) return FILE;
  return undefined;
}
