// CORS from configuration: never "*" together with credentials (browsers refuse it, and the config loader
// rejects it). A preflight allows exactly the request headers a browser on another origin has a reason to
// send to this ingest; anything else is refused by the browser, not by us.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

/** Request headers outside the CORS safelist that the ingest reads, so a preflight must allow them. */
const ALLOWED_REQUEST_HEADERS = [
  // JSON bodies as application/json (text/plain needs no preflight; both are read as JSON)
  'Content-Type',
  // gzip/deflate-compressed bodies (plugins/body-parsers.ts)
  'Content-Encoding',
  // a site's public write key (model/site-keys.ts)
  'X-Site-Key',
  // API keys (Bearer) of the short-link admin API and of erasure requests
  'Authorization',
  // the Go tracker's clients send event fields as JSON in a `User` header (model/collect.ts)
  'User',
  'Accept',
] as const;

/**
 * Response headers a cross-origin script may read beyond the safelisted ones: Retry-After tells a client
 * refused with 429/503 when to try again (the browser client waits that long).
 */
const EXPOSED_RESPONSE_HEADERS = ['Retry-After'] as const;

export async function registerCors(app: FastifyInstance, config: Config): Promise<void> {
  const origins = config.cors.origins;
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: config.cors.credentials,
    allowedHeaders: [...ALLOWED_REQUEST_HEADERS],
    exposedHeaders: [...EXPOSED_RESPONSE_HEADERS],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    maxAge: 86_400,
  });
}
