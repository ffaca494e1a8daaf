// Query what the ingest stored: `node ingest/query.ts [--config file] [--json] "SELECT …"`. Uses the same
// configuration as the server. The embedded engine admits one process per data directory, so while the
// server runs this reads through the server's read-only SQL endpoint (its credential is read from the
// same password file); when no server answers there, it opens the data directory itself. A clickhouse
// store is queried directly either way.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ConfigError } from '../common/config/problems.ts';
import {
  createStore,
  EmbeddedStoreLocked,
  missingEmbeddedData,
  parseJsonEachRow,
  type Row,
  type Store,
} from '../store/index.ts';
import { passwordFileOf } from './auth/credential.ts';
import { type Config, loadConfig, sqlEnabled } from './config.ts';
import { DISPLAY_NAME } from './sql/protocol.ts';

type Run = (sql: string) => Promise<Row[]>;

/** The running server's SQL endpoint, or undefined when none answers (or none is configured). */
async function viaServer(config: Config): Promise<{ run: Run; close(): Promise<void> } | undefined> {
  if (!sqlEnabled(config)) return undefined;
  let password: string;
  try {
    password = readFileSync(passwordFileOf(config.sql.passwordFile, config.server.stateDir), 'utf8').trim();
  } catch {
    return undefined; // no password yet: no server has run with this configuration
  }
  const url = sqlUrl(config);
  // The port is ClickHouse's own by default: the password goes only to an endpoint that names itself
  // the ingest's, never to a ClickHouse server (or anything else) that happens to answer there.
  if (!(await isIngestSqlEndpoint(url))) return undefined;
  // Another ingest's endpoint (started from another directory: a second checkout) may answer on this
  // port. It refuses this directory's password, and it does not hold this directory: open it instead of
  // answering "Authentication failed" for a server that was never this configuration's.
  if (!(await acceptsPassword(url, config.sql.username, password))) return undefined;
  const client = createClient({
    url,
    username: config.sql.username,
    password,
    // Errors are the answer here, printed once below; the client would log them a second time.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    run: async (sql) => {
      try {
        return await readRows(client, sql);
      } catch (err) {
        throw readOnlyHint(engineError(err));
      }
    },
    close: () => client.close(),
  };
}

/**
 * The statement as written, its format asked for by `default_format`: the client's `query()` appends
 * `FORMAT JSONEachRow` to it, which a syntax error then quoted back as SQL the user never wrote.
 */
async function readRows(client: ClickHouseClient, sql: string): Promise<Row[]> {
  const { stream } = await client.exec({
    query: sql,
    clickhouse_settings: { default_format: 'JSONEachRow' },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return parseJsonEachRow<Row>(Buffer.concat(chunks).toString('utf8'));
}

/** The endpoint's error in the engine's own shape, as query.ts prints it when it opens the directory. */
function engineError(err: unknown): unknown {
  const { code, type, message } = err as { code?: unknown; type?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof type !== 'string' || typeof message !== 'string') return err;
  const text = `Code: ${code}. DB::Exception: ${message.trim().replace(/\.$/, '')}. (${type})`;
  return Object.assign(new Error(text, { cause: err }), { code });
}

/** Where this configuration's SQL endpoint answers on this machine. */
function sqlUrl(config: Config): string {
  const host = ['0.0.0.0', '::'].includes(config.sql.host) ? '127.0.0.1' : config.sql.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.sql.port}`;
}

/**
 * The data directory, opened when no ingest endpoint answered. When a running ingest holds it, that
 * ingest was most likely started with other settings (another sql.port): the message says what was
 * tried, so the remedy is to give query.ts the same configuration.
 */
async function openStore(config: Config): Promise<Store> {
  try {
    return await createStore(config.store);
  } catch (err) {
    if (!(err instanceof EmbeddedStoreLocked)) throw err;
    const tried = sqlEnabled(config)
      ? `no ingest SQL endpoint answered at ${sqlUrl(config)} (sql.port): if the running ingest listens on ` +
        'another, give query.ts the same configuration (--config, TRACKER_SQL__PORT)'
      : 'the SQL endpoint is off in this configuration (sql.enabled: false): stop the ingest to query its directory';
    throw new Error(`${err.message}; ${tried}`, { cause: err });
  }
}

const READONLY = '164';

/** A write refused by the running ingest's endpoint, with what to do: it is read-only by design. */
function readOnlyHint(err: unknown): unknown {
  if ((err as { code?: unknown }).code !== READONLY) return err;
  return new Error(
    `${(err as Error).message} To write (for example jurisdictions), stop the ingest and run query.ts ` +
      'again: it then opens the data directory itself.',
  );
}

/** Whether the ingest's SQL endpoint answers at `url`: its unauthenticated `/ping`, with its name. */
async function isIngestSqlEndpoint(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.ok && res.headers.get('x-clickhouse-server-display-name') === DISPLAY_NAME;
  } catch {
    return false; // nothing listens there, or it did not answer in time
  }
}

/** Whether the endpoint at `url` takes this credential (it answers a refused one 403). */
async function acceptsPassword(url: string, username: string, password: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/?query=SELECT%201`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(3000),
    });
    await res.body?.cancel();
    return res.status !== 403;
  } catch {
    return true; // no answer in time: the query itself will say what is wrong
  }
}

