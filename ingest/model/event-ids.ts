// The ids of a normalised event (eid, vid, sid) and whether it may use cookies, decided before any other
// step so the cookie, the messaging rows and the NATS publish all use the same ids. A client event without
// analytics consent gets the cookieless visitor id, whatever ids it sent. Called once per event from
// normalise.ts.
import { hasConsent } from '../privacy/consent.ts';
import { asUuid, newId, ZERO_UUID } from './ids.ts';
import { cookielessVid } from './request-columns.ts';
import type { Obj } from './split-fields.ts';
import type { EventDeps, RequestContext } from './types.ts';

export interface Ids {
  readonly eid: string;
  readonly clientEid: boolean;
  readonly vid: string;
  readonly sid: string;
  readonly newVisitor: boolean;
  readonly cookies: boolean;
}

/**
 * A server event without a vid names no visitor: it keeps the zero vid rather than a fresh random one,
 * which would count every such event as a visitor of its own. Nor does a server event start a session:
 * without a sid it keeps the zero sid. Visitor and session counts leave the zero ids out.
 */
function serverIds(cols: Obj, eid: string, clientEid: boolean): Ids {
  const sid = asUuid(cols.sid) ?? ZERO_UUID;
  return { eid, clientEid, vid: ZERO_UUID, sid, newVisitor: false, cookies: false };
}

/** The event's ids; a promise only while a cookieless id waits for the day's salt. */
export function decideIds(cols: Obj, raw: Obj, ctx: RequestContext, deps: EventDeps): Ids | Promise<Ids> {
  const clientEid = asUuid(raw.eid);
  const eid = clientEid ?? newId();
  const cookies =
    ctx.kind === 'client' &&
    hasConsent(cols.cflags as number | undefined, deps.consentBits, deps.analyticsBit);
  // Without analytics consent a client event never uses an id the client keeps (a vid from its cookie or
  // its body, a sid): the visitor is the cookieless hash, whatever the client sent.
  const cookieless = ctx.kind === 'client' && !cookies;
  const given = cookieless ? undefined : asUuid(cols.vid);
  const withVid = (vid: string): Ids => {
    const newVisitor = vid !== given;
    const sid =
      (cookieless ? undefined : asUuid(cols.sid)) ??
      (ctx.kind === 'server' ? ZERO_UUID : newVisitor ? vid : newId());
    return { eid, clientEid: clientEid !== undefined, vid, sid, newVisitor, cookies };
  };
  if (given !== undefined) return withVid(given);
  if (ctx.kind === 'server') return serverIds(cols, eid, clientEid !== undefined);
  if (cookies) return withVid(newId());
  const vid = cookielessVid(ctx, deps);
  return typeof vid === 'string' ? withVid(vid) : vid.then(withVid);
}
