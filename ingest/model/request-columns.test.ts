import { describe, expect, it, vi } from 'vitest';
import { createHasher } from '../privacy/hash.ts';
import { createMemorySaltStore, DAY_MS, type SaltStore } from '../privacy/salts.ts';
import { cookielessVid, geoLookup, serverColumns } from './request-columns.ts';
import { TEST_NOW, testEventDeps, testRequestContext } from './testing/fixtures.ts';
import type { RequestContext } from './types.ts';

const NOW = TEST_NOW;
const deps = testEventDeps;
const ctx = (over: Partial<RequestContext> = {}) =>
  testRequestContext({ acceptLanguage: '', ja4h: '', ...over });

/** A salt store that counts how often it is asked (a shared store fetches over the network). */
function countingSalts(): SaltStore & { calls: number } {
  const inner = createMemorySaltStore();
  const counted = {
    calls: 0,
    forDay: (now: number) => {
      counted.calls++;
      return inner.forDay(now);
    },
    days: () => inner.days(),
  };
  return counted;
}

describe('request columns', () => {
  it('remembered server columns equal freshly computed ones, per IP mode and hash key', () => {
    const d = deps();
    const first = serverColumns(ctx(), d);
    expect(serverColumns(ctx(), d)).toEqual(first);
    expect(serverColumns(ctx(), deps())).toEqual(first);
    expect(first).toMatchObject({ ip: '203.0.113.0', hhash: expect.any(String), bhash: expect.any(String) });
    expect(serverColumns(ctx(), deps({ ipMode: 'keep' })).ip).toBe('203.0.113.77');
    expect(serverColumns(ctx(), deps({ ipMode: 'drop' }))).toMatchObject({ ip: '', iphash: '' });
    const otherKey = serverColumns(ctx(), deps({ hasher: createHasher(Buffer.alloc(32, 8)) }));
    expect(otherKey.iphash).not.toBe(first.iphash);
    expect(serverColumns(ctx({ kind: 'server', userAgent: '' }), d).bhash).toBeUndefined();
  });

  it('the cookieless id asks the salt store once per day and changes with the day', async () => {
    const salts = countingSalts();
    const d = deps({ salts });
    const a = await cookielessVid(ctx(), d);
    expect(await cookielessVid(ctx({ now: NOW + 3600_000 }), d)).toBe(a);
    expect(salts.calls).toBe(1);
    expect(await cookielessVid(ctx({ userAgent: 'Other/1.0' }), d)).not.toBe(a);
    expect(await cookielessVid(ctx({ ip: '198.51.100.1' }), d)).not.toBe(a);
    const tomorrow = await cookielessVid(ctx({ now: NOW + DAY_MS }), d);
    expect(tomorrow).not.toBe(a);
    expect(salts.calls).toBe(2);
  });

  it('at the end of its day the salt and the ids made with it are forgotten without another request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const salts = countingSalts();
      const d = deps({ salts });
      await cookielessVid(ctx(), d);
      vi.advanceTimersByTime(DAY_MS - (NOW % DAY_MS));
      // the same request again: the memo no longer knows the day, so the salt store is asked anew
      await cookielessVid(ctx(), d);
      expect(salts.calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the cookieless id is the same whether remembered or computed by another process with the salt', async () => {
    const salts = createMemorySaltStore();
    const a = await cookielessVid(ctx(), deps({ salts }));
    expect(await cookielessVid(ctx(), deps({ salts }))).toBe(a);
  });

  it('a context asked about again after another one gets the same columns and id', async () => {
    const d = deps();
    const a = ctx();
    const b = ctx({ ip: '198.51.100.1', userAgent: 'Other/1.0' });
    const first = { server: serverColumns(a, d), vid: await cookielessVid(a, d) };
    const other = { server: serverColumns(b, d), vid: await cookielessVid(b, d) };
    expect(other.vid).not.toBe(first.vid);
    expect({ server: serverColumns(a, d), vid: await cookielessVid(a, d) }).toEqual(first);
    expect(serverColumns(b, d)).toBe(other.server);
  });

  it('without GeoIP no lookup is made', () => {
    expect(geoLookup(ctx(), deps())).toBeUndefined();
  });
});
