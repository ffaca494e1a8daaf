// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
// Here: the tracking routes /tr, /str and /img, the rows they store, their cookies and answers.
// The shared setup (a fresh app on a fresh double per test) is testing/routes-app.ts.
import { describe, expect, it } from 'vitest';
import { isUuid, ZERO_UUID } from '../model/ids.ts';
import { app, CONSENT, dp, freshAppsPerTest } from './testing/routes-app.ts';

freshAppsPerTest();

describe('tr / str / img', () => {
  it('GET /tr/v1/tr with path pairs and utm query stores one client event (no v1=tr from the route)', async () => {
    const res = await app.inject({
      url: '/tr/v1/tr/ename/Page_View/etyp/View?utm_source=News&utm_campaign=Spring&plan=Pro',
      headers: { 'user-agent': 'UA/1', cookie: CONSENT },
    });
    expect(res.statusCode).toBe(200);
    const [row] = dp.table('events');
    expect(row).toMatchObject({
      ename: 'page_view',
      etyp: 'view',
      source: 'news',
      campaign: 'spring',
      bhash: expect.stringMatching(/^[0-9a-z]+$/),
    });
    expect(row?.params).toEqual({ plan: 'Pro' });
    expect(res.cookies.find((c) => c.name === 'vid')).toMatchObject({
      value: row?.vid,
      secure: true,
      sameSite: 'Lax',
    });
  });

  it('/tr is a client event: it sets the vid cookie with consent', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x', cflags: 3 } });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe('{"ok":true}');
    const cookie = res.cookies.find((c) => c.name === 'vid');
    expect(cookie?.value).toBe(dp.table('events')[0]?.vid);
    expect(cookie?.value).not.toBe(ZERO_UUID);
  });

  it('reads the cookies a returning visitor sends: its vid is kept and set again', async () => {
    const vid = '0b6b1b6e-1111-4000-8000-000000000abc';
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { cookie: `other=1; vid=${vid}; ${CONSENT}` },
      payload: { ename: 'x' },
    });
    expect(dp.table('events')[0]?.vid).toBe(vid);
    expect(res.headers['set-cookie']?.[0]).toBe(`vid=${vid}; Max-Age=31536000; Path=/; Secure; SameSite=Lax`);
  });

  // A visitor with consent whose requests carry no sid (a pixel, a link, a page without the browser
  // client) got a session of its own for every event: sessions counted page views.
  it('a consented visitor without a sid of its own keeps one session across requests (the sid cookie)', async () => {
    const vid = '0b6b1b6e-1111-4000-8000-000000000abc';
    const send = (cookie: string) => app.inject({ url: '/tr/v1/img/ename/open', headers: { cookie } });
    const first = await send(`vid=${vid}; ${CONSENT}`);
    const sid = dp.table('events')[0]?.sid;
    expect(isUuid(sid)).toBe(true);
    expect(first.cookies.find((c) => c.name === 'sid')).toMatchObject({
      value: sid,
      maxAge: 1800,
      secure: true,
      sameSite: 'Lax',
      path: '/',
    });
    const second = await send(`vid=${vid}; sid=${sid}; ${CONSENT}`);
    expect(dp.table('events')[1]?.sid).toBe(sid);
    // each answer moves the session's end on
    expect(second.cookies.find((c) => c.name === 'sid')).toMatchObject({ value: sid, maxAge: 1800 });
  });

  it("a sid the client sends is the event's session and the cookie's", async () => {
    const sid = '0b6b1b6e-2222-4000-8000-00000000000d';
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { cookie: `${CONSENT}; sid=0b6b1b6e-3333-4000-8000-00000000000e` },
      payload: { ename: 'x', sid },
    });
    expect(dp.table('events')[0]?.sid).toBe(sid);
    expect(res.cookies.find((c) => c.name === 'sid')?.value).toBe(sid);
  });

  it('without consent the session cookie is expired with the others, and no sid is set', async () => {
    const res = await app.inject({
      url: '/tr/v1/tr/ename/x',
      headers: {
        cookie: 'vid=0b6b1b6e-1111-4000-8000-000000000abc; sid=0b6b1b6e-2222-4000-8000-00000000000d',
      },
    });
    const sid = res.cookies.find((c) => c.name === 'sid');
    expect(sid).toMatchObject({ value: '', maxAge: 0 });
    expect(dp.table('events')[0]?.sid).not.toBe('0b6b1b6e-2222-4000-8000-00000000000d');
  });

  it('a server event sets no cookie', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { cookie: CONSENT },
      payload: { ename: 'x', vid: '0b6b1b6e-1111-4000-8000-000000000abc' },
    });
    expect(res.cookies).toHaveLength(0);
  });

  it('without consent no cookie is set (cookieless)', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x' } });
    expect(res.cookies).toHaveLength(0);
    expect(isUuid(dp.table('events')[0]?.vid)).toBe(true);
  });

  it('POST /tr/v1/str returns {eid} as JSON with its Content-Type, no UA captured', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { 'user-agent': 'UA/1' },
      payload: { ename: 'signup', Custom_Key: 'Keep Case' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { eid } = res.json() as { eid: string };
    const [row] = dp.table('events');
    expect(row?.eid).toBe(eid);
    expect(row?.browser).toBeUndefined();
    expect(row?.params).toEqual({ Custom_Key: 'Keep Case' });
  });

  // A body of JSON null passed the schema's no-body branch and was stored as an empty event.
  it.each(['/tr/v1/str/', '/tr/v1/tr/'])(
    'POST %s with a JSON null body → 400, nothing stored',
    async (url) => {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: 'null',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'BAD_REQUEST',
        message: 'body: JSON null is not a request body (send an object, or no body)',
      });
      expect(dp.table('events')).toEqual([]);
      const empty = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.statusCode).toBe(200);
    },
  );

  it('accepts the batch form (JSON array) and returns every eid', async () => {
    const payload = Array.from({ length: 100 }, (_, i) => ({ etyp: 'batch_test', n: i }));
    const res = await app.inject({ method: 'POST', url: '/tr/v1/str/', payload });
    expect((res.json() as { eids: string[] }).eids).toHaveLength(100);
    expect(dp.table('events')).toHaveLength(100);
    // the answer's text is made before the write: the same bytes and type as the object serialised after
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(JSON.stringify({ eids: dp.table('events').map((r) => r.eid) }));
  });

  it('HEAD of /tr/v1/str answers no body and records nothing', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/tr/v1/str/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(dp.table('events')).toHaveLength(0);
  });

  it('accepts JSON sent as text/plain (the Go tracker browser client)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { 'content-type': 'text/plain' },
      payload: '{"ename":"a"}',
    });
    expect(res.statusCode).toBe(200);
    expect(dp.table('events')[0]?.ename).toBe('a');
  });

  it('reads the user cookie and the User header', async () => {
    const uid = '5e55e55e-0000-4000-8000-0000000000aa';
    await app.inject({ url: '/tr/v1/str/', cookies: { user: JSON.stringify({ uid }) } });
    await app.inject({
      url: '/tr/v1/str/',
      headers: { user: JSON.stringify({ uid, ename: 'from_header' }) },
    });
    expect(dp.table('events').map((r) => r.uid)).toEqual([uid, uid]);
    expect(dp.table('events')[1]?.ename).toBe('from_header');
  });

  it('GET /tr/v1/img answers a 1x1 GIF', async () => {
    const res = await app.inject({ url: '/tr/v1/img/ename/pixel' });
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    expect(dp.table('events')[0]?.ename).toBe('pixel');
  });

  it('messaging side effects: one mthreads, mstore and mtriage row per tid event', async () => {
    const tid = '7e57e57e-0000-4000-8000-000000000001';
    await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      payload: { tid, ename: 'opened', subject: 'Hi There' },
    });
    expect(dp.table('mthreads')).toHaveLength(1);
    expect(dp.table('mstore')).toHaveLength(1);
    expect(dp.table('mtriage')).toHaveLength(1);
    expect(dp.table('mstore')[0]).toMatchObject({
      tid,
      mid: dp.table('events')[0]?.eid,
      subject: 'Hi There',
    });
  });
});
