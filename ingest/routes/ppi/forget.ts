// POST /tr/v1/ppi/forget: erase a visitor (vid), user (uid) or email (hashed with the same keyed HMAC as
// events) from every table; answers 202 with a request id whose status GET /tr/v1/ppi/forget/:id reads.
// Who may ask: an API key (erases within its org), or the visitor itself, proven by the token this service
// issued with its vid (the vtok cookie, or `token` in the body), for that vid alone. The vid cookie alone proves nothing:
// anyone can send a cookie header naming someone else's visitor id. The erasure itself, and its resumption
// after a stop, is the worker's (erasure/worker.ts).
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { bearerKey } from '../../auth/bearer.ts';
import type { AppDeps } from '../../deps.ts';
import { createEraseWorker, type EraseWorker, type EraseWorkerDeps } from '../../erasure/index.ts';
import { IngestError } from '../../errors.ts';
import { asUuid } from '../../model/ids.ts';
import { requestCookies } from '../../model/request-cookies.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import { createAllowance } from '../../plugins/rate-limit/allowance.ts';
import { rateLimitKey } from '../../plugins/rate-limit/key.ts';
import { clientIp } from '../../plugins/request-context.ts';
import { strictValidator } from '../../plugins/strict-body.ts';
import { normalisePii } from '../../privacy/hash.ts';
import { TOKEN_COOKIE, validVisitorToken } from '../../privacy/visitor-token.ts';
import type { EraseTarget } from '../../repositories/index.ts';
import type { Tracking } from '../../tracking.ts';
import type { AuthGuards, RouteApp } from '../shared.ts';

