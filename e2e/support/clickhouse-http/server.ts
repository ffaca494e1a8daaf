// TEST DOUBLE of the ClickHouse HTTP server (network layer only). It speaks enough of ClickHouse's HTTP
// interface for @clickhouse/client to run unmodified against it (queries with FORMAT, query_params,
// settings as URL parameters, inserts as `query` parameter + body, /ping, X-ClickHouse-* headers and
// the exception format), and executes every statement on the REAL engine: an in-process chdb Session.
// What it does not model: users/grants, sessions, compression, progress headers, clusters (Keeper); the
// optional replication stand-in (replication.ts) shows what Keeper-backed replication would, as a test sets,
// and the optional cluster stand-in (cluster.ts) lets several doubles play one cluster's hosts.
// Test control routes (control.ts) live under /_double/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ClusterStandIn, type Exec } from './cluster.ts';
import { clusterRoute, controlRoute, type StatementLog } from './control.ts';
import { classify, type Output, type ParsedRequest, parseRequest } from './protocol.ts';
import { ReplicationStandIn } from './replication.ts';

export interface ClickHouseHttpOptions {
  /** chdb data directory (one per process: chdb binds a single directory per process). */
  readonly dir: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** When set, requests must authenticate as `default` with this password. */
  readonly password?: string;
  /** Server keep-alive timeout; ClickHouse's default is 10 s. */
  readonly keepAliveTimeoutMs?: number;
  /** Keep every statement received (GET /_double/statements); for tests that assert what was sent. */
  readonly record?: boolean;
  /** Answer system.replicas / system.replication_queue and SYSTEM DROP|SYNC REPLICA from the stand-in. */
  readonly replication?: boolean;
  /** Play one host of this cluster (cluster.ts): its name and this host's macros ({shard}, {replica}). */
  readonly cluster?: { readonly name: string; readonly macros: Readonly<Record<string, string>> };
}

export interface ClickHouseHttp {
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every connection (simulates the server going away). */
  close(): Promise<void>;
}

const VERSION = '26.7 (chdb test double)';

export async function startClickHouseHttp(opts: ClickHouseHttpOptions): Promise<ClickHouseHttp> {
  mkdirSync(opts.dir, { recursive: true });
  const session = new Session(opts.dir, {
    connectionArgs: opts.cluster ? [`--config-file=${clusterConfig(opts.dir, opts.cluster)}`] : [],
  });
  // One statement at a time: `USE` and `SET` are session state shared by every request.
  let chain: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const ctx: Context = {
    session,
    serialize,
    password: opts.password,
    log: opts.record ? [] : undefined,
    replication: opts.replication ? new ReplicationStandIn() : undefined,
    cluster: opts.cluster ? new ClusterStandIn(opts.cluster.name, opts.cluster.macros) : undefined,
  };
  const server = createServer((req, res) => {
    void handle(req, res, ctx);
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 10_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  if (ctx.cluster) ctx.cluster.self = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await chain;
      session.close();
    },
  };
}

interface Context {
  readonly session: Session;
  readonly serialize: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly password: string | undefined;
  readonly log: StatementLog | undefined;
  readonly replication: ReplicationStandIn | undefined;
  readonly cluster: ClusterStandIn | undefined;
}

/**
 * The server configuration the cluster stand-in needs from the engine: this host's macros, and the cluster
 * by name so Distributed tables over it can be created (its one host is unreachable: nothing is sent there).
 */
function clusterConfig(dir: string, cluster: NonNullable<ClickHouseHttpOptions['cluster']>): string {
  const xml = (tag: string, inner: string) => `<${tag}>${inner}</${tag}>`;
  const macros = Object.entries(cluster.macros)
    .map(([k, v]) => xml(k, v))
    .join('');
  const remote = xml(cluster.name, xml('shard', xml('replica', xml('host', '127.0.0.1') + xml('port', '1'))));
  const file = join(dir, 'cluster-stand-in.xml');
  writeFileSync(file, xml('clickhouse', xml('macros', macros) + xml('remote_servers', remote)));
  return file;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (
      url.pathname === '/ping' ||
      (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))
    ) {
      return reply(res, 200, 'Ok.\n', { 'Content-Type': 'text/plain; charset=UTF-8' });
    }
    const exec: Exec = (request, opts) => ctx.serialize(() => execute(ctx, request, opts?.raw));
    const handedOver =
      ctx.cluster && (await clusterRoute(req.method ?? 'GET', url, body, ctx.cluster, exec, ctx.log));
    if (handedOver) return answer(res, handedOver, undefined);
    const control = controlRoute(req.method ?? 'GET', url.pathname, body, ctx);
    if (control) return reply(res, control.status, control.body, { 'Content-Type': 'application/json' });
    if (ctx.password !== undefined && !authorised(req, ctx.password)) {
      return fail(res, 516, 'default: Authentication failed: password is incorrect', 'AUTHENTICATION_FAILED');
    }
    const request = parseRequest(url, body);
    ctx.log?.push({ sql: request.sql, at: Date.now() });
    await ctx.replication?.held(request.sql);
    const output = ctx.cluster ? await ctx.cluster.statement(request, exec) : await exec(request);
    answer(res, output, request.queryId);
  } catch (err) {
    const e = err as { clickhouseCode?: number; message?: string };
    const code = e.clickhouseCode ?? 1002;
    const message = (e.message ?? String(err)).replace(/^Code: \d+\. DB::Exception: /, '');
    const type = /\(([A-Z0-9_]+)\)\s*$/.exec(message)?.[1];
    fail(
      res,
      code,
      type ? message.replace(/\s*\([A-Z0-9_]+\)\s*$/, '') : message,
      type ?? 'UNKNOWN_EXCEPTION',
    );
  }
}

