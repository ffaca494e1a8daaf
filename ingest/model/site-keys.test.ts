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
});
