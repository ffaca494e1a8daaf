// Short links to a tracked redirect on our hosts resolve in one hop: the pure parts table-driven,
// then the route through inject() on the data-path test double (the real store: functional.int.test.ts).
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { newApiKey } from '../../auth/api-keys.ts';
import { parseConfig } from '../../config.ts';
import { createDataPathDouble, type DataPathDouble } from '../../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../../testing/deps.ts';
import { finalDestination, trackedTarget } from './tracked-target.ts';

const OURS = new Set(['t.example', 'go.example']);
const config = parseConfig({
  domains: { redirectAllowList: ['example.com'], defaultRedirect: 'https://example.com/home' },
});

describe('trackedTarget', () => {
  it.each([
    ['https://example.com/sale', undefined],
    ['https://other.test/tr/v1/rdr/?url=https://example.com/', undefined],
    ['https://t.example/tr/v1/tr/?url=https://example.com/', undefined],
    ['https://t.example/tr/v1/rdrx/?url=https://example.com/', undefined],
    ['not a url', undefined],
    ['https://T.Example/tr/v1/rdr/?url=https://example.com/a', { url: 'https://example.com/a', values: {} }],
    [
      'https://go.example/tr/v1/rdr/ename/Spring_Click?url=%2Fsale&utm_source=News&oid=x&url=https://evil.test/',
      { url: '/sale', values: { ename: 'Spring_Click', source: 'News', oid: 'x' } },
    ],
    ['https://t.example/tr/v1/rdr?campaign=c', { url: undefined, values: { campaign: 'c' } }],
  ])('%s → %j', (urlto, expected) => {
    const t = trackedTarget(urlto, OURS);
    expect(t === undefined ? undefined : { url: t.url, values: t.values }).toEqual(expected);
  });
});

describe('finalDestination', () => {
  const target = (url: string | undefined) => ({ origin: 'https://t.example', url, values: {} });
  it.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['/sale?x=1', 'https://t.example/sale?x=1'], // relative: stays on the rdr host, as after two hops
    [undefined, 'https://example.com/home'], // domains.defaultRedirect, as /tr/v1/rdr
  ])('%s → %s', (url, expected) => {
    expect(finalDestination(target(url), config)).toBe(expected);
  });
  it('refuses a destination off the allow-list (the one hop is no open redirect either)', () => {
    expect(() => finalDestination(target('https://evil.test/'), config)).toThrow(
      /^url host evil\.test is not on the allow-list \(domains\.redirectAllowList\)$/,
    );
  });
  // the visitor's request has no querystring.url: the url is the stored target's
  it('names a malformed destination as the target’s url, not as a query key of the request', () => {
    expect(() => finalDestination(target('https://[bad'), config)).toThrow(/^url is not a valid URL$/);
  });
});

describe('GET /<slug> of a short link to a tracked redirect', () => {
  let dp: DataPathDouble;
  let app: FastifyInstance;
  let auth = '';
  beforeEach(async () => {
    const { key, entry } = await newApiKey(TEST_OID, 'acme');
    auth = `Bearer ${key}`;
    dp = createDataPathDouble();
    const domains = {
      redirectAllowList: ['example.com'],
      shortLinkHosts: ['go.example'],
      trackerHosts: ['t.example'],
    };
    app = await buildApp(await testDeps(dp, { domains }, { keys: [entry] }));
  });
  afterEach(() => app.close());

  const link = async (slug: string, urlto: string) => {
    const payload = { urlfrom: `go.example/${slug}`, urlto };
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/rpi/redirect',
      payload,
      headers: { authorization: auth },
    });
    expect(res.statusCode).toBe(201);
  };
  const follow = (slug: string) => app.inject({ url: `/${slug}`, headers: { host: 'go.example' } });

  it('goes straight to the final destination and records one redirect event with the target values', async () => {
    await link(
      'spring',
      'https://t.example/tr/v1/rdr/?url=https%3A%2F%2Fexample.com%2Fsale&utm_campaign=Spring',
    );
    const res = await follow('spring');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://example.com/sale');
    expect(dp.table('events')).toHaveLength(1);
    expect(dp.table('events')[0]).toMatchObject({
      etyp: 'redirect',
      ename: 'short_rdr',
      campaign: 'spring',
      url: 'https://example.com/sale',
      last: '/spring',
      oid: TEST_OID,
    });
  });

  it('a final destination off the allow-list is refused, and nothing is recorded', async () => {
    await link('bad', 'https://t.example/tr/v1/rdr/?url=https%3A%2F%2Fevil.test%2F');
    const res = await follow('bad');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'REDIRECT_NOT_ALLOWED' });
    expect(dp.table('events')).toHaveLength(0);
  });

  it('an rdr URL on a host that is not ours is an ordinary target (two hops)', async () => {
    const urlto = 'https://example.com/tr/v1/rdr/?url=https%3A%2F%2Fexample.com%2Fsale';
    await link('plain', urlto);
    const res = await follow('plain');
    expect(res.headers.location).toBe(urlto);
    expect(dp.table('events')[0]).toMatchObject({ ename: 'short_rdr', url: urlto });
  });
});
