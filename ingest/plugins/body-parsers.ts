// Request bodies. The Go tracker decoded every POST body as JSON whatever its Content-Type, and its
// clients rely on that: the browser client posts JSON as text/plain (no CORS preflight), beacons and
// some SDKs send no Content-Type or a form type. So: JSON under any content type (form bodies that are
// not JSON are read as form fields; one with no `=` has no field with a value, so it is read as JSON:
// curl's default form type on `-d '"hello"'` made an event of one junk key), an empty body is no body, and every parse is bounded in depth
// (model/json-text.ts).
//
// gzip/deflate bodies are inflated here, in one call, from the bytes Fastify read: the body limit bounds
// the bytes received (Fastify) and, again, the inflated bytes (zlib's maxOutputLength). A plugin's
// preParsing hook that piped every request through a decompressing stream ran for every request with a
// body, compressed or not (ADR 0052).
import { gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IngestError } from '../errors.ts';
import { JsonTextError, parseJsonText } from '../model/json-text.ts';

type Done = (err: Error | null, body?: unknown) => void;
type Inflate = (body: Buffer, options: ZlibOptions) => Buffer;

/**
 * The encodings taken, by their Content-Encoding token in lower case: HTTP's content codings are
 * case-insensitive and `x-gzip` is gzip's older name. `identity` is no encoding. Any other token, or a
 * list of several, is a 415 naming those taken.
 */
const INFLATE: Readonly<Record<string, Inflate | null>> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  identity: null,
};
const TAKEN = 'gzip, deflate or identity';

function parseJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = parseJsonText(text);
  } catch (err) {
    if (err instanceof JsonTextError && err.reason === 'depth')
      throw new IngestError('BAD_REQUEST', err.message);
    throw new IngestError('BAD_REQUEST', 'body is not valid JSON');
  }
  // By the time a route validates it, `null` cannot be told from no body at all (which a PUT of path
  // pairs is): a tracking body of `null` was stored as an empty event. No route takes it.
  if (parsed === null)
    throw new IngestError(
      'BAD_REQUEST',
      'body: JSON null is not a request body (send an object, or no body)',
    );
  return parsed;
}

/** Form fields as an object; the first value of a repeated field wins, as in query strings. */
function formFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out) && k !== '__proto__') out[k] = v;
  return out;
}

/** Whether a form body is JSON after all: an object or array, or no field with a value (no `=`). */
function formIsJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' || !text.includes('=');
}

/** The body's bytes as sent: inflated when the request names an encoding (`limit`: the inflated size's bound). */
function decoded(req: FastifyRequest, body: Buffer, limit: number): Buffer {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined) return body;
  const token = encoding.trim().toLowerCase();
  const inflate = Object.hasOwn(INFLATE, token) ? INFLATE[token] : undefined;
  if (inflate === undefined)
    throw new IngestError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported Content-Encoding: ${encoding} (taken: ${TAKEN})`,
    );
  if (inflate === null) return body;
  // nothing to inflate: an empty body is no body, whatever its encoding (zlib would call it truncated)
  if (body.length === 0) return body;
  try {
    return inflate(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new IngestError(
        'BODY_TOO_LARGE',
        `the inflated body exceeds ${limit} bytes (server.bodyLimitBytes)`,
      );
    throw new IngestError('BAD_REQUEST', `the body does not inflate as ${encoding}`);
  }
}

function parser(form: boolean, limit: number) {
  return (req: FastifyRequest, body: Buffer, done: Done): void => {
    try {
      const text = decoded(req, body, limit).toString('utf8');
      if (text.trim() === '') done(null, undefined);
      else done(null, form && !formIsJson(text) ? formFields(text) : parseJson(text));
    } catch (err) {
      done(err as Error);
    }
  };
}

/** `bodyLimit`: the app's body limit (no route sets its own), which bounds inflated bodies too. */
export function registerBodyParsers(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const asBuffer = { parseAs: 'buffer' } as const;
  app.addContentTypeParser(['application/json', 'text/plain'], asBuffer, parser(false, bodyLimit));
  app.addContentTypeParser('application/x-www-form-urlencoded', asBuffer, parser(true, bodyLimit));
  // no Content-Type, or any other one: the Go tracker read the body as JSON regardless
  app.addContentTypeParser('*', asBuffer, parser(false, bodyLimit));
}
