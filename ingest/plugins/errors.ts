// The one error handler: every thrown error (ours, Fastify's, the data path's) becomes JSON {error, message}
// through the error catalogue (errors.ts), with its status and, for 429/503, Retry-After. 5xx are logged;
// 4xx are the client's and would only be noise.
import type { FastifyInstance } from 'fastify';
import { IngestError, mapError } from '../errors.ts';
import type { Metrics } from './metrics.ts';

export function registerErrorHandling(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((err, req, reply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) req.log.error({ err }, 'request failed');
    metrics.errors.inc({ code: mapped.body.error });
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS));
    return reply.status(mapped.status).type('application/json').send(mapped.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const mapped = mapError(new IngestError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    return reply.status(mapped.status).send(mapped.body);
  });
}
