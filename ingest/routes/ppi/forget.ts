// POST /tr/v1/ppi/forget: erase a visitor (vid), user (uid) or email (hashed with the same keyed HMAC as
// events) from every table; answers 202 with a request id whose status GET /tr/v1/ppi/forget/:id reads.
// Who may ask: an API key (erases within its org), or the visitor itself, proven by the token this service
// issued with its vid (the vtok cookie, or `token` in the body). The vid cookie alone proves nothing:
// anyone can send a cookie header naming someone else's visitor id.
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { bearerKey } from '../../auth/bearer.ts';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { growingLru } from '../../lru.ts';
import { asUuid, newId } from '../../model/ids.ts';
import { requestCookies } from '../../model/request-cookies.ts';
import { chTime } from '../../model/time.ts';
import { normalisePii } from '../../privacy/hash.ts';
import { TOKEN_COOKIE, validVisitorToken } from '../../privacy/visitor-token.ts';
import type { EraseTarget } from '../../repositories/index.ts';
import type { Tracking } from '../../tracking.ts';
import type { RouteApp } from '../shared.ts';

const ForgetBody = Type.Object(
  {
    vid: Type.Optional(Type.String({ maxLength: 64 })),
    uid: Type.Optional(Type.String({ maxLength: 64 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    ehash: Type.Optional(Type.String({ maxLength: 128 })),
    token: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const SECOND_PASS_MS = 15_000;

async function authorise(
  req: FastifyRequest,
  deps: AppDeps,
  vid: string | undefined,
  token: string | undefined,
): Promise<string | undefined> {
  const key = bearerKey(req.headers.authorization);
  if (key !== undefined) {
    const who = await deps.apiKeys.verify(key);
    if (who === undefined) throw new IngestError('UNAUTHORIZED', 'invalid API key');
    return who.oid;
  }
  const proof = token ?? requestCookies(req)[TOKEN_COOKIE];
  if (vid !== undefined && validVisitorToken(deps.hasher, vid, proof)) return undefined;
  throw new IngestError('UNAUTHORIZED', 'an API key, or the visitor token issued with this vid, is required');
}

/** The id as a UUID; one that is given but is not a UUID is refused (it used to be ignored in silence). */
function givenUuid(key: 'vid' | 'uid', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = asUuid(value);
  if (id === undefined) throw new IngestError('BAD_REQUEST', `${key} must be a UUID`);
  return id;
}

export function forgetRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object): void {
  const statuses = growingLru<string, { status: string; detail: string }>({ max: 10_000 });
  const now = deps.now ?? Date.now;
  const { erasures } = deps.repositories;
  // The record of a request names its org scope, never the person: a row holding their vid, uid or email
  // hash would be erased by the erasure itself (and its status with it), and would keep the id of someone
  // who asked to be forgotten.
  const record = async (id: string, t: EraseTarget, status: string, detail = '') => {
    statuses.set(id, { status, detail });
    const at = chTime(now());
    await tracking
      .append('erasures', [{ request_id: id, oid: t.oid, status, detail, updated_at: at }])
      .catch(() => {});
  };

  app.post('/tr/v1/ppi/forget', { schema: { body: ForgetBody }, ...limit }, async (req, reply) => {
    const b = req.body;
    const vid = givenUuid('vid', b.vid);
    const uid = givenUuid('uid', b.uid);
    const ehash =
      b.ehash ?? (b.email === undefined ? undefined : deps.hasher.hash('email', normalisePii(b.email)));
    if (vid === undefined && uid === undefined && ehash === undefined) {
      throw new IngestError('BAD_REQUEST', 'give a vid, uid, email or ehash');
    }
    const oid = await authorise(req, deps, vid, b.token);
    const target: EraseTarget = Object.fromEntries(
      Object.entries({ vid, uid, ehash, oid }).filter(([, v]) => v !== undefined),
    );
    const id = newId();
    await record(id, target, 'pending');
    const statements = erasures.plan(target);
    void (async () => {
      // Rows acknowledged before the request may still be in the spool: erased only once they are stored,
      // or they would land after the erasure while its status said done. The request stays pending while
      // the store is unreachable, and if the process stops first.
      const tables = statements.map((s) => s.table);
      const settled = await deps.dataPath.settled(tables).then(
        () => true,
        () => false,
      );
      if (!settled) return;
      const failed = await erasures.run(statements);
      await record(id, target, failed.length === 0 ? 'done' : 'failed', failed.join(','));
      // another replica's spool is not this process's to wait for: one more pass once its batches are
      // likely stored
      setTimeout(() => void erasures.run(statements), SECOND_PASS_MS).unref();
    })();
    return reply
      .status(202)
      .send({ request_id: id, status: 'pending', tables: statements.map((s) => s.table) });
  });

  app.get('/tr/v1/ppi/forget/:id', { schema: { params: IdParams } }, async (req) => {
    const id = asUuid(req.params.id);
    if (id === undefined) throw new IngestError('BAD_REQUEST', 'id must be a UUID');
    const known = statuses.get(id);
    if (known !== undefined) return { request_id: id, ...known };
    const stored = await erasures.status(id);
    if (stored === undefined) throw new IngestError('NOT_FOUND', 'no such erase request');
    return { request_id: id, ...stored };
  });
}
