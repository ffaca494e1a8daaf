// Property-based fuzzing (fast-check) of everything a client controls: paths, query strings, bodies,
// content types, cookies, headers and WebSocket frames. Properties: never a 5xx, never a crash, never an
// unhandled rejection. Runs on the data-path TEST DOUBLE (the store is not what is being fuzzed).
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { compressSync } from 'lz4-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { IngestError } from './errors.ts';
import { decodeFrame } from './routes/ws/frames.ts';
import { createDataPathDouble } from './testing/datapath-double.ts';
import { testDeps } from './testing/deps.ts';

let app: FastifyInstance;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  app = await buildApp(await testDeps(createDataPathDouble(), { rateLimits: { burst: 0, perIpPerDay: 0 } }));
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await app.close();
  expect(unhandled).toEqual([]);
});

const segment = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '%',
    '%zz',
    '..',
    '__proto__',
    'constructor',
    'vid',
    'cflags',
    'tid',
    'eid',
    '%00',
    '\u0000',
    '😀',
  ),
);
const prefix = fc.constantFrom(
  '/tr/v1/tr/',
  '/tr/v1/str/',
  '/tr/v1/img/',
  '/tr/v1/rdr/',
  '/tr/v1/xrdr/',
  '/tr/v1/ltv/',
  '/tr/v1/ppi/agree',
  '/tr/v1/ppi/geoip',
  '/tr/v1/ppi/forget',
  '/tr/v1/ppi/jds',
  '/tr/v1/rpi/redirect',
  '/tr/v1/rpi/redirects/go.example',
  '/',
  '/health',
);
const path = fc
  .tuple(prefix, fc.array(segment, { maxLength: 6 }))
  .map(([p, segs]) => p + segs.map((s) => encodeURIComponent(s)).join('/'));
const query = fc
  .dictionary(
    fc.oneof(segment, fc.constantFrom('url', 'utm_source', 'cflags', 'ip', 'vid', 'igqp')),
    fc.string({ maxLength: 30 }),
    {
      maxKeys: 5,
    },
  )
  .map((d) => new URLSearchParams(d).toString());
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  fc.array(fc.dictionary(segment, jsonValue, { maxKeys: 4 }), { maxLength: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
    '[',
    '{"cflags":1e400}',
    '{"time":"9999-99-99"}',
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'text/plain; charset=utf-8',
  'application/octet-stream',
  '',
);
const cookie = fc
  .dictionary(
    fc.constantFrom('vid', 'sid', 'CookieConsent', 'user', 'ehash', 'x'),
    fc.string({ maxLength: 40 }),
    { maxKeys: 4 },
  )
  .map((d) =>
    Object.entries(d)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('; '),
  );
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD') as fc.Arbitrary<
  'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'HEAD'
>;

describe('fuzz: HTTP', () => {
  it('never answers 5xx to anything a client can send', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        query,
        body,
        contentType,
        cookie,
        fc.string({ maxLength: 60 }),
        async (m, p, q, b, ct, c, user) => {
          const withBody = m === 'POST' || m === 'PUT' || m === 'DELETE';
          const res = await app.inject({
            method: m,
            url: q === '' ? p : `${p}?${q}`,
            headers: {
              cookie: c,
              user,
              host: 'go.example',
              authorization: 'Bearer abcdefgh.x',
              ...(ct === '' ? {} : { 'content-type': ct }),
            },
            ...(withBody ? { payload: b } : {}),
          });
          expect(
            res.statusCode,
            `${m} ${p}?${q} ${ct} ${b.slice(0, 80)} → ${res.body.slice(0, 200)}`,
          ).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('fuzz: WebSocket frames', () => {
  it('decodeFrame only ever throws coded client errors', () => {
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((a) => ({ data: Buffer.from(a), binary: true })),
      fc.string({ maxLength: 64 }).map((s) => ({ data: Buffer.from(s), binary: false })),
      fc.tuple(jsonValue, fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([v, size]) => {
        const f = compressSync(Buffer.from(JSON.stringify(v) ?? 'null'));
        f.writeUInt32LE(size, 0);
        return { data: f, binary: true };
      }),
    );
    fc.assert(
      fc.property(frames, ({ data, binary }) => {
        try {
          decodeFrame(data, binary, 64 * 1024);
        } catch (err) {
          expect(err).toBeInstanceOf(IngestError);
          expect((err as IngestError).statusCode).toBeLessThan(500);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('the live route answers garbage frames without closing for anything but size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 48 }), { minLength: 1, maxLength: 5 }),
        async (payloads) => {
          const ws = await app.injectWS('/tr/v1/ws');
          const replies: unknown[] = [];
          const done = new Promise<void>((resolve) => {
            ws.on('message', (d) => {
              replies.push(JSON.parse(String(d)));
              if (replies.length === payloads.length) resolve();
            });
            ws.on('close', () => resolve());
          });
          for (const p of payloads) ws.send(Buffer.from(p));
          await done;
          ws.terminate();
          for (const r of replies) expect((r as { error?: string }).error ?? 'stored').not.toBe('INTERNAL');
        },
      ),
      { numRuns: 50 },
    );
  });
});
