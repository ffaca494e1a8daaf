import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { IngestError } from '../errors.ts';
import { createSiteBinder } from './site-keys.ts';

const OID = '0a000000-0000-4000-8000-0000000000a1';
const sites = (required: boolean) =>
  parseConfig({
    sites: { required, keys: [{ key: 'public_key_1', oid: OID, origins: ['https://a.example'] }] },
  }).sites;

describe('site write keys', () => {
  it('without sites.required, an event without a key passes unchanged', () => {
    expect(createSiteBinder(sites(false))([{ ename: 'x', oid: 'other' }], {})).toEqual([
      { ename: 'x', oid: 'other' },
    ]);
  });

  it('with sites.required, an event without a key is refused with 401', () => {
    const bind = createSiteBinder(sites(true));
    expect(() => bind([{ ename: 'x' }], {})).toThrow(IngestError);
    expect(() => bind([{ ename: 'x' }], {})).toThrow(/site key is required/);
  });

  it('a key binds oid and org and is not kept in the event; a request without Origin may use it', () => {
    const bind = createSiteBinder(sites(true));
    expect(bind([{ ename: 'x', oid: 'forged', site_key: 'public_key_1' }], {})).toEqual([
      { ename: 'x', oid: OID, org: '' },
    ]);
    expect(() => bind([{ site_key: 'public_key_1' }], { origin: 'https://b.example' })).toThrow(/origin/);
  });

  it.each([
    ['in the event', [{ ename: 'x', site_key: 'typo_key_1' }], {}],
    ['in the X-Site-Key header', [{ ename: 'x' }], { headerKey: 'typo_key_1' }],
  ])('an unknown key %s is refused with 401, also by an ingest without site keys', (_w, raws, req) => {
    // regression: without sites.keys the key was kept in params and the event accepted, bound to nothing
    const none = parseConfig({}).sites;
    expect(() => createSiteBinder(none)(raws, req)).toThrow(/unknown site key: this ingest has no site keys/);
    expect(() => createSiteBinder(sites(false))(raws, req)).toThrow(
      /unknown site key: no entry of sites.keys/,
    );
    expect(createSiteBinder(none)([{ ename: 'x' }], {})).toEqual([{ ename: 'x' }]);
  });
});
