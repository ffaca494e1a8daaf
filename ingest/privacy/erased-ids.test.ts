import { describe, expect, it } from 'vitest';
import { erasedIdsOf, namesPerson } from './erased-ids.ts';

const VID = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
const UID = '5d7c0a4e-2222-4aaa-8bbb-0000000000aa';
const ORG = '0a000000-0000-4000-8000-00000000000a';
const OTHER_ORG = '0a000000-0000-4000-8000-00000000000b';

describe('erasedIdsOf', () => {
  it.each([
    [
      'an event',
      { vid: VID, uid: UID, params: { ehash: 'h' } },
      [
        ['vid', VID],
        ['uid', UID],
        ['ehash', 'h'],
      ],
    ],
    ['params kept as JSON text', { params: '{"ehash":"h"}' }, [['ehash', 'h']]],
    ['an ltv row keyed by uid', { id_type: 'uid', id: UID }, [['uid', UID]]],
    ['empty ids name nobody', { vid: '', params: { ehash: '' } }, []],
    ['what is not a row', 'text', []],
  ])('%s', (_name, row, ids) => {
    expect(erasedIdsOf(row)).toEqual(ids);
  });
});

describe('namesPerson', () => {
  it.each([
    ['the vid, any org', { vid: VID }, { vid: VID, oid: OTHER_ORG }, true],
    ['the vid, in the scoped org', { vid: VID, oid: ORG }, { vid: VID, oid: ORG }, true],
    ['the vid, in another org', { vid: VID, oid: ORG }, { vid: VID, oid: OTHER_ORG }, false],
    // a row sent without an org is stored with the zero oid: in no org's scope, no erase request reached it
    [
      'the vid, stored without an org',
      { vid: VID, oid: ORG },
      { vid: VID, oid: '00000000-0000-0000-0000-000000000000' },
      true,
    ],
    ['the email hash', { ehash: 'h' }, { params: { ehash: 'h' } }, true],
    ['an ltv row of the uid (no org column)', { uid: UID, oid: ORG }, { id_type: 'uid', id: UID }, true],
    ['another visitor', { vid: VID }, { vid: UID }, false],
    ['a uid equal to the vid asked for is not the vid', { vid: VID }, { uid: VID }, false],
  ])('%s', (_name, ids, row, expected) => {
    expect(namesPerson(ids, row)).toBe(expected);
  });
});