const ForgetBody = Type.Object(
  {
    vid: Type.Optional(Type.String({ maxLength: 64 })),
    uid: Type.Optional(Type.String({ maxLength: 64 })),
    // an empty value names nobody: as an email hash it would match every event stored without one
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    ehash: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    token: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/**
 * The org an API key scopes the erasure to, or undefined for the visitor itself. The visitor token proves
 * only its vid: a uid or an email names someone the caller has not shown to be, so naming one needs a key.
 */
async function authorise(
  req: FastifyRequest,
  deps: AppDeps,
  target: Omit<EraseTarget, 'oid'>,
  token: string | undefined,
): Promise<string | undefined> {
  const key = bearerKey(req.headers.authorization);
  if (key !== undefined) {
    const who = await deps.apiKeys.verify(key);
    if (who === undefined) throw new IngestError('UNAUTHORIZED', 'invalid API key');
    return who.oid;
  }
  const proof = token ?? requestCookies(req)[TOKEN_COOKIE];
  const { vid } = target;
  if (vid === undefined || !validVisitorToken(deps.hasher, vid, proof))
    throw new IngestError(
      'UNAUTHORIZED',
      'an API key, or the visitor token issued with this vid, is required',
    );
  if (target.uid !== undefined || target.ehash !== undefined)
    throw new IngestError(
      'FORBIDDEN',
      'the visitor token erases its own vid only: a uid or an email needs an API key',
    );
  return undefined;
}

/** The id as a UUID; one that is given but is not a UUID is refused (it used to be ignored in silence). */
function givenUuid(key: 'vid' | 'uid', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = asUuid(value);
  if (id === undefined) throw new IngestError('BAD_REQUEST', `body.${key}: must be a UUID`);
  return id;
}

const clientKey = (req: FastifyRequest) => rateLimitKey(clientIp(req));

/** The destinations' part of an erasure, when destinations are configured. */
function forwarding(deps: AppDeps): Pick<EraseWorkerDeps, 'forwarding'> {
  const stage = deps.destinations;
  return stage === undefined ? {} : { forwarding: (entry) => stage.erase(entry) };
}

/** The worker that runs this process's erase requests, resuming the journaled ones once the app is ready. */
function startWorker(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  metrics: Pick<Metrics, 'erasures'>,
): EraseWorker {
  const worker = createEraseWorker({
    journal: deps.erasureJournal,
    repository: deps.repositories.erasures,
    settled: (tables) => deps.dataPath.settled(tables),
    eraseDeadLetters: (matches) => deps.dataPath.eraseDeadLetters(matches),
    append: (table, rows) => tracking.append(table, rows),
    now: deps.now ?? Date.now,
    log: (level, msg, err) => app.log[level](err === undefined ? {} : { err }, msg),
    onStatus: (status) => metrics.erasures.inc({ status }),
    maxPending: deps.config.server.maxPendingErasures,
    ...forwarding(deps),
  });
  // Not awaited: a journal of many requests must not hold up listening (the data path is open by now).
  app.addHook('onReady', async () => {
    void worker.resume();
  });
  app.addHook('onClose', async () => worker.close());
  return worker;
}

export function forgetRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  { limit, guards }: { readonly limit: object; readonly guards: AuthGuards },
  metrics: Pick<Metrics, 'erasures' | 'rateLimited'>,
): void {
  const worker = startWorker(app, deps, tracking, metrics);
  const { credential, requestId } = guards;
  const perClient = createAllowance(deps.config.rateLimits.erasuresPerMinute);
  const now = deps.now ?? Date.now;
  /**
   * The worker's submit, for a visitor-token request (`client` given) within the client's allowance: anyone
   * can get a vid and its token from POST /ppi/agree, and each erasure costs a delete on every table.
   */
  const submitted = async (target: EraseTarget, client: string | undefined) => {
    const verdict = client === undefined ? true : perClient.take(client, now());
    if (verdict !== true) {
      metrics.rateLimited.inc({ reason: 'erasures' });
      throw new IngestError('RATE_LIMITED', 'too many erase requests from this client', {
        retryAfterS: verdict,
      });
    }
    try {
      return await worker.submit(target);
    } catch (err) {
      // not accepted: it does not count
      if (client !== undefined) perClient.giveBack(client, now());
      throw err;
    }
  };

  app.post(
    '/tr/v1/ppi/forget',
    {
      schema: { body: ForgetBody },
      validatorCompiler: strictValidator,
      ...limit,
      // after the request limit (when one is configured): a request over it never reaches the check
      preValidation: credential.onRequest,
      onResponse: credential.onResponse,
    },
    async (req, reply) => {
      const b = req.body;
      const vid = givenUuid('vid', b.vid);
      const uid = givenUuid('uid', b.uid);
      const email = b.email === undefined ? undefined : normalisePii(b.email);
      // blank once trimmed, as events' emails are before hashing: it names nobody, as "" does
      if (email === '') throw new IngestError('BAD_REQUEST', 'body.email: is blank');
      const ehash = b.ehash ?? (email === undefined ? undefined : deps.hasher.hash('email', email));
      if (vid === undefined && uid === undefined && ehash === undefined) {
        throw new IngestError('BAD_REQUEST', 'give a vid, uid, email or ehash');
      }
      const oid = await authorise(req, deps, { vid, uid, ehash }, b.token);
      const target: EraseTarget = Object.fromEntries(
        Object.entries({ vid, uid, ehash, oid }).filter(([, v]) => v !== undefined),
      );
      // answered only once the request is journaled: a stop from here on delays it, never loses it
      const { requestId, tables } = await submitted(target, oid === undefined ? clientKey(req) : undefined);
      return reply.status(202).send({ request_id: requestId, status: 'pending', tables });
    },
  );

  app.get('/tr/v1/ppi/forget/:id', { schema: { params: IdParams }, ...requestId }, async (req) => {
    const id = asUuid(req.params.id);
    if (id === undefined) throw new IngestError('BAD_REQUEST', 'params.id: must be a UUID');
    const known = await worker.status(id);
    if (known === undefined) throw new IngestError('NOT_FOUND', 'no such erase request');
    return { request_id: id, status: known.status, detail: known.detail };
  });
}
