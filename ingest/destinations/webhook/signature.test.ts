import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookBody } from './sender.ts';
import { signature, verifySignature } from './signature.ts';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const body = '{"destination":"crm","events":[]}';

describe('the webhook signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const t = NOW / 1000;
    const mac = createHmac('sha256', 'secret').update(`${t}.${body}`).digest('hex');
    expect(signature('secret', body, NOW)).toBe(`t=${t},v1=${mac}`);
  });

  it('verifies only the same body, secret and a recent time', () => {
    const header = signature('secret', body, NOW);
    expect(verifySignature(header, body, 'secret', NOW)).toBe(true);
    expect(verifySignature(header, body, 'secret', NOW + 299_000)).toBe(true);
    expect(verifySignature(header, `${body} `, 'secret', NOW)).toBe(false);
    expect(verifySignature(header, body, 'other', NOW)).toBe(false);
    expect(verifySignature(header, body, 'secret', NOW + 301_000)).toBe(false); // a replay, minutes later
    expect(verifySignature('t=abc,v1=00', body, 'secret', NOW)).toBe(false);
    expect(verifySignature('', body, 'secret', NOW)).toBe(false);
  });
});

describe('the webhook body', () => {
  it('is the stored rows without the match keys kept for ad platforms', () => {
    const row = {
      eid: 'e1',
      ename: 'signup',
      params: { plan: 'pro' },
      ad_match: { em: 'x', ua: 'y' },
    };
    expect(JSON.parse(webhookBody('crm', [row]))).toEqual({
      destination: 'crm',
      events: [{ eid: 'e1', ename: 'signup', params: { plan: 'pro' } }],
    });
  });
});
