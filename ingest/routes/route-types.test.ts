// Route schemas are also the handlers' TypeScript types (TypeBox type provider: one source for both). tsc checks the
// expectTypeOf lines (tsconfig includes tests), inject() checks that the runtime values match the types.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import Type from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RouteApp } from './shared.ts';

const Body = Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(Type.String())) });
const Query = Type.Object({ n: Type.Integer() });
const Params = Type.Object({ id: Type.String(), '*': Type.Optional(Type.String()) });

function register(app: RouteApp): void {
  app.post('/t/:id/*', { schema: { body: Body, querystring: Query, params: Params } }, async (req) => {
    expectTypeOf(req.body).toEqualTypeOf<{ name: string; tags?: string[] }>();
    expectTypeOf(req.query).toEqualTypeOf<{ n: number }>();
    expectTypeOf(req.params.id).toEqualTypeOf<string>();
    expectTypeOf(req.params['*']).toEqualTypeOf<string | undefined>();
    return { name: req.body.name, n: req.query.n, id: req.params.id, rest: req.params['*'] };
  });
}

describe('RouteApp (the TypeBox type provider)', () => {
  it('types body, query and params from the schemas, and the values match at run time', async () => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    register(app);
    const res = await app.inject({ method: 'POST', url: '/t/abc/x/y?n=7', payload: { name: 'a' } });
    expect(res.json()).toEqual({ name: 'a', n: 7, id: 'abc', rest: 'x/y' });
    const bad = await app.inject({ method: 'POST', url: '/t/abc/x?n=seven', payload: { name: 'a' } });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });
});

describe('the cookie plugin’s types (plugins/fastify-cookie.d.ts)', () => {
  it('declare no cookie decorator of a reply: the plugin is registered where no route is', () => {
    // the package's own declarations added these to every reply; calling one would fail at run time
    expectTypeOf<FastifyReply>().not.toHaveProperty('setCookie');
    expectTypeOf<FastifyReply>().not.toHaveProperty('cookie');
    expectTypeOf<FastifyReply>().not.toHaveProperty('clearCookie');
    expectTypeOf<FastifyReply>().not.toHaveProperty('unsignCookie');
    expectTypeOf<FastifyRequest>().not.toHaveProperty('unsignCookie');
    // the request's cookies: null until model/request-cookies.ts parses them
    expectTypeOf<FastifyRequest['cookies']>().toEqualTypeOf<{
      [cookieName: string]: string | undefined;
    } | null>();
  });
});
