// createTracker: wires options, consent, identity, the queue, a transport and the page hooks.
import { watchClicks } from './clicks.ts';
import { hasBit, toFlags } from './consent.ts';
import { pageContext, privacySignal } from './context.ts';
import { createIdentity } from './identity.ts';
import { uuid } from './ids.ts';
import { pageKey, watchNavigation } from './navigation.ts';
import { resolveOptions } from './options.ts';
import { AGREE, createQueue, type Ev } from './queue.ts';
import { createSender } from './sender.ts';
import { createStorage, readConsentCookie, writeConsentCookie } from './storage.ts';
import { httpTransport } from './transport.ts';
import type { Consent, Props, Tracker, TrackerOptions } from './types.ts';
import { wsTransport } from './ws.ts';

const IDS = ['vid', 'sid', 'uid'];
const withoutIds = (ev: Ev): Ev => Object.fromEntries(Object.entries(ev).filter(([k]) => !IDS.includes(k)));
/** An event made under a withdrawn consent: its identifiers go, and it carries the new cflags. A consent
 * record is kept as it was made: it is the evidence of what that visitor decided. */
const underWithdrawal = (flags: number) => (ev: Ev) =>
  AGREE in ev ? ev : { ...withoutIds(ev), cflags: flags };

export function createTracker(options: TrackerOptions): Tracker {
  const { tracker, start } = prepareTracker(options);
  start();
  return tracker;
}

/**
 * The tracker before its automatic first page view, which `start` sends. The script tag applies the
 * consent and user id queued before it loaded in between: replayed after the page view, the page view went
 * out without them (cookieless, counted as a second visitor) or with a consent the visitor had withdrawn.
 */
export function prepareTracker(options: TrackerOptions): { tracker: Tracker; start: () => void } {
  const o = resolveOptions(options);
  // Do-Not-Track / GPC with respectDnt: the tracker exists (calls are safe) but records and stores nothing
  const off = o.respectDnt && privacySignal();
  const store = createStorage();
  let flags = readConsentCookie() ?? o.consent;
  store.allowed = !off && hasBit(flags, o.analyticsBit);
  // consent withdrawn since a visit that stored something (or DNT turned on): nothing of it may remain
  if (!store.allowed) store.clear();
  const ids = createIdentity(store, o.sessionMs);
  const queue = createQueue(store, o.maxQueue, (ev) => o.onDrop(ev, 'QUEUE_FULL'), Date.now);
  const http = httpTransport(o.endpoint, o.credentials);
  const transport = o.transport === 'websocket' ? wsTransport(o.endpoint, http) : http;
  const sender = createSender(queue, transport, { ...o, persistent: () => store.allowed });

  const emit = (props: Props): string | undefined => {
    if (off) return undefined;
    const now = Date.now();
    const eid = uuid();
    queue.add({ ...o.site, ...pageContext(), ...props, ...ids.stamp(now), eid, time: now, cflags: flags });
    sender.schedule();
    return eid;
  };

  let last = document.referrer;
  let key = pageKey(location);
  const page = (props?: Props) => {
    const eid = emit({ ename: 'page_view', etyp: 'view', ...(last ? { last } : {}), ...props });
    last = location.href;
    key = pageKey(location);
    return eid;
  };
  const onNavigate = () => {
    if (pageKey(location) !== key) page();
  };

  const hide = () => sender.hide();
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') hide();
  };
  const online = () => void sender.flush();
  const undo = off
    ? []
    : [
        o.pageviews ? watchNavigation(onNavigate) : () => {},
        watchClicks(o, emit),
        listen(window, 'pagehide', hide),
        listen(document, 'visibilitychange', onVisibility),
        listen(window, 'online', online),
      ];
  if (!off) void queue.adopt().then(() => queue.size() > 0 && sender.schedule());

  const tracker: Tracker = {
    page,
    track(ename, props) {
      if (typeof ename !== 'string' || ename === '')
        throw new TypeError('track: ename must be a non-empty string');
      return emit({ ...props, ename });
    },
    identify(uid) {
      ids.setUid(uid ?? undefined);
    },
    consent(value: Consent) {
      flags = toFlags(value, o.consentBits);
      if (off) return;
      // A consent manager may repeat the stored decision on every page: that is no new decision to record.
      const decided = readConsentCookie() !== flags;
      writeConsentCookie(flags);
      const was = store.allowed;
      // the visitor who decided: the ids before a withdrawal (which forgets them), or after a grant
      // the decision's time travels with the record: a record queued while the ingest is down arrives late
      const now = Date.now();
      const before = ids.stamp(now);
      store.allowed = hasBit(flags, o.analyticsBit);
      if (was && !store.allowed) {
        ids.forget();
        store.clear();
        // events not yet sent were made under the old consent: they go out without identifiers
        queue.rewrite(underWithdrawal(flags));
      } else queue.persist();
      if (!decided) return;
      // the ingest's consent record (history and latest per visitor), queued and retried like an event
      queue.add({
        ...o.site,
        ...pageContext(),
        ...before,
        ...ids.stamp(now),
        time: now,
        cflags: flags,
        [AGREE]: 1,
      });
      sender.schedule();
    },
    get cflags() {
      return flags;
    },
    pending: () => queue.size(),
    flush: () => sender.flush(),
    stop() {
      for (const u of undo) u();
      sender.stop();
      transport.close();
      queue.close();
    },
  };
  const start = () => {
    if (o.pageviews) page();
  };
  return { tracker, start };
}

function listen(target: EventTarget, type: string, fn: () => void): () => void {
  target.addEventListener(type, fn);
  return () => target.removeEventListener(type, fn);
}
