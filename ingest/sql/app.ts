// The read-only SQL endpoint: the part of ClickHouse's HTTP interface that @clickhouse/client, the JDBC
// driver and curl use for reads, on its own port, over the embedded engine's read-only connection (store/reader.ts). `GET /ping` and
// `GET /` answer `Ok.` without credentials, as ClickHouse does (health checks); every statement needs
// the read credential. The engine, not this file, decides what is a write: the connection is read-only.
import { promisify } from 'node:util';
import { constants, deflate, gzip } from 'node:zlib';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { SqlReader } from '../../store/index.ts';
import type { ReadCredential } from '../auth/credential.ts';
import { checkBounded, type ReadFailures } from '../auth/read-failures.ts';
import { ClickHouseError, errorResponse } from './errors.ts';
import {
  contentType,
  DISPLAY_NAME,
  outputFormat,
  parseSqlRequest,
  refuseUrlCredentials,
} from './protocol.ts';
import { explainRefusal } from './refusals.ts';

export interface SqlAppDeps {
  readonly reader: SqlReader;
  readonly credential: ReadCredential;
  /**
   * Wrong credentials allowed per client (rateLimits.authFailuresPerMinute): the allowance the public
   * port's dashboard draws from too (server.ts), one per client in the process; absent: unbounded.
   */
  readonly authFailures?: ReadFailures;
  /** Longest statement accepted (ClickHouse's max_query_size default is 256 KiB). */
  readonly maxQueryBytes?: number;
  readonly logger?: boolean | { level: string };
}

function authorise(req: FastifyRequest, deps: SqlAppDeps): void {
  const result = checkBounded(req, deps.credential, deps.authFailures, tooManyFailures);
  if (result === 'missing') {
    throw new ClickHouseError(
      194,
      'REQUIRED_PASSWORD',
      'Authentication required: HTTP Basic auth or X-ClickHouse-User/X-ClickHouse-Key',
    );
  }
  if (result === 'wrong') {
    throw new ClickHouseError(
      516,
      'AUTHENTICATION_FAILED',
      'Authentication failed: password is incorrect, or there is no user with such name',
    );
  }
}

/** ClickHouse's QUOTA_EXCEEDED, as HTTP 429 with Retry-After: what a client backs off from. */
const tooManyFailures = (retryAfterS: number) =>
  new ClickHouseError(
    201,
    'QUOTA_EXCEEDED',
    'Too many failed authentications from this client: retry later',
    429,
    retryAfterS,
  );

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/**
 * gzip or deflate when the client asked for compression and accepts one of them; on the libuv pool, since a
 * result can be tens of megabytes and the event loop is the data path's too.
 */
async function encode(
  body: Buffer,
  req: FastifyRequest,
  asked: boolean,
): Promise<{ body: Buffer; encoding?: string }> {
  const accept = String(req.headers['accept-encoding'] ?? '');
  const fast = { level: constants.Z_BEST_SPEED };
  if (!asked) return { body };
  if (/\bgzip\b/.test(accept)) return { body: await gzipAsync(body, fast), encoding: 'gzip' };
  if (/\bdeflate\b/.test(accept)) return { body: await deflateAsync(body, fast), encoding: 'deflate' };
  return { body };
}

async function run(req: FastifyRequest, reply: FastifyReply, deps: SqlAppDeps): Promise<FastifyReply> {
  const url = new URL(req.url, 'http://sql');
  refuseUrlCredentials(url);
  authorise(req, deps);
  const request = parseSqlRequest(url, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.headers);
  const format = outputFormat(request);
  const result = await deps.reader
    .read(request.sql, {
      format: request.defaultFormat,
      params: request.params,
      settings: request.settings,
      ...(request.database === undefined ? {} : { database: request.database }),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
    })
    .catch((err: unknown) => {
      throw explainRefusal(err, request.sql);
    });
  const raw = Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
  const out = await encode(raw, req, request.compressResponse);
  const summary = {
    read_rows: String(result.rowsRead),
    read_bytes: String(result.bytesRead),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: String(result.rowsRead),
    result_rows: '0',
    result_bytes: String(raw.length),
    elapsed_ns: String(Math.round(result.elapsedS * 1e9)),
  };
  if (out.encoding !== undefined) reply.header('content-encoding', out.encoding);
  return reply
    .header('content-type', contentType(format))
    .header('x-clickhouse-format', format)
    .header('x-clickhouse-query-id', request.queryId)
    .header('x-clickhouse-timezone', deps.reader.timezone)
    .header('x-clickhouse-summary', JSON.stringify(summary))
    .send(out.body);
}

export async function buildSqlApp(deps: SqlAppDeps): Promise<FastifyInstance> {
  const maxQueryBytes = deps.maxQueryBytes ?? 262_144;
  const app = Fastify({
    logger: deps.logger ?? false,
    // A line per read would carry its URL, and with it the values of its query parameters; failures are
    // logged by the error handler, as on the public port.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxQueryBytes,
    requestTimeout: 0,
  });
  // The body is the statement, whatever the client calls it (text/plain, form-urlencoded, none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-clickhouse-server-display-name', DISPLAY_NAME);
  });
  app.setErrorHandler((err, req, reply) => {
    const fastify = (err as { code?: string }).code;
    const known =
      fastify === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new ClickHouseError(
            62,
            'SYNTAX_ERROR',
            `Max query size exceeded: the statement is longer than ${maxQueryBytes} bytes`,
          )
        : err;
    const res = errorResponse(known, deps.reader.version);
    if (res.status >= 500 && res.code === 1001) req.log.error({ err }, 'sql endpoint: unexpected error');
    return reply.status(res.status).headers(res.headers).send(res.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const res = errorResponse(
      new ClickHouseError(
        36,
        'BAD_ARGUMENTS',
        `There is no handle ${new URL(req.url, 'http://sql').pathname}`,
      ),
      deps.reader.version,
    );
    return reply.status(404).headers(res.headers).send(res.body);
  });

  const ok = (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/plain; charset=UTF-8').send('Ok.\n');
  app.get('/ping', ok);
  app.route({
    method: ['GET', 'POST'],
    url: '/',
    handler: (req, reply) => {
      const hasQuery = new URL(req.url, 'http://sql').searchParams.has('query');
      // HEAD too (Fastify answers it with the GET route): a health check's `curl -I` was an "Empty query".
      if (req.method !== 'POST' && !hasQuery) return ok(req, reply);
      return run(req, reply, deps);
    },
  });
  return app;
}
