// The ClickHouse client cache: reuse per URL across reconciles, bounded, closed on shutdown, never closing a
// client another worker is using.
import { describe, expect, it } from 'vitest';
import { ClientCache, type SqlClient } from './clickhouse-clients.ts';

function fakes() {
  const created: { url: string; password: string; closed: number }[] = [];
  const create = (url: string, password: string): SqlClient => {
    const c = { url, password, closed: 0 };
    created.push(c);
    return {
      query: async () => [],
      command: async () => undefined,
      close: async () => {
        c.closed++;
      },
    };
  };
  return { created, create };
}
const ok = async () => 'ok';
const tick = () => new Promise((r) => setImmediate(r));

describe('ClientCache', () => {
  it('reuses one client per URL across uses (reconciles)', async () => {
    const f = fakes();
    const cache = new ClientCache({ create: f.create });
    for (let i = 0; i < 3; i++) {
      await cache.use('http://a', 'pw', ok);
      await cache.use('http://b', 'pw', ok);
    }
    expect(f.created.map((c) => c.url)).toEqual(['http://a', 'http://b']);
    expect(f.created.every((c) => c.closed === 0)).toBe(true);
  });

  it('closes the least recently used idle client beyond max', async () => {
    const f = fakes();
    const cache = new ClientCache({ create: f.create, max: 2 });
    await cache.use('http://a', 'pw', ok);
    await cache.use('http://b', 'pw', ok);
    await cache.use('http://a', 'pw', ok); // a is now the most recent
    await cache.use('http://c', 'pw', ok);
    await tick();
    expect(f.created.map((c) => [c.url, c.closed])).toEqual([
      ['http://a', 0],
      ['http://b', 1],
      ['http://c', 0],
    ]);
    expect(cache.size).toBe(2);
  });

  it('never closes a client that is in use; it goes over max until the user finishes', async () => {
    const f = fakes();
    const cache = new ClientCache({ create: f.create, max: 1 });
    let release = () => {};
    const busy = cache.use('http://a', 'pw', () => new Promise<void>((r) => (release = r)));
    await cache.use('http://b', 'pw', ok);
    expect(f.created[0]!.closed).toBe(0);
    expect(cache.size).toBe(2);
    release();
    await busy;
    await cache.use('http://c', 'pw', ok);
    await tick();
    expect(f.created.map((c) => c.closed)).toEqual([1, 1, 0]);
  });

  it.each([
    ['a password change', async (c: ClientCache) => c.use('http://a', 'new', ok)],
    [
      'a failed query',
      async (c: ClientCache) =>
        c
          .use('http://a', 'pw', async () => {
            throw new Error('boom');
          })
          .catch(() => undefined),
    ],
  ])('replaces the client after %s', async (_what, act) => {
    const f = fakes();
    const cache = new ClientCache({ create: f.create });
    await cache.use('http://a', 'pw', ok);
    await act(cache);
    await cache.use('http://a', f.created.at(-1)!.password, ok);
    await tick();
    expect(f.created[0]!.closed).toBe(1);
    expect(f.created.length).toBe(2);
  });

  it('closes every client once on shutdown and refuses further use', async () => {
    const f = fakes();
    const cache = new ClientCache({ create: f.create });
    await cache.use('http://a', 'pw', ok);
    await cache.use('http://b', 'pw', ok);
    await cache.close();
    expect(f.created.map((c) => c.closed)).toEqual([1, 1]);
    await expect(cache.use('http://a', 'pw', ok)).rejects.toThrow(/closed/);
  });
});
