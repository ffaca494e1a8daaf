// What each privacy route trusts. Erasure by a visitor needs the token this service issued with its vid:
// a `Cookie: vid=<victim>` header is something anyone can send, and it used to erase the victim. Reading
// a consent is unauthenticated, so it returns the consent only, not the row's IP, IP hash or user agent.
// Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, setCookies, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  live.post(path, body, headers);
const cookies = setCookies;

describe('POST /ppi/forget', () => {
  it('refuses a visitor cookie set by the caller (erasing someone else by their vid)', async () => {
    const victim = await post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid } = cookies(victim);
    expect(vid).toMatch(/^[0-9a-f-]{36}$/);
    const res = await post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}` });
    expect(res.status).toBe(401);
    const forged = await post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}; vtok=forged` });
    expect(forged.status).toBe(401);
  });

  it('accepts the visitor holding the token issued with its vid (HttpOnly cookie)', async () => {
    const visit = await post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid, vtok } = cookies(visit);
    expect(vtok).toBeDefined();
    expect(visit.headers.getSetCookie().find((c) => c.startsWith('vtok='))).toMatch(/HttpOnly/i);
    const res = await post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}; vtok=${vtok}` });
    expect(res.status).toBe(202);
  });

  it('the visitor token erases its own vid only: no uid, no email, no empty email hash', async () => {
    const visit = await post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid, vtok } = cookies(visit);
    const cookie = `vid=${vid}; vtok=${vtok}`;
    // an empty email hash matched every event stored without one: the whole table
    for (const empty of [{ ehash: '' }, { email: '' }]) {
      const res = await post('/tr/v1/ppi/forget', { vid, ...empty }, { cookie });
      expect(res.status, JSON.stringify(empty)).toBe(400);
    }
    for (const named of [
      { uid: 'a9000000-0000-4000-8000-0000000000cc' },
      { email: 'x@example.com' },
      { ehash: 'h' },
    ]) {
      const res = await post('/tr/v1/ppi/forget', { vid, ...named }, { cookie });
      expect(res.status, JSON.stringify(named)).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'FORBIDDEN' });
    }
  });

  it('issues no token for a vid the caller supplied (knowing an id is not owning it)', async () => {
    const someone = 'a9000000-0000-4000-8000-0000000000aa';
    const res = await post('/tr/v1/tr/', { ename: 'x', vid: someone }, { cookie: 'CookieConsent=3' });
    expect(cookies(res).vtok).toBeUndefined();
    const agreed = await post('/tr/v1/ppi/agree', { vid: someone, cflags: 3 });
    expect(cookies(agreed).vtok).toBeUndefined();
    expect(await agreed.json()).not.toHaveProperty('token');
  });
});

describe('GET /ppi/agree', () => {
  it('returns the consent only: no IP, IP hash or user agent', async () => {
    const vid = 'a9000000-0000-4000-8000-0000000000bb';
    const row = { vid, cflags: 3, ip: '81.2.69.160', iphash: 'h', browser: 'Mozilla/5.0 Private' };
    await live.store.insert('agreed', [row], { dedupToken: 'privacy-trust-agreed' });
    const res = await fetch(`${live.url}/tr/v1/ppi/agree?vid=${vid}`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['cflags', 'granted', 'updated_at', 'vid']);
    expect(body.cflags).toBe(3);
  });
});
