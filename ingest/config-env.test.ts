// The ingest configuration from its file (YAML or JSON, TRACKER_CONFIG) and TRACKER_* environment
// overrides: what a variable sets, adds or replaces, and a problem it caused named by the variable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { problemsOf } from './testing/config-problems.ts';

describe('config from a file and the environment', () => {
  // It named the file, which did not hold the value, and not the variable that set it.
  it('names the variable that set a value the schema refuses, beside the file it was merged with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const json = join(dir, 'c.json');
    writeFileSync(json, JSON.stringify({ server: { opsPort: -1 } }));
    const env = { TRACKER_SERVER__PORT: 'abc', TRACKER_BATCHING__TABLES__EVENTS__MAXDELAYMS: '-5' };
    const err = (() => {
      try {
        loadConfig(json, env);
      } catch (e) {
        return e as Error;
      }
      throw new Error('loaded');
    })();
    expect(err.message).toContain(`invalid configuration (${json} + env)`);
    expect(err.message).toContain('server.port: must be integer (set by TRACKER_SERVER__PORT)');
    expect(err.message).toContain(
      'batching.tables.events.maxDelayMs: must be >= 0 (set by TRACKER_BATCHING__TABLES__EVENTS__MAXDELAYMS)',
    );
    expect(err.message).toMatch(/^ {2}- server\.opsPort: must be >= 0$/m);
    expect(err.message).not.toMatch(/opsPort[^\n]*set by/);
  });

  it('reads YAML and JSON files and lets env override them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const yaml = join(dir, 'c.yaml');
    writeFileSync(yaml, 'server:\n  port: 9000\ncors:\n  origins: [https://a.example]\n');
    const json = join(dir, 'c.json');
    writeFileSync(json, JSON.stringify({ server: { port: 9001 } }));
    expect(loadConfig(yaml, {}).cors.origins).toEqual(['https://a.example']);
    expect(loadConfig(json, {}).server.port).toBe(9001);
    const env = { TRACKER_SERVER__PORT: '9100', TRACKER_RATELIMITS__PERIPPERDAY: '50' };
    const c = loadConfig(yaml, env);
    expect(c.server.port).toBe(9100);
    expect(c.rateLimits.perIpPerDay).toBe(50);
  });

  // These answered "no configuration key batching.tables.events": a map's entries could not be named.
  it('env names a map entry by its lower-cased name, beside the entries of the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const yaml = join(dir, 'c.yaml');
    writeFileSync(yaml, 'batching:\n  tables:\n    logs: {maxRows: 10}\n');
    const c = loadConfig(yaml, {
      TRACKER_BATCHING__TABLES__EVENTS__MAXDELAYMS: '1000',
      TRACKER_RETENTION__TABLES__EVENTS: '90',
    });
    expect(c.batching.tables).toEqual({ logs: { maxRows: 10 }, events: { maxDelayMs: 1000 } });
    expect(c.retention.tables.events).toBe(90);
    expect(
      problemsOf(() => loadConfig(undefined, { TRACKER_BATCHING__TABLES__EVENTS__MAXDELAY: '1' })),
    ).toEqual([
      'TRACKER_BATCHING__TABLES__EVENTS__MAXDELAY: no configuration key batching.tables.events.maxdelay',
    ]);
  });

  // TRACKER_PRIVACY__CONSENTBITS__ADS=3 replaced the default map, so start failed with
  // "privacy.analyticsBit: analytics is not a key".
  it('env naming one entry of a map with defaults adds to the defaults, or to the file’s entries', () => {
    const env = { TRACKER_PRIVACY__CONSENTBITS__ADS: '3' };
    expect(loadConfig(undefined, env).privacy.consentBits).toEqual({
      necessary: 0,
      analytics: 1,
      marketing: 2,
      ads: 3,
    });
    expect(
      loadConfig(undefined, { TRACKER_PRIVACY__CONSENTBITS__MARKETING: '5' }).privacy.consentBits,
    ).toEqual({ necessary: 0, analytics: 1, marketing: 5 });
    const yaml = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
    writeFileSync(yaml, 'privacy:\n  consentBits: {stats: 4}\n  analyticsBit: stats\n');
    expect(loadConfig(yaml, env).privacy.consentBits).toEqual({ stats: 4, ads: 3 });
    // the variable naming the map itself replaces it, as a file would
    const whole = { TRACKER_PRIVACY__CONSENTBITS: '{"stats":4}', TRACKER_PRIVACY__ANALYTICSBIT: 'stats' };
    expect(loadConfig(undefined, whole).privacy.consentBits).toEqual({ stats: 4 });
  });

  // TRACKER_CORS__ORIGINS=https://a.example stopped the start with "cors.origins: must be array".
  it('a list set from a variable that is not JSON names the variable and how to write it', () => {
    expect(
      problemsOf(() =>
        loadConfig(undefined, { TRACKER_CORS__ORIGINS: 'https://a.example, https://b.example' }),
      ),
    ).toEqual([
      `TRACKER_CORS__ORIGINS: cors.origins is a list: write it as JSON, TRACKER_CORS__ORIGINS='["https://a.example","https://b.example"]'`,
    ]);
    expect(loadConfig(undefined, { TRACKER_CORS__ORIGINS: '["https://a.example"]' }).cors.origins).toEqual([
      'https://a.example',
    ]);
  });

  it('TRACKER_CONFIG names the file; unknown env keys and unreadable files are problems', () => {
    expect(problemsOf(() => loadConfig(undefined, { TRACKER_SERVER__PROT: '1' }))).toEqual([
      'TRACKER_SERVER__PROT: no configuration key server.prot',
    ]);
    expect(problemsOf(() => loadConfig('/nonexistent/x.yaml', {}))[0]).toMatch(/cannot read/);
    expect(problemsOf(() => loadConfig(undefined, { TRACKER_CONFIG: '/nonexistent.json' }))[0]).toMatch(
      /cannot read/,
    );
  });

  it('ignores the reserved non-config TRACKER_* names (regression: make run exported TRACKER_CACHE → exit 2)', () => {
    const env = {
      TRACKER_CACHE: '/root/.cache/tracker',
      TRACKER_KEEP_ENV: '1',
      TRACKER_OPERATOR_LOG: 'info',
      // the version /status reports, read by the ingest itself: it once refused to start with it set
      TRACKER_VERSION: '1.2.3',
      // what the README has a shell behind a proxy export for `make test`, and the browser and kind tests' own
      TRACKER_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
      TRACKER_CHROMIUM: '/usr/bin/chromium',
      TRACKER_E2E_KEEPER_IMAGE: 'keeper:test',
    };
    expect(loadConfig(undefined, env).server.port).toBe(8080);
    expect(problemsOf(() => loadConfig(undefined, { ...env, TRACKER_CACHES: 'x' }))).toEqual([
      'TRACKER_CACHES: no configuration key caches',
    ]);
  });
});
