// An erasure journal entry as both journals store it (JSON), and its reading back: a value that is not an
// entry is answered with what is wrong with it, never thrown, so one damaged entry costs that request alone.
import { asUuid } from '../model/ids.ts';
import type { EraseTarget, LinkedIds } from '../repositories/index.ts';
import type { JournalEntry } from './contract.ts';

// `linked` came later as an optional field of version 1: an entry without it is still read (its lookup is
// run again), and a version that predates it ignores it and resumes the request as it always did.
const VERSION = 1;
const MAX_EHASH = 128;

/** The stored form of an entry (both journals store the same JSON). */
export function encodeEntry(entry: JournalEntry): string {
  return JSON.stringify({
    v: VERSION,
    request_id: entry.requestId,
    asked_at: entry.askedAt,
    target: entry.target,
    ...(entry.linked === undefined ? {} : { linked: entry.linked }),
  });
}

/** The entry the value holds, or what is wrong with it; `id` is the request id its name says. */
export function parseEntry(value: unknown, id: string | undefined): JournalEntry | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.v !== VERSION) return `version ${JSON.stringify(v.v)} is not ${VERSION}`;
  const requestId = asUuid(v.request_id);
  if (requestId === undefined || requestId !== id) return 'its name is not its request id';
  const askedAt = v.asked_at;
  if (typeof askedAt !== 'number' || !Number.isFinite(askedAt) || askedAt <= 0) return 'no asked_at';
  const target = parseTarget(v.target);
  if (typeof target === 'string') return target;
  if (v.linked === undefined) return { requestId, target, askedAt };
  const linked = parseLinked(v.linked);
  return typeof linked === 'string' ? linked : { requestId, target, askedAt, linked };
}

/**
 * The recorded lookup. A damaged one refuses the entry rather than being dropped: resumed without it, the
 * request could report done with the linked ids' rows left (an operator can remove the field to have
 * the lookup run again).
 */
function parseLinked(value: unknown): LinkedIds | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'linked is not an object';
  const { vids, uids, ips, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown linked fields ${Object.keys(rest).join(', ')}`;
  const uuids = (list: unknown) =>
    Array.isArray(list) && list.every((id) => asUuid(id) !== undefined) ? (list as string[]) : undefined;
  // the IPs as the events stored them, whatever they are (an entry the worker wrote is never refused)
  const addresses = (list: unknown) =>
    Array.isArray(list) && list.every((ip) => typeof ip === 'string') ? (list as string[]) : undefined;
  const parsed = { vids: uuids(vids), uids: uuids(uids), ips: addresses(ips) };
  for (const [key, list] of Object.entries(parsed))
    if (list === undefined) return `linked ${key} is not a list of ${key === 'ips' ? 'strings' : 'UUIDs'}`;
  return parsed as LinkedIds;
}

function parseTarget(value: unknown): EraseTarget | string {
  if (typeof value !== 'object' || value === null) return 'no target';
  const { vid, uid, ehash, oid, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown target fields ${Object.keys(rest).join(', ')}`;
  const ids = { vid: asUuid(vid), uid: asUuid(uid), oid: asUuid(oid) };
  for (const [key, given] of Object.entries({ vid, uid, oid })) {
    if (given !== undefined && ids[key as keyof typeof ids] === undefined)
      return `target ${key} is not a UUID`;
  }
  // whatever the route accepts as an ehash is accepted here: an entry it wrote is never refused at resume
  const hash = typeof ehash === 'string' && ehash.length <= MAX_EHASH ? ehash : undefined;
  if (ehash !== undefined && hash === undefined) return 'target ehash is not a hash';
  if (ids.vid === undefined && ids.uid === undefined && hash === undefined) return 'target names nobody';
  return Object.fromEntries(
    Object.entries({ ...ids, ehash: hash }).filter(([, id]) => id !== undefined),
  ) as EraseTarget;
}
