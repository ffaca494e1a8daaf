// Client and server events (SPEC 3.1): /tr (client, sets the vid cookie with consent), /img (client,
// answers a pixel), /str (server, answers {eid}). Seed bug 1 made /tr a server event; here /tr, /img and
// WebSocket are client events, /str and /rdr server events. A JSON array body is the batch form.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { bodyEvents, requestInput } from '../../model/collect.ts';
import type { NormalisedEvent } from '../../model/normalise.ts';
import { requestContext } from '../../plugins/request-context.ts';
import type { Tracking } from '../../tracking.ts';
import { PIXEL_GIF, setVisitorCookie } from '../shared.ts';
import { TrackParams, trackBody } from './schema.ts';

type Kind = 'client' | 'server';

export async function handleTrack(
  req: FastifyRequest,
  tracking: Tracking,
  kind: Kind,
  now: number,
): Promise<NormalisedEvent[]> {
  const rest = (req.params as { '*'?: string })['*'];
  const base = requestInput(req, rest);
  const bodies = bodyEvents(req.method === 'GET' ? undefined : req.body);
  if (bodies === undefined)
    throw new IngestError('BAD_REQUEST', 'body must be a JSON object or an array of objects');
  return tracking.track(
    bodies.map((b) => ({ ...base, ...b })),
    requestContext(req, kind, now),
  );
}

export function trackRoutes(app: FastifyInstance, deps: AppDeps, tracking: Tracking, limit: object): void {
  const now = deps.now ?? Date.now;
  const schema = { params: TrackParams, body: trackBody(deps.config.server.maxBatchEvents) };
  const cookieFor = (reply: FastifyReply, events: NormalisedEvent[]) => {
    const first = events[0];
    if (first !== undefined) setVisitorCookie(reply, deps.config, first);
  };

  // GET cannot carry a body schema in Fastify, so each path is registered twice: GET, and POST(/PUT).
  const both = (url: string, bodyMethods: ('POST' | 'PUT')[], handler: RouteHandlerMethod) => {
    app.route({ method: 'GET', url, schema: { params: TrackParams }, ...limit, handler });
    app.route({ method: bodyMethods, url, schema, ...limit, handler });
  };

  both('/tr/v1/tr/*', ['POST', 'PUT'], async (req, reply) => {
    cookieFor(reply, await handleTrack(req, tracking, 'client', now()));
    return reply.status(200).send({ ok: true });
  });

  both('/tr/v1/str/*', ['POST'], async (req, reply) => {
    const events = await handleTrack(req, tracking, 'server', now());
    const body = Array.isArray(req.body) ? { eids: events.map((e) => e.eid) } : { eid: events[0]?.eid ?? '' };
    return reply.status(200).type('application/json').send(body);
  });

  app.route({
    method: 'GET',
    url: '/tr/v1/img/*',
    schema: { params: TrackParams },
    ...limit,
    handler: async (req, reply) => {
      cookieFor(reply, await handleTrack(req, tracking, 'client', now()));
      return reply.status(200).header('cache-control', 'no-store').type('image/gif').send(PIXEL_GIF);
    },
  });
}