function answer(res: ServerResponse, output: Output, queryId: string | undefined): void {
  reply(res, 200, output.body, {
    'Content-Type': output.format ? contentType(output.format) : 'text/plain; charset=UTF-8',
    ...(output.format ? { 'X-ClickHouse-Format': output.format } : {}),
    'X-ClickHouse-Query-Id': queryId ?? crypto.randomUUID(),
    'X-ClickHouse-Timezone': 'UTC',
    'X-ClickHouse-Summary': JSON.stringify(output.summary),
  });
}

async function execute(ctx: Context, parsed: ParsedRequest, raw = false): Promise<Output> {
  const { session } = ctx;
  if (parsed.database) await session.queryAsync(`USE \`${parsed.database.replaceAll('`', '')}\``);
  const intercepted = ctx.replication ? await ctx.replication.intercept(session, parsed.sql) : parsed;
  if ('handled' in intercepted)
    return { body: Buffer.alloc(0), format: undefined, summary: counters(0, 0, 0) };
  const shown = ctx.cluster && !raw ? ctx.cluster.shownTables(intercepted.sql) : undefined;
  const request = { ...parsed, sql: shown?.sql ?? intercepted.sql };
  const params: Record<string, unknown> = { ...request.params, ...shown?.params };
  const statement = classify(request);
  if (statement.kind === 'insert') {
    const summary = await session.insert({
      table: statement.table,
      values: request.body,
      format: statement.format,
      ...(statement.columns ? { columns: statement.columns } : {}),
      settings: request.settings,
    });
    return {
      body: Buffer.alloc(0),
      format: undefined,
      summary: counters(0, summary.rowsWritten, summary.bytesWritten),
    };
  }
  return withSettings(session, request.settings, async () => {
    const opts = { format: statement.format };
    const result = Object.keys(params).length
      ? await session.queryBindAsync(statement.sql, params, opts)
      : await session.queryAsync(statement.sql, opts);
    const body = Buffer.from(result.bytes());
    return { body, format: statement.format, summary: counters(result.rowsRead, 0, 0) };
  });
}

/** Applies per-request settings as session SETs and resets them afterwards (requests are serialised). */
async function withSettings<T>(
  session: Session,
  settings: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const names = Object.keys(settings);
  for (const name of names) await session.queryBindAsync(`SET ${name} = {v:String}`, { v: settings[name] });
  try {
    return await fn();
  } finally {
    for (const name of names) await session.queryAsync(`SET ${name} = DEFAULT`).catch(() => undefined);
  }
}

function counters(readRows: number, writtenRows: number, writtenBytes: number): Record<string, string> {
  return {
    read_rows: String(readRows),
    read_bytes: '0',
    written_rows: String(writtenRows),
    written_bytes: String(writtenBytes),
    total_rows_to_read: '0',
    result_rows: String(writtenRows),
    result_bytes: String(writtenBytes),
    elapsed_ns: '0',
  };
}

function authorised(req: IncomingMessage, password: string): boolean {
  const header = req.headers.authorization ?? '';
  const basic = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
  const viaHeaders = req.headers['x-clickhouse-key'];
  return basic === `default:${password}` || viaHeaders === password;
}

/** The exception format @clickhouse/client parses: "Code: N. DB::Exception: message (TYPE) (version V)". */
function fail(res: ServerResponse, code: number, message: string, type: string): void {
  const status = code === 62 ? 400 : code === 60 || code === 81 ? 404 : code === 516 ? 401 : 500;
  reply(res, status, `Code: ${code}. DB::Exception: ${message} (${type}) (version ${VERSION})\n`, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(code),
  });
}

function reply(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string>,
): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...headers, 'X-ClickHouse-Server-Display-Name': 'chdb-test-double' });
  res.end(body);
}

function contentType(format: string): string {
  if (/EachRow/.test(format)) return 'application/x-ndjson; charset=UTF-8';
  if (/^JSON/.test(format)) return 'application/json; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
