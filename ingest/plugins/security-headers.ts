// Headers every public answer carries. `X-Content-Type-Options: nosniff`: a browser takes an answer for
// the type it names, never for what its bytes look like, so an answer echoing what a client sent (a JSON
// refusal quoting a value, a stored link) cannot be run as a script or page. With the ingest serving TLS
// itself, `Strict-Transport-Security` too: a browser that once reached it over HTTPS never tries plain
// HTTP there again (where the port would refuse it, and a network in between could answer instead). Not
// without TLS: the header means nothing over plain HTTP, and behind a proxy that ends TLS the proxy
// decides. No includeSubDomains: the ingest does not speak for the other hosts of its domain.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The Strict-Transport-Security value for `maxAgeS`, or undefined for none (0, or no TLS). */
export const hstsValue = (maxAgeS: number | undefined) =>
  maxAgeS === undefined || maxAgeS === 0 ? undefined : `max-age=${maxAgeS}`;

export function registerSecurityHeaders(app: FastifyInstance, hstsMaxAgeS: number | undefined): void {
  const hsts = hstsValue(hstsMaxAgeS);
  // Set on the response as each request arrives, ahead of Fastify's handler: Node merges these into the
  // head whatever answers (a route, a refusal, the not-found handler). Not an onSend hook: that runs
  // Fastify's hook runner and a promise on every answer of the tracking path, which is kept free of
  // per-request hooks (ADR 0046).
  app.server.prependListener('request', (_req, res: ServerResponse) => {
    res.setHeader('x-content-type-options', 'nosniff');
    if (hsts !== undefined) res.setHeader('strict-transport-security', hsts);
  });
}
