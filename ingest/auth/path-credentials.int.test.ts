// The credentials-in-path admin form, behind apiKeys.allowPathCredentials, on the real data path + chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';
import { hashApiKey } from './api-keys.ts';

const UID = '14fb0860-b4bf-41e9-8971-7b80435315ac';
const OID = '0c000000-0000-4000-8000-00000000000c';
let live: Live;

beforeAll(async () => {
  live = await startLive({
    domains: { shortLinkHosts: ['go.example'] },
    apiKeys: { allowPathCredentials: true },
  });
  const pwd = await hashApiKey('correct horse');
  await live.store.command(
    'INSERT INTO accounts (uid, pwd, oid) VALUES ({uid:UUID}, {pwd:String}, {oid:UUID})',
    { uid: UID, pwd, oid: OID },
  );
});
afterAll(() => live.close());

const create = (password: string) =>
  fetch(`${live.url}/tr/v1/rpi/redirect/${UID}/${encodeURIComponent(password)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ urlfrom: 'go.example/legacy', urlto: 'https://example.com/old-client' }),
  });

describe('path credentials (behind a flag, scrypt passwords)', () => {
  it('accepts the scrypt-hashed account password and scopes the link to its org', async () => {
    expect((await create('correct horse')).status).toBe(201);
    const res = await fetch(
      `${live.url}/tr/v1/rpi/redirects/${UID}/${encodeURIComponent('correct horse')}/go.example`,
    );
    const body = (await res.json()) as { results: { urlto: string }[] };
    expect(body.results.map((r) => r.urlto)).toEqual(['https://example.com/old-client']);
  });

  it('refuses a wrong password', async () => {
    expect((await create('password')).status).toBe(401);
  });
});
