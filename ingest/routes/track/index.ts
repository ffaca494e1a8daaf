// Client and server events: /tr (client, sets the vid cookie with consent), /img (client, answers a pixel),
// /str (server, answers {eid}). /tr, /img and WebSocket come from browsers and are client events; /str and
// /rdr are server events. A JSON array body is the batch form.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { bodyEvents, overBase, requestInput } from '../../model/collect.ts';
import type { FailureGuard } from '../../plugins/rate-limit/failures.ts';
import { requestContext, siteRequest } from '../../plugins/request-context.ts';
import { type Answer, firstEvent, type TrackedEvent, type Tracking } from '../../tracking.ts';
import { PIXEL_GIF, type RouteApp, type RouteLimit, setVisitorCookie } from '../shared.ts';
import { bindToWriter, writeRouteHooks, writerOf } from '../write-keys.ts';
import { TrackParams, trackBody, trackSchemaErrorFormatter } from './schema.ts';

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
export function handleTrack<T>(
  req: FastifyRequest,
  input: TrackInput,
  tracking: Tracking,
  ctx: { kind: Kind; now: number; answer: Answer<T> },
): Promise<T> {
  const base = requestInput(req, input.rest);
  const bodies = bodyEvents(input.body);
  if (bodies === undefined)
    throw new IngestError('BAD_REQUEST', 'body must be a JSON object or an array of objects');
  return tracking.track(
    bindToWriter(tracking.bindSite(overBase(base, bodies), siteRequest(req)), writerOf(req)),
    requestContext(req, ctx.kind, ctx.now),
    ctx.answer,
  );
}

/**
 * The request's body tracked, and then let go of: the request object lives until the answer is sent,
 * after the durable write, and the parsed events it held lived that long too, long enough under load to
 * be promoted to V8's old generation and wait there for a full collection (ADR 0054). Nothing after
 * the handler reads the body.
 */
function trackReleasing<T>(
  req: FastifyRequest,
  rest: string | undefined,
  tracking: Tracking,
  ctx: { kind: Kind; now: number; answer: Answer<T> },
): Promise<T> {
  const tracked = handleTrack(req, { rest, body: req.body }, tracking, ctx);
  (req as { body: unknown }).body = undefined;
  return tracked;
}

/**
 * How a tracking path answers: what it keeps of a request's events while their write waits (`keep`, for
 * one event or the batch form), and its reply made from that once they are durable.
 */
interface Answering<T> {
  keep(batch: boolean): Answer<T>;
  respond(reply: FastifyReply, kept: T): FastifyReply;
}

/**
 * The server path's answer, its JSON text made before the write: `{eids}` for the batch form, `{eid}` for
 * one event, no body for none. Kept as one string instead of the events' ids (ADR 0060); the text is what
 * Fastify's serialiser made of the same object.
 */
const eidsBody: Answer<string | undefined> = (events) =>
  events.length === 0 ? undefined : JSON.stringify({ eids: events.map((e) => e.eid) });
const eidBody: Answer<string | undefined> = (events) =>
  events.length === 0 ? undefined : JSON.stringify({ eid: events[0]?.eid ?? '' });

export function trackRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  limits: { limit: RouteLimit; guard: FailureGuard },
): void {
  const { limit } = limits;
  const now = deps.now ?? Date.now;
  const { maxBatchEvents } = deps.config.server;
  const schema = { params: TrackParams, body: trackBody(maxBatchEvents) };
  const schemaErrorFormatter = trackSchemaErrorFormatter(maxBatchEvents);
  const cookieFor = (reply: FastifyReply, first: TrackedEvent | undefined) => {
    if (first !== undefined) setVisitorCookie(reply, deps.config, first);
  };

  // GET cannot carry a body schema in Fastify, so each path is registered twice: GET, and POST(/PUT);
  // each handler reads its own schema-typed params and body, then both answer the same way. Each path
  // also answers without its trailing slash (`/tr/v1/tr`), which the Go tracker's router accepted.
  // HEAD (link checkers, mail scanners) answers like GET and records nothing.
  const both = <T>(
    url: string,
    bodyMethods: ('POST' | 'PUT')[],
    kind: Kind,
    how: Answering<T>,
    hooks: object,
  ) => {
    for (const path of withoutSlash(url)) {
      app.route({
        method: 'GET',
        url: path,
        schema: { params: TrackParams },
        ...hooks,
        handler: async (req, reply) => {
          const answer = how.keep(false);
          if (req.method === 'HEAD') return how.respond(reply, answer([]));
          const input = { rest: req.params['*'], body: undefined };
          return how.respond(reply, await handleTrack(req, input, tracking, { kind, now: now(), answer }));
        },
      });
      app.route({
        method: bodyMethods,
        url: path,
        schema,
        schemaErrorFormatter,
        ...hooks,
        handler: async (req, reply) => {
          const answer = how.keep(Array.isArray(req.body));
          const ctx = { kind, now: now(), answer };
          return how.respond(reply, await trackReleasing(req, req.params['*'], tracking, ctx));
        },
      });
    }
  };

  both(
    '/tr/v1/tr/*',
    ['POST', 'PUT'],
    'client',
    {
      keep: () => firstEvent,
      respond: (reply, first) => {
        cookieFor(reply, first);
        return reply.status(200).type(JSON_TYPE).send(OK_BODY);
      },
    },
    limit,
  );

  both(
    '/tr/v1/str/*',
    ['POST'],
    'server',
    {
      keep: (batch) => (batch ? eidsBody : eidBody),
      respond: (reply, body) => reply.status(200).type('application/json').send(body),
    },
    writeRouteHooks('str', deps, limits.guard, limit),
  );

  for (const url of withoutSlash('/tr/v1/img/*')) {
    app.route({
      method: 'GET',
      url,
      schema: { params: TrackParams },
      ...limit,
      handler: async (req, reply) => {
        if (req.method !== 'HEAD') {
          const input = { rest: req.params['*'], body: undefined };
          const ctx = { kind: 'client' as const, now: now(), answer: firstEvent };
          cookieFor(reply, await handleTrack(req, input, tracking, ctx));
        }
        return reply.status(200).header('cache-control', 'no-store').type('image/gif').send(PIXEL_GIF);
      },
    });
  }
}

/** `/tr/v1/tr/*` and `/tr/v1/tr`: the wildcard route does not match the path without its slash. */
export const withoutSlash = (url: string): string[] => [url, url.replace(/\/\*$/, '')];
