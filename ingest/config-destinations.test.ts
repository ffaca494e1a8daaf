// The destinations' section of the ingest configuration (Facebook Conversions API, webhooks): its
// defaults, what the schema refuses, and the checks across keys, files and directories.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { problemsOf } from './testing/config-problems.ts';

describe('destinations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-destinations-'));
  const token = join(dir, 'token');
  writeFileSync(token, 'EAAB');
  const fb = (over: object = {}) => ({ name: 'fb', pixelId: '123', accessTokenFile: token, ...over });
  const hook = (over: object = {}) => ({
    name: 'crm',
    url: 'https://crm.example/in',
    signingSecretFile: token,
    consent: [],
    ...over,
  });

  it('defaults: the current Graph API, the marketing bit, every event, Facebook’s 1000 events per request', () => {
    const c = parseConfig({ destinations: { facebook: [fb()] } });
    expect(c.destinations.facebook[0]).toMatchObject({
      graphApiVersion: 'v27.0',
      consent: ['marketing'],
      actionSource: 'website',
      route: { enames: [], etyps: [] },
      delivery: { maxEventsPerRequest: 1000 },
    });
  });

  it.each([
    [{ facebook: [fb({ delivery: { maxEventsPerRequest: 1001 } })] }, /maxEventsPerRequest: must be <= 1000/],
    [{ facebook: [fb({ consent: [] })] }, /facebook\.0\.consent: must not have fewer than 1 items/],
    [{ facebook: [fb({ accessToken: 'inline' })] }, /facebook\.0\.accessToken: unknown key/],
    [{ facebook: [fb({ graphApiVersion: '23' })] }, /graphApiVersion: must match pattern/],
    [
      { webhooks: [{ name: 'crm', url: 'https://crm.example/in', signingSecretFile: token }] },
      /webhooks\.0\.consent: is required/,
    ],
  ])('%j is refused by the schema', (destinations, problem) => {
    expect(() => parseConfig({ destinations })).toThrow(problem);
  });

  it('checks names, consent bits, files and the backlog directory, all at once', () => {
    const problems = problemsOf(() =>
      parseConfig({
        spool: { dir: join(dir, 'spool') },
        destinations: {
          dir: join(dir, 'spool', 'destinations'),
          facebook: [fb({ consent: ['marketting'] })],
          webhooks: [hook({ name: 'fb', signingSecretFile: join(dir, 'missing') })],
        },
      }),
    );
    expect(problems).toEqual([
      `destinations.webhooks.0.signingSecretFile: no such file: ${join(dir, 'missing')}`,
      'destinations.facebook.0.consent.0: "marketting" is not a key of privacy.consentBits',
      'destinations.webhooks.0.name: "fb" is used by another destination',
      'destinations.dir: must not be inside spool.dir (its folders would be read as tables)',
    ]);
  });

  // A webhook at https://user:pw@… started, then every delivery failed alike ("no answer: Request cannot
  // be constructed from a URL that includes credentials") and its events were retried for ever.
  it('refuses a destination URL fetch can never request', () => {
    const problems = problemsOf(() =>
      parseConfig({
        destinations: {
          facebook: [fb({ graphApiUrl: 'http://' })],
          webhooks: [hook({ url: 'https://user:pw@crm.example/in' })],
        },
      }),
    );
    expect(problems).toEqual([
      'destinations.facebook.0.graphApiUrl: "http://" is not a URL',
      'destinations.webhooks.0.url: a URL with credentials (user:password@) cannot be requested; leave them out',
    ]);
  });
});
