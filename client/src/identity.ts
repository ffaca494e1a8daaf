// Visitor, session and user ids. They exist only with analytics consent: without it events carry none,
// and the ingest records them cookieless (a daily-salted hash instead of a visitor id).
import { uuid } from './ids.ts';
import type { Storage } from './storage.ts';

interface Ids {
  vid?: string;
  sid?: string;
  uid?: string;
  /** Time of the last event, for the session timeout. */
  seen?: number;
}

export interface Stamp {
  vid?: string;
  sid?: string;
  uid?: string;
}

export interface Identity {
  /** The ids of an event happening at `now`: a new session after `sessionMs` of inactivity. */
  stamp(now: number): Stamp;
  /** Sets (or with undefined forgets) the user id; kept in memory until consent allows more. */
  setUid(uid: string | undefined): void;
  /** Consent was withdrawn: drop the visitor and session ids (storage is cleared by the caller). */
  forget(): void;
}

function load(store: Storage): Ids {
  try {
    const v: unknown = JSON.parse(store.get('id') ?? '{}');
    return typeof v === 'object' && v !== null ? (v as Ids) : {};
  } catch {
    return {};
  }
}

export function createIdentity(store: Storage, sessionMs: number): Identity {
  let ids = load(store);
  const save = () => store.set('id', JSON.stringify(ids));
  return {
    stamp(now) {
      if (!store.allowed) return {};
      ids.vid ??= uuid();
      if (ids.sid === undefined || now - (ids.seen ?? 0) > sessionMs) ids.sid = uuid();
      ids.seen = now;
      save();
      return { vid: ids.vid, sid: ids.sid, ...(ids.uid === undefined ? {} : { uid: ids.uid }) };
    },
    setUid(uid) {
      ids.uid = uid;
      save();
    },
    forget() {
      ids = ids.uid === undefined ? {} : { uid: ids.uid };
    },
  };
}
