// The rule every forwarder and dead-letter rewrite applies to an erase request's mark: which stored
// events are the person's (the ids the store's erasure matches), within the request's org scope.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHasher } from '../../privacy/hash.ts';
import type { StoredEvent } from '../contract.ts';
import { ErasedSet, markOf } from './marks.ts';

const hasher = createHasher(randomBytes(32));
const VID = '0190a3b4-0000-7000-8000-000000000001';
const UID = '0190a3b4-0000-7000-8000-000000000002';
const OTHER = '0190a3b4-0000-7000-8000-000000000003';
const ORG = '0190a3b4-0000-7000-8000-0000000000a1';
const ORG2 = '0190a3b4-0000-7000-8000-0000000000a2';

const setOf = (...targets: Record<string, string>[]) => {
  const set = new ErasedSet(hasher);
  for (const [i, target] of targets.entries())
    set.add(markOf({ requestId: `r${i}`, askedAt: 1, target }, hasher));
  return set;
};

describe('an erased person', () => {
  it.each<[string, Record<string, string>, StoredEvent, boolean]>([
    ['by vid: an event of the vid', { vid: VID }, { vid: VID }, true],
    ['by vid: an event of another vid', { vid: VID }, { vid: OTHER }, false],
    ['by vid: the vid in the uid column is not the vid', { vid: VID }, { uid: VID }, false],
    ['by uid: an event of the uid, whatever its vid', { uid: UID }, { vid: OTHER, uid: UID }, true],
    ['by email hash: params.ehash', { ehash: 'h1' }, { vid: OTHER, params: { ehash: 'h1' } }, true],
    ['by email hash: another hash', { ehash: 'h1' }, { vid: OTHER, params: { ehash: 'h2' } }, false],
    ['by email hash: an event without params', { ehash: 'h1' }, { vid: OTHER }, false],
    ['in an org: an event of that org', { vid: VID, oid: ORG }, { vid: VID, oid: ORG }, true],
    ['in an org: an event of another org', { vid: VID, oid: ORG }, { vid: VID, oid: ORG2 }, false],
    // the store's erasure deletes the rows of no org in any org's scope: the backlog's copies go too
    ['in an org: an event of no org', { vid: VID, oid: ORG }, { vid: VID }, true],
    [
      'in an org: an event stored with the zero oid',
      { vid: VID, oid: ORG },
      { vid: VID, oid: '00000000-0000-0000-0000-000000000000' },
      true,
    ],
    ['in every org (the visitor itself)', { vid: VID }, { vid: VID, oid: ORG2 }, true],
    ['empty ids name nobody', { vid: VID }, { vid: '', uid: '', params: { ehash: '' } }, false],
  ])('%s', (_name, target, row, matches) => {
    expect(setOf(target).matches(row)).toBe(matches);
  });

  it('matches nothing once its mark is removed, and the other marks still', () => {
    const set = setOf({ vid: VID }, { uid: UID, oid: ORG });
    set.remove('r0');
    expect(set.matches({ vid: VID })).toBe(false);
    expect(set.matches({ uid: UID, oid: ORG })).toBe(true);
  });

  it('keeps digests only: no id of the person is in the mark', () => {
    const mark = markOf({ requestId: 'r', askedAt: 1, target: { vid: VID, uid: UID, ehash: 'h1' } }, hasher);
    expect(JSON.stringify(mark)).not.toMatch(new RegExp(`${VID}|${UID}|"h1"`));
    expect(mark.digests).toHaveLength(3);
    // another key (another ingest's) does not recognise the person
    const foreign = new ErasedSet(createHasher(randomBytes(32)));
    foreign.add(mark);
    expect(foreign.matches({ vid: VID })).toBe(false);
  });

  it('matches the events of the ids linked to the person, within the scope, as digests too', () => {
    const request = { requestId: 'r', askedAt: 1, target: { ehash: 'h1', oid: ORG } };
    const linked = { vids: [VID], uids: [UID] };
    const mark = markOf({ ...request, linked }, hasher);
    expect(mark.digests).toHaveLength(3);
    expect(JSON.stringify(mark)).not.toMatch(new RegExp(`${VID}|${UID}`));
    const set = new ErasedSet(hasher);
    set.add(markOf(request, hasher));
    expect(set.matches({ vid: VID, oid: ORG })).toBe(false);
    // recorded again once the links are read: the same request's mark, now with them
    set.add(mark);
    expect(set.size).toBe(1);
    expect(set.matches({ vid: VID, oid: ORG })).toBe(true);
    expect(set.matches({ vid: OTHER, uid: UID, oid: ORG })).toBe(true);
    expect(set.matches({ vid: VID, oid: ORG2 })).toBe(false);
    expect(set.matches({ vid: OTHER, oid: ORG })).toBe(false);
  });
});
