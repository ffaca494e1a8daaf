// The ingest configuration's schema and the rules beyond it: defaults, every problem at once naming its
// key, cross-field rules, checks of what the keys name. Reading files and the environment:
// config-env.test.ts; the destinations' section: config-destinations.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validCidr } from '../common/config/ingest-rules.ts';
import { API_KEY_HASH } from '../common/config/patterns.ts';
import { loadConfig, parseConfig } from './config.ts';
import { keyConfigEntry, testApiKey } from './testing/api-keys.ts';
import { problemsOf } from './testing/config-problems.ts';

describe('config', () => {
  it('no file and no env gives sane defaults on the embedded store', () => {
    const c = loadConfig(undefined, {});
    expect(c.store.kind).toBe('embedded');
    expect(c.server.port).toBe(8080);
    expect(c.privacy.ipMode).toBe('truncate');
    expect(c.rateLimits.shared).toBe('local');
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it("the spool's row cache defaults to 1 MiB: under load it is full, so its size is resident at the peak", () => {
    expect(loadConfig(undefined, {}).spool.memoryBytes).toBe(1024 * 1024);
  });

  it('reports every problem at once, each naming its key path (a bad config never means silent zero values)', () => {
    const problems = problemsOf(() =>
      parseConfig({ server: { port: 'x', bogus: 1 }, privacy: { ipMode: 'nope' }, zzz: true }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'zzz: unknown key',
        'server.bogus: unknown key',
        'server.port: must be integer',
        'privacy.ipMode: must be one of keep, truncate, drop',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  // A schema problem hid every cross-field one: the user fixed the port, restarted, and met the next.
  it('reports cross-field problems with the schema’s, except a rule reading a key the schema refused', () => {
    const problems = problemsOf(() =>
      parseConfig({
        server: { port: '8080x', opsPort: 'x', trustedProxies: ['10.0.0.0/99'] },
        cors: { origins: ['*'], credentials: true },
        spool: { kind: 'nats' },
      }),
    );
    expect(problems).toEqual([
      'server.port: must be integer',
      'server.opsPort: must be integer',
      'cors.origins: "*" cannot be combined with cors.credentials (browsers reject it); list the origins',
      'server.trustedProxies.0: "10.0.0.0/99" is not an IP or CIDR',
      'spool.kind: "nats" needs spool.nats.url',
    ]);
  });

  // `scrypt$abc` loaded (the pattern asked for the prefix only), and every request with its key was a 401.
  it('refuses an API key hash the key command cannot have written, naming the key by its index', async () => {
    const good = keyConfigEntry((await testApiKey('0a000000-0000-4000-8000-00000000000a')).entry);
    const [, salt, hash] = good.hash.split('$');
    const bad = [
      'scrypt$abc',
      `scrypt$${salt}$${hash?.slice(1)}`,
      `scrypt$${salt}=$${hash}`,
      `scrypt$${salt}$${hash}$`,
    ];
    for (const h of bad) {
      expect(
        problemsOf(() => parseConfig({ apiKeys: { keys: [good, { ...good, id: 'b', hash: h }] } })),
      ).toEqual([`apiKeys.keys.1.hash: must be ${API_KEY_HASH.meaning}`]);
    }
    expect(parseConfig({ apiKeys: { keys: [good] } }).apiKeys.keys).toEqual([good]);
  });

  it('names the discriminant of a union instead of every branch', () => {
    expect(problemsOf(() => parseConfig({ store: { kind: 'mysql' } }))).toEqual([
      'store.kind: must be one of embedded, clickhouse',
    ]);
    expect(problemsOf(() => parseConfig({ store: { kind: 'embedded', extra: 1 } }))).toEqual([
      'store.extra: unknown key',
    ]);
  });

  // `store: {path: ...}` stopped the start with "store.kind: is required; store.database: is required",
  // although the reference gives both a default: a section without its kind is the default kind.
  it('a store section without its kind is the default embedded store, its other defaults filled in', () => {
    const c = parseConfig({ store: { path: '/srv/tracker/chdb' } });
    expect(c.store).toMatchObject({ kind: 'embedded', path: '/srv/tracker/chdb', database: 'tracker' });
    expect(problemsOf(() => parseConfig({ store: { path: '/x', url: 'http://ch:8123' } }))).toEqual([
      'store.url: unknown key',
    ]);
  });

  // Each was accepted and then matched nothing: every redirect refused, every preflight unanswered,
  // every WebSocket upgrade 403, with nothing saying why.
  it('refuses host names and origins written another way than requests carry them, naming the spelling', () => {
    const problems = problemsOf(() =>
      parseConfig({
        domains: {
          redirectAllowList: ['https://shop.example', '.example.org'],
          shortLinkHosts: ['go.example/'],
          websocketOrigins: ['app.example'],
        },
        cors: { origins: ['https://a.example/', 'https://b.example'] },
      }),
    );
    expect(problems).toEqual([
      'domains.redirectAllowList.0: "https://shop.example" is not a host name (no scheme, port or path); write "shop.example"',
      'domains.shortLinkHosts.0: "go.example/" is not a host name (no scheme, port or path); write "go.example"',
      'cors.origins.0: "https://a.example/" is not an origin (scheme://host[:port], no path, lower case); write "https://a.example"',
      'domains.websocketOrigins.0: "app.example" is not an origin (scheme://host[:port], no path, lower case); write "https://app.example"',
    ]);
  });

  // sql.port = server.port started, then stopped with "sql.port: … is in use by another process": itself.
  it('refuses the SQL endpoint on the public or the operations port', () => {
    expect(problemsOf(() => parseConfig({ server: { port: 18_391 }, sql: { port: 18_391 } }))).toEqual([
      'sql.port: must differ from server.port (the SQL endpoint is a port of its own)',
    ]);
    expect(problemsOf(() => parseConfig({ server: { opsPort: 18_392 }, sql: { port: 18_392 } }))).toEqual([
      'sql.port: must differ from server.opsPort (the SQL endpoint is a port of its own)',
    ]);
    // another address, or the endpoint off: no conflict
    expect(parseConfig({ server: { host: '10.0.0.1', port: 1 }, sql: { port: 1 } }).sql.port).toBe(1);
    expect(parseConfig({ server: { port: 1 }, sql: { port: 1, enabled: false } }).sql.port).toBe(1);
  });

  it('rejects CORS "*" with credentials (browsers refuse the combination)', () => {
    expect(problemsOf(() => parseConfig({ cors: { origins: ['*'], credentials: true } }))[0]).toMatch(
      /^cors\.origins:/,
    );
  });

  it('rejects bad trusted proxy CIDRs and nats sharing without a url', () => {
    const problems = problemsOf(() =>
      parseConfig({
        server: { trustedProxies: ['10.0.0.0/8', 'nope', '10.0.0.0/33'] },
        rateLimits: { shared: 'nats' },
      }),
    );
    expect(problems).toEqual([
      'server.trustedProxies.1: "nope" is not an IP or CIDR',
      'server.trustedProxies.2: "10.0.0.0/33" is not an IP or CIDR',
      'rateLimits.shared: "nats" needs nats.url',
    ]);
  });

  // Regression: a JetStream spool without spool.nats loaded, and the ingest then failed when the spool
  // opened; shared salts without a server silently stayed per process (cookieless ids differ per pod).
  it('refuses every setting that uses NATS while no server is named for it', () => {
    const problems = problemsOf(() =>
      parseConfig({
        spool: { kind: 'nats' },
        privacy: { salts: 'nats' },
        nats: { publish: true, consume: true },
      }),
    );
    expect(problems).toEqual([
      'spool.kind: "nats" needs spool.nats.url',
      'privacy.salts: "nats" needs nats.url',
      'nats.publish: true needs nats.url',
      'nats.consume: true needs nats.url',
    ]);
    const named = parseConfig({
      spool: { kind: 'nats', nats: { url: 'nats://n:4222' } },
      privacy: { salts: 'nats' },
      nats: { url: 'nats://n:4222', publish: true },
    });
    expect(named.spool.kind).toBe('nats');
  });

  it.each([
    ['10.0.0.0/8', true],
    ['::1', true],
    ['2001:db8::/32', true],
    ['10.0.0.0/', false],
    ['1.2.3.4/a', false],
    ['fe80::/129', false],
  ])('validCidr(%s) = %s', (cidr, ok) => expect(validCidr(cidr)).toBe(ok));
});

describe('maps with a key pattern', () => {
  // Regression: privacy.consentBits (and every other map whose keys have a pattern) took any key.
  it('refuses keys outside the pattern, naming the map and the key', () => {
    const token = join(mkdtempSync(join(tmpdir(), 'config-keys-')), 'token');
    writeFileSync(token, 'EAAB');
    const eventNames = { signup: 'CompleteRegistration', 'Sign Up': 'CompleteRegistration' };
    const problems = problemsOf(() =>
      parseConfig({
        privacy: { consentBits: { analytics: 1, Marketing: 2 } },
        retention: { tables: { 'Events!': 30 } },
        batching: { tables: { '1events': {} } },
        destinations: { facebook: [{ name: 'fb', pixelId: '1', accessTokenFile: token, eventNames }] },
      }),
    );
    expect(problems).toEqual([
      'batching.tables.1events: key must match pattern "^[a-z][a-z0-9_]{0,62}$"',
      'privacy.consentBits.Marketing: key must match pattern "^[a-z][a-z0-9_]*$"',
      'retention.tables.Events!: key must match pattern "^[a-z][a-z0-9_]{0,62}$"',
      'destinations.facebook.0.eventNames.Sign Up: key must match pattern "^[a-z0-9_.:-]{1,128}$"',
    ]);
  });
});

describe('checks beyond the schema', () => {
  it.each([
    [{ batching: { tables: { evnets: {} } } }, /batching\.tables\.evnets: no such table/],
    [{ batching: { tables: { hits: {} } } }, /batching\.tables\.hits: no such table/], // filled by a view
    // Regression: retention for a misspelt table was ignored; the table kept the default age.
    [{ retention: { tables: { evnets: 30 } } }, /retention\.tables\.evnets: no table with an age/],
    [{ geoip: { file: '/nonexistent/x.bin' } }, /geoip\.file: no such file/],
    // Regression: the start stopped on "cannot read /nonexistent/password: no such file", naming no key.
    [
      { sql: { passwordFile: '/nonexistent/password' } },
      /sql\.passwordFile: no such file: \/nonexistent\/password/,
    ],
    [
      { userAgent: { extraBotPatterns: ['('] } },
      /userAgent\.extraBotPatterns\.0: not a valid regular expression/,
    ],
    [
      {
        sites: {
          keys: [1, 2].map(() => ({ key: 'same_key_1', oid: '0a000000-0000-4000-8000-0000000000a1' })),
        },
      },
      /sites\.keys\.1\.key: used by an earlier entry/,
    ],
    [
      { store: { kind: 'clickhouse', url: 'http://ch:8123', cluster: 'c', hostUrls: ['http://a:8123'] } },
      /store\.hostUrls: only without store\.cluster/,
    ],
  ])('%j', (raw, problem) => {
    expect(() => parseConfig(raw)).toThrow(problem);
  });
});

describe('a tool on the ingest configuration', () => {
  // The prune CronJob mounts the configuration and the store password only: the TLS files and the hash key the
  // ingest pods mount are not there, and checking them stopped prune before it did anything.
  it('checks only the files it names', () => {
    const raw = {
      server: { tls: { certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' } },
      privacy: { hashKeyFile: '/nonexistent/hash.key' },
      store: { kind: 'clickhouse', url: 'http://ch:8123', passwordFile: '/nonexistent/password' },
    };
    expect(problemsOf(() => parseConfig(raw, 'inline', [], { files: ['store.passwordFile'] }))).toEqual([
      'store.passwordFile: no such file: /nonexistent/password',
    ]);
    expect(problemsOf(() => parseConfig(raw))).toHaveLength(4);
  });
});
