// The one error handler: every thrown error (ours, Fastify's, the data path's) becomes JSON {error, message}
// through the error catalogue (errors.ts), with its status and, for 429/503, Retry-After. 5xx are logged
// (but 501 NOT_CONFIGURED, which says what the configuration leaves off); 4xx are the client's and would
// only be noise. A 503 says the service is overloaded or stopping (a full or unwritable spool, a draining
// process): every client gets it at once, so a run of them is logged once every REPEAT_LOG_MS with its
// count. A line with a stack per refused request wrote thousands a second onto the disk whose being full
// was often the cause.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatSchemaErrors, type SchemaError } from '../../common/config/problems.ts';
import { type ErrorBody, type ErrorCode, IngestError, mapError } from '../errors.ts';
import { reportGate } from '../runtime-log.ts';
import { allowedMethods, routedMethods } from './allowed-methods.ts';
import type { Metrics } from './metrics.ts';

/**
 * Every refusal of `app` in the JSON `{error, message}` shape, a wrong method on a path with routes as 405
 * with Allow. Call before its routes are added (the methods they answer are collected as they are).
 * Without `metrics` its refusals are not counted: the operations app's scrapes are not the service's load.
 */
export function registerErrorHandling(app: FastifyInstance, metrics?: Metrics): void {
  const unavailable = repeatLog();
  app.setErrorHandler((err, req, reply) => {
    const mapped = mapError(withBodyLimit(err, app.initialConfig.bodyLimit));
    // NOT_CONFIGURED is the configuration's answer, not a failure: logged, any client could write an
    // error line with a stack trace per request (GET /ppi/geoip on an ingest without a GeoIP file)
    // a store refusing the ingest (a wrong password) fails every read alike, each the same line: counted
    if (mapped.status === 503 || mapped.body.error === 'STORE_REFUSED')
      unavailable(req, err, mapped.body.error);
    else if (mapped.status >= 500 && mapped.body.error !== 'NOT_CONFIGURED')
      req.log.error({ err }, 'request failed');
    metrics?.errors.inc({ code: mapped.body.error });
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS));
    return reply.status(mapped.status).type('application/json').send(mapped.body);
  });
  const methods = routedMethods(app);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = allowedMethods(app, methods, req.method, req.url);
    if (allowed !== undefined) reply.header('allow', allowed.join(', '));
    const error =
      allowed === undefined
        ? new IngestError('NOT_FOUND', `no route ${req.method} ${path}`)
        : new IngestError('METHOD_NOT_ALLOWED', `${path} answers ${allowed.join(', ')}, not ${req.method}`);
    const mapped = mapError(error);
    return reply.status(mapped.status).send(mapped.body);
  });
}

/** Fastify's 413 says only "Request body is too large": this one says what the limit is and what sets it. */
function withBodyLimit(err: unknown, limit: number | undefined): unknown {
  if ((err as Partial<FastifyError>).code !== 'FST_ERR_CTP_BODY_TOO_LARGE' || limit === undefined) return err;
  return new IngestError('BODY_TOO_LARGE', `the body exceeds ${limit} bytes (server.bodyLimitBytes)`);
}

/** Node's HTTP parser refusals, answered before any route: their status, code and what to tell the client. */
const PARSER_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'BAD_REQUEST',
    message: 'the request line and headers are larger than allowed',
  },
  // Node raises it for headers past server.headersTimeoutMs and a request past server.requestTimeoutMs
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'the request was not received in time (server.headersTimeoutMs, server.requestTimeoutMs)',
  },
};
const NOT_HTTP = { status: 400, code: 'BAD_REQUEST', message: 'the request is not valid HTTP' } as const;

