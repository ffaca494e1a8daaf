import { describe, expect, it } from 'vitest';
import { isUuid, ZERO_UUID } from './ids.ts';
import { normaliseEvent } from './normalise.ts';
import { CONSENT, ctx, deps, NOW, VID } from './testing/normalise.ts';

describe('normaliseEvent', () => {
  it('generates ids first and uses them everywhere (never a zero UUID vid for a new visitor)', async () => {
    const e = await normaliseEvent({ ename: 'view', cflags: CONSENT }, ctx(), deps());
    expect(isUuid(e.eid) && isUuid(e.vid) && isUuid(e.sid)).toBe(true);
    expect(e.row.vid).toBe(e.vid);
    expect(e.row.sid).toBe(e.vid); // a new visitor's first session id is its vid
    expect(e.row.vid).not.toBe(ZERO_UUID);
    expect(e.newVisitor).toBe(true);
    expect(e.cookies).toBe(true);
  });

  it('keeps a valid client eid (idempotent retries) and vid', async () => {
    const eid = '99999999-2222-4333-8444-555555555555';
    const e = await normaliseEvent({ eid, vid: VID, cflags: CONSENT }, ctx(), deps());
    expect(e.eid).toBe(eid);
    expect(e.vid).toBe(VID);
    expect(e.newVisitor).toBe(false);
  });

  it('keeps an invalid vid in params and does not store it as the visitor id', async () => {
    const e = await normaliseEvent(
      { vid: 'batch-test-7', etyp: 'batch_test' },
      ctx({ kind: 'server' }),
      deps(),
    );
    expect(e.vid).toBe(ZERO_UUID);
    expect(e.row.params).toMatchObject({ vid: 'batch-test-7' });
  });

  // Regression: a server event without a vid got a fresh random vid (and sid), so every such event
  // counted as a visitor, and a session, of its own on the dashboards and in the rollups.
  it('a server event names no visitor or session it was not given', async () => {
    const none = await normaliseEvent({ ename: 'signup' }, ctx({ kind: 'server' }), deps());
    expect([none.row.vid, none.row.sid, none.newVisitor, none.cookies]).toEqual([
      ZERO_UUID,
      ZERO_UUID,
      false,
      false,
    ]);
    const known = await normaliseEvent({ ename: 'signup', vid: VID }, ctx({ kind: 'server' }), deps());
    expect([known.row.vid, known.row.sid]).toEqual([VID, ZERO_UUID]);
    const sid = '22222222-2222-4333-8444-555555555555';
    const session = await normaliseEvent({ vid: VID, sid }, ctx({ kind: 'server' }), deps());
    expect([session.row.vid, session.row.sid]).toEqual([VID, sid]);
  });

  // A non-UUID eid used to vanish: neither the row's id nor in params, so the client's id was lost unseen.
  it('keeps an eid that is not a UUID in params and stores the event under a server eid', async () => {
    const e = await normaliseEvent({ eid: 'order-17', ename: 'x' }, ctx({ kind: 'server' }), deps());
    expect(isUuid(e.eid)).toBe(true);
    expect(e.clientEid).toBe(false);
    expect(e.row.params).toMatchObject({ eid: 'order-17' });
  });

  describe('consent and cookieless ids', () => {
    it('without analytics consent the vid is a keyed hash of (daily salt, site, IP, UA), no cookie', async () => {
      const d = deps();
      const a = await normaliseEvent({ ename: 'x' }, ctx(), d);
      const b = await normaliseEvent({ ename: 'y' }, ctx(), d);
      expect(a.cookies).toBe(false);
      expect(a.vid).toBe(b.vid);
      const otherSite = await normaliseEvent({}, ctx({ host: 'other.example' }), d);
      expect(otherSite.vid).not.toBe(a.vid);
      const nextDay = await normaliseEvent({}, ctx({ now: NOW + 86_400_000 }), d);
      expect(nextDay.vid).not.toBe(a.vid);
    });

    it('without consent the vid cookie is ignored', async () => {
      const e = await normaliseEvent({ vid: VID }, ctx({ cookieVid: VID }), deps());
      expect(e.vid).not.toBe(VID);
    });

    // A vid or sid the client kept itself (its body, not the cookie) was stored without consent: a
    // persistent id where the visitor had refused one.
    it.each([
      ['no consent data', {}],
      ['consent without the analytics bit', { cflags: 1 }],
    ])(
      'with %s a vid and sid in the body are not used either: the id is the cookieless hash',
      async (_n, c) => {
        const sid = '22222222-2222-4333-8444-555555555555';
        const d = deps();
        const e = await normaliseEvent({ vid: VID, sid, ...c }, ctx(), d);
        const plain = await normaliseEvent({ ...c }, ctx(), d);
        expect(e.vid).toBe(plain.vid);
        expect(e.vid).not.toBe(VID);
        expect(e.row.sid).not.toBe(sid);
        expect(JSON.stringify(e.row)).not.toContain(VID);
      },
    );

    // The Go tracker's clients post their properties in `params`: an email there was stored as sent.
    it('an email, phone or user name inside params is hashed like a top-level one, never kept raw', async () => {
      const d = deps();
      const nested = await normaliseEvent(
        { params: { Email: ' A@X.com ', cell: '+1555', uname: 'bob', note: 'n' } },
        ctx(),
        d,
      );
      const top = await normaliseEvent({ email: 'a@x.com', cell: '+1555', uname: 'bob' }, ctx(), d);
      expect(nested.row.params).toEqual({ ...(top.row.params as object), note: 'n' });
      expect(JSON.stringify(nested.row)).not.toMatch(/a@x\.com|\+1555|bob/i);
    });

    it('a server event keeps the vid it names', async () => {
      const e = await normaliseEvent({ vid: VID }, ctx({ kind: 'server' }), deps());
      expect(e.vid).toBe(VID);
    });
  });
});
