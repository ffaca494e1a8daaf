// Headers every public answer carries. `X-Content-Type-Options: nosniff`: a browser takes an answer for
// the type it names, never for what its bytes look like, so an answer echoing what a client sent (a JSON
// refusal quoting a value, a stored link) cannot be run as a script or page. With the ingest serving TLS
// itself, `Strict-Transport-Security` too: a browser that once reached it over HTTPS never tries plain
// HTTP there again (where the port would refuse it, and a network in between could answer instead). Not
// without TLS: the header means nothing over plain HTTP, and behind a proxy that ends TLS the proxy
// decides. No includeSubDomains: the ingest does not speak for the other hosts of its domain.
import type { FastifyInstance } from 'fastify';

/** The Strict-Transport-Security value for `maxAgeS`, or undefined for none (0, or no TLS). */
export const hstsValue = (maxAgeS: number | undefined) =>
  maxAgeS === undefined || maxAgeS === 0 ? undefined : `max-age=${maxAgeS}`;

export function registerSecurityHeaders(app: FastifyInstance, hstsMaxAgeS: number | undefined): void {
  const hsts = hstsValue(hstsMaxAgeS);
  // onSend: every answer, a route's, a refusal's or the not-found handler's
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (hsts !== undefined) reply.header('strict-transport-security', hsts);
    return payload;
  });
}