/**
 * Fastify's clientErrorHandler: a request Node's HTTP parser refuses (headers too large, a malformed
 * request line or Content-Length, a timeout) gets the same JSON `{error, message}` as every other refusal
 * (Fastify's default wrote `{"error":"Request Header Fields Too Large",…,"statusCode":431}`). A timeout is
 * REQUEST_TIMEOUT; any other 4xx outside the catalogue keeps its status under BAD_REQUEST. The connection
 * is closed: the parser cannot tell where the next request would start.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = PARSER_ERRORS[err.code ?? ''] ?? NOT_HTTP;
  if (socket.writable) socket.write(rawRefusal(status, { error: code, message }));
  socket.destroy(err);
}

/**
 * A refusal written straight to a socket no route answers (a request the parser refused, an upgrade
 * refused before routing): the `{error, message}` JSON of every other refusal, and the connection closed.
 */
export function rawRefusal(status: number, body: ErrorBody, headers: Readonly<Record<string, string>> = {}) {
  const json = JSON.stringify(body);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    'X-Content-Type-Options: nosniff\r\n' +
    `${extra.join('')}Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
  );
}

/**
 * Fastify's frameworkErrors: a URL its router cannot decode (`%ff`) or a path parameter over its length,
 * refused before any route, in the same JSON `{error, message}` as every other refusal (Fastify's default
 * wrote `{"error":"Bad Request","code":"FST_ERR_BAD_URL",…,"statusCode":400}`).
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const mapped = mapError(err);
  reply.status(mapped.status).type('application/json').send(mapped.body);
}

/**
 * A value that is not an array of objects where one is required, told as that whatever was sent in its
 * place: a lone value (`"payments": "x"`, 5, null) fails the array's type (Ajv checks it with the schema,
 * `verbose` in the app's Ajv options), an array with a non-object fails an element (`body.payments.0: must
 * be object`, which names an element rather than what is wrong).
 */
function elementAsArray(e: SchemaError & { parentSchema?: { items?: { type?: unknown } } }): SchemaError {
  if (e.keyword !== 'type') return e;
  const arrayOfObjects = { message: 'must be an array of objects' };
  if (e.params.type === 'array' && e.parentSchema?.items?.type === 'object')
    return { ...e, ...arrayOfObjects };
  const element = /\/\d+$/;
  if (e.params.type !== 'object' || !e.schemaPath.endsWith('/items/type')) return e;
  if (!element.test(e.instancePath)) return e;
  return { ...e, instancePath: e.instancePath.replace(element, ''), ...arrayOfObjects };
}

/**
 * A value its schema's pattern refuses, named by what the pattern stands for when the schema's description
 * says it (`querystring.oid: must be a UUID, or empty for every site`): the regular expression itself
 * (`must match pattern "^$|^[0-9a-fA-F]{8}-…"`) tells whoever sent the request little, and reached the
 * dashboard's status line as it was.
 */
function patternInWords(e: SchemaError & { parentSchema?: { description?: unknown } }): SchemaError {
  const words = e.parentSchema?.description;
  return e.keyword === 'pattern' && typeof words === 'string' ? { ...e, message: `must be ${words}` } : e;
}

/**
 * Fastify's schemaErrorFormatter: a request that fails its route's schema is described as a configuration
 * that fails its schema is (`querystring.range: must be one of 15m, 1h, …`), not as Ajv's list of every
 * branch of every union it tried.
 */
export function schemaErrorFormatter(errors: readonly unknown[], dataVar: string): Error {
  const problems = formatSchemaErrors(
    (errors as SchemaError[]).map((e) => patternInWords(elementAsArray(e))),
    dataVar,
  );
  // an error of a shape the formatter does not know is still named, in Ajv's words
  const named =
    problems.length > 0 ? problems : (errors as SchemaError[]).map((e) => `${dataVar}: ${e.message}`);
  return new Error(named.join('; '));
}

/** How often a run of 503 answers of one code is logged. */
export const REPEAT_LOG_MS = 10_000;

/** Logs the first failure of a code, then at most one every REPEAT_LOG_MS saying how many it stands for. */
export function repeatLog(now: () => number = Date.now) {
  const gate = reportGate(REPEAT_LOG_MS, now);
  return (req: FastifyRequest, err: unknown, code: string): void => {
    const heldBack = gate(code);
    if (heldBack === undefined) return;
    const more = heldBack > 0 ? ` (and ${heldBack} more ${code} answers since the last report)` : '';
    req.log.error({ err }, `request failed${more}`);
  };
}
