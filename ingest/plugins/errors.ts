// The one error handler (STYLE habit 4): every thrown error — ours, Fastify's, the data path's — becomes
// JSON {error, message} with its status and, for 429/503, Retry-After. 5xx are logged; 4xx are not noise.
import type { FastifyInstance } from 'fastify';
import { mapError } from '../errors.ts';
import type { Metrics } from './metrics.ts';

export function registerErrorHandling(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((err, req, reply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) req.log.error({ err }, 'request failed');
    metrics.errors.inc({ code: mapped.body.error });
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS));
    return reply.status(mapped.status).type('application/json').send(mapped.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
