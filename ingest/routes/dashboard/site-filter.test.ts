// The dashboard's site filter takes a UUID or nothing. It took any 36 hex digits and dashes, so a
// mistyped or truncated site (`…-0000-00000000000-a`) was answered 200 with the numbers of no site: zeros
// that read as a quiet site. Through inject() on the data path TEST DOUBLE (its store answers no rows), on
// a loopback listener, where the dashboard asks for no credential.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(await testDeps(createDataPathDouble(), { server: { host: '127.0.0.1' } }));
});
afterAll(() => app.close());

const OID = 'da5b0a2d-0000-4000-8000-00000000000a';
const get = (path: string, oid: string) =>
  app.inject({
    url: `/dashboard/api/${path}?oid=${encodeURIComponent(oid)}`,
    headers: { host: 'localhost' },
  });

describe('the dashboard site filter', () => {
  it.each([
    ['dashes in the wrong places', 'da5b0a2d0-000-4000-8000-00000000000a'],
    ['only dashes', '-'.repeat(36)],
    ['only hex digits', 'a'.repeat(36)],
    ['a UUID without its dashes, padded', `${OID.replaceAll('-', '')}0000`],
    ['a name', 'shop'],
  ])('refuses %s with 400 naming querystring.oid and what it takes', async (_what, oid) => {
    // the message is the dashboard's status line: it quoted the schema's regular expression
    for (const path of ['overview', 'events']) {
      const res = await get(path, oid);
      expect(res.statusCode, `${path} ${oid}`).toBe(400);
      expect(res.json()).toEqual({
        error: 'BAD_REQUEST',
        message: 'querystring.oid: must be a UUID, or empty for every site',
      });
    }
  });

  it.each([
    ['a UUID', OID],
    ['an upper-case UUID', OID.toUpperCase()],
    ['the zero UUID ("(no site)")', '00000000-0000-0000-0000-000000000000'],
    ['nothing (every site)', ''],
  ])('takes %s', async (_what, oid) => {
    for (const path of ['overview', 'events']) expect((await get(path, oid)).statusCode).toBe(200);
  });
});
