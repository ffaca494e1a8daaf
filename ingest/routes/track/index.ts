// Client and server events: /tr (client, sets the vid cookie with consent), /img (client, answers a pixel),
// /str (server, answers {eid}). /tr, /img and WebSocket come from browsers and are client events; /str and
// /rdr are server events. A JSON array body is the batch form.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { bodyEvents, overBase, requestInput } from '../../model/collect.ts';
import { requestContext, siteRequest } from '../../plugins/request-context.ts';
import type { TrackedEvent, Tracking } from '../../tracking.ts';
import { PIXEL_GIF, type RouteApp, setVisitorCookie } from '../shared.ts';
import { TrackParams, trackBody } from './schema.ts';

type Kind = 'client' | 'server';

// The client routes' answer, serialised once: Fastify would otherwise stringify `{ ok: true }` per request
// (with the Content-Type it gives any object it serialises).
const OK_BODY = JSON.stringify({ ok: true });
const JSON_TYPE = 'application/json; charset=utf-8';

/** What one tracking request carries once its schema validated it: the path rest and the body. */
interface TrackInput {
  readonly rest: string | undefined;
  readonly body: unknown;
}

/**
 * Not async: it returns tracking's promise as it is (an async function returning a promise adds two
 * turns of the microtask queue). Every caller awaits it inside an async handler, so a throw here
 * rejects the handler as a rejection would.
 */
export function handleTrack(
  req: FastifyRequest,
  input: TrackInput,
  tracking: Tracking,
  ctx: { kind: Kind; now: number },
): Promise<TrackedEvent[]> {
  const base = requestInput(req, input.rest);
  const bodies = bodyEvents(input.body);
  if (bodies === undefined)
    throw new IngestError('BAD_REQUEST', 'body must be a JSON object or an array of objects');
  return tracking.track(
    tracking.bindSite(overBase(base, bodies), siteRequest(req)),
    requestContext(req, ctx.kind, ctx.now),
  );
}

/**
 * The request's body tracked, and then let go of: the request object lives until the answer is sent,
 * after the durable write, and the parsed events it held lived that long too, long enough under load to
 * be promoted to V8's old generation and wait there for a full collection (ADR 0054). Nothing after
 * the handler reads the body.
 */
function trackReleasing(
  req: FastifyRequest,
  rest: string | undefined,
  tracking: Tracking,
  ctx: { kind: Kind; now: number },
): Promise<TrackedEvent[]> {
  const tracked = handleTrack(req, { rest, body: req.body }, tracking, ctx);
  (req as { body: unknown }).body = undefined;
  return tracked;
}

type Respond = (reply: FastifyReply, events: TrackedEvent[], batch: boolean) => FastifyReply;

export function trackRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object): void {
  const now = deps.now ?? Date.now;
  const schema = { params: TrackParams, body: trackBody(deps.config.server.maxBatchEvents) };
  const cookieFor = (reply: FastifyReply, events: TrackedEvent[]) => {
    const first = events[0];
    if (first !== undefined) setVisitorCookie(reply, deps.config, first);
  };

  // GET cannot carry a body schema in Fastify, so each path is registered twice: GET, and POST(/PUT);
  // each handler reads its own schema-typed params and body, then both answer the same way. Each path
  // also answers without its trailing slash (`/tr/v1/tr`), which the Go tracker's router accepted.
  // HEAD (link checkers, mail scanners) answers like GET and records nothing.
  const both = (url: string, bodyMethods: ('POST' | 'PUT')[], kind: Kind, respond: Respond) => {
    for (const path of withoutSlash(url)) {
      app.route({
        method: 'GET',
        url: path,
        schema: { params: TrackParams },
        ...limit,
        handler: async (req, reply) => {
          if (req.method === 'HEAD') return respond(reply, [], false);
          const input = { rest: req.params['*'], body: undefined };
          return respond(reply, await handleTrack(req, input, tracking, { kind, now: now() }), false);
        },
      });
      app.route({
        method: bodyMethods,
        url: path,
        schema,
        ...limit,
        handler: async (req, reply) => {
          const batch = Array.isArray(req.body);
          const events = await trackReleasing(req, req.params['*'], tracking, { kind, now: now() });
          return respond(reply, events, batch);
        },
      });
    }
  };

  both('/tr/v1/tr/*', ['POST', 'PUT'], 'client', (reply, events) => {
    cookieFor(reply, events);
    return reply.status(200).type(JSON_TYPE).send(OK_BODY);
  });

  both('/tr/v1/str/*', ['POST'], 'server', (reply, events, batch) => {
    if (events.length === 0) return reply.status(200).type('application/json').send();
    const body = batch ? { eids: events.map((e) => e.eid) } : { eid: events[0]?.eid ?? '' };
    return reply.status(200).type('application/json').send(body);
  });

  for (const url of withoutSlash('/tr/v1/img/*')) {
    app.route({
      method: 'GET',
      url,
      schema: { params: TrackParams },
      ...limit,
      handler: async (req, reply) => {
        if (req.method !== 'HEAD') {
          const input = { rest: req.params['*'], body: undefined };
          cookieFor(reply, await handleTrack(req, input, tracking, { kind: 'client', now: now() }));
        }
        return reply.status(200).header('cache-control', 'no-store').type('image/gif').send(PIXEL_GIF);
      },
    });
  }
}

/** `/tr/v1/tr/*` and `/tr/v1/tr`: the wildcard route does not match the path without its slash. */
export const withoutSlash = (url: string): string[] => [url, url.replace(/\/\*$/, '')];