/**
 * The rows are read as JSONEachRow and printed here, so a statement of its own FORMAT is refused before it
 * runs: with two FORMAT clauses the engine answered only "Syntax error: failed at position 41".
 */
function refuseFormatClause(sql: string): void {
  const format = /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(sql)?.[1];
  if (format !== undefined)
    throw new Error(
      `leave out "FORMAT ${format}": query.ts prints the rows itself (a table, or one JSON object per line ` +
        'with --json); for another format ask the SQL endpoint (curl, ingest/README.md)',
    );
}

/**
 * console.table shows an object or array beyond a few keys, or nested, as "[Object]": a JSON column such
 * as `params` is shown as its JSON text instead, whole.
 */
function jsonCells(row: Row): Row {
  const cells = Object.entries(row).map(([k, v]) => [
    k,
    v !== null && typeof v === 'object' ? JSON.stringify(v) : v,
  ]);
  return Object.fromEntries(cells) as Row;
}

/** Statements that answer with rows; any other (INSERT, CREATE, ALTER, DROP, …) answers none when it runs. */
const READS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS', 'CHECK', 'VALUES']);

/**
 * Whether the statement is a query, by its first keyword (after comments and parentheses): a write that
 * ran printed "(no rows)", which reads like a write that did nothing.
 */
function isQuery(sql: string): boolean {
  const start = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  const keyword = /^[a-z]+/i.exec(start)?.[0].toUpperCase();
  return keyword === undefined || READS.has(keyword);
}

/** What the rows are printed as: a table, one JSON object per line, or what says that nothing matched. */
function printRows(sql: string, rows: readonly Row[], json: boolean): void {
  if (json) for (const r of rows) console.log(JSON.stringify(r));
  // console.table of no rows is an empty frame without even the column names
  else if (rows.length === 0) console.log(isQuery(sql) ? '(no rows)' : 'ok');
  else console.table(rows.map(jsonCells));
}

function noDataHere(config: Config): void {
  const missing = missingEmbeddedData(config.store);
  if (missing !== undefined) throw new Error(missing);
}

const USAGE = `Usage: node ingest/query.ts [--config <file>] [--json] ["SELECT …"]

Runs one query on what the ingest stored and prints the rows (a table, or --json: one JSON object per
line; the statement has no FORMAT clause); after a write (INSERT, CREATE, ALTER, …) it prints "ok". Without SQL: the last 20 events. While the ingest runs it
reads through its read-only SQL endpoint; otherwise it opens the data directory, or the configured
ClickHouse server.

Options:
  -c, --config <file>  ingest configuration (default: $TRACKER_CONFIG, else the defaults; TRACKER_* override it)
  --json               one JSON object per row
  -h, --help           this text
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sql =
    positionals.join(' ').trim() ||
    'SELECT created_at, ename, etyp, vid, url FROM events ORDER BY created_at DESC LIMIT 20';
  refuseFormatClause(sql);
  const config = loadConfig(values.config);
  const server = await viaServer(config);
  if (server === undefined) noDataHere(config);
  const store = server === undefined ? await openStore(config) : undefined;
  try {
    const rows = server !== undefined ? await server.run(sql) : await (store?.query(sql) ?? []);
    printRows(sql, rows, values.json === true);
  } finally {
    await server?.close();
    await store?.close();
  }
}

/** A mistyped option is a usage error, not a failed query: parseArgs's own advice is for positionals. */
const isUsageError = (err: unknown) =>
  /^ERR_PARSE_ARGS_/.test(String((err as { code?: unknown }).code ?? ''));

main().catch((err: unknown) => {
  if (isUsageError(err)) {
    const what = /^[^.]*/.exec((err as Error).message)?.[0];
    console.error(`query.ts: ${what} (node ingest/query.ts --help lists the options)`);
    process.exit(2);
  }
  console.error(err instanceof ConfigError ? err.message : `query failed: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
