// Request bodies. The Go tracker decoded every POST body as JSON whatever its Content-Type, and its
// clients rely on that: the browser client posts JSON as text/plain (no CORS preflight), beacons and
// some SDKs send no Content-Type or a form type. So: JSON under any content type (form bodies that are
// not JSON are read as form fields), an empty body is no body, and every parse is bounded in depth
// (model/json-text.ts). gzip/deflate bodies are inflated before parsing (app.ts registers the
// decompression), so the body limit bounds the DECOMPRESSED size.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IngestError } from '../errors.ts';
import { JsonTextError, parseJsonText } from '../model/json-text.ts';

type Done = (err: Error | null, body?: unknown) => void;

function parseJson(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (err) {
    if (err instanceof JsonTextError && err.reason === 'depth')
      throw new IngestError('BAD_REQUEST', err.message);
    throw new IngestError('BAD_REQUEST', 'body is not valid JSON');
  }
}

/** Form fields as an object; the first value of a repeated field wins, as in query strings. */
function formFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out) && k !== '__proto__') out[k] = v;
  return out;
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function parser(form: boolean) {
  return (_req: FastifyRequest, body: string | Buffer, done: Done): void => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, form && !looksLikeJson(text) ? formFields(text) : parseJson(text));
    } catch (err) {
      done(err as Error);
    }
  };
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const asString = { parseAs: 'string' } as const;
  app.addContentTypeParser(['application/json', 'text/plain'], asString, parser(false));
  app.addContentTypeParser('application/x-www-form-urlencoded', asString, parser(true));
  // no Content-Type, or any other one: the Go tracker read the body as JSON regardless
  app.addContentTypeParser('*', asString, parser(false));
}
