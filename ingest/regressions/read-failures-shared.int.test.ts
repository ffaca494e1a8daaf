// Regression: the SQL endpoint (a listener of its own) kept an allowance of wrong read credentials apart
// from the public port's (the dashboard), so a client had rateLimits.authFailuresPerMinute guesses on
// each: twice the allowance. One allowance per client now serves every listener that checks the read
// credential. The real process (`node ingest/server.ts`) over real HTTP, since the listeners are wired
// there; two clients (two loopback addresses) so each direction starts from a full allowance.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProcess, ingestProcess } from '../../e2e/browser/ingest-process.ts';

const ALLOWANCE = 3;
let ingest: IngestProcess;

beforeAll(async () => {
  ingest = await ingestProcess({
    rateLimits: { authFailuresPerMinute: ALLOWANCE },
    // on loopback the dashboard asks a browser naming loopback for nothing unless told to
    dashboard: { auth: 'always' },
  });
  await ingest.start();
}, 120_000);

afterAll(() => ingest?.stop());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request from `from` (a loopback address: the client the allowance is counted for). */
function ask(url: string, from: string, password: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        localAddress: from,
        headers: { authorization: `Basic ${btoa(`default:${password}`)}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dashboard = (from: string, password: string) => ask(`${ingest.url}/dashboard`, from, password);
const sql = (from: string, password: string) => ask(`${ingest.sqlUrl}/`, from, password, 'SELECT 1');

describe('wrong read credentials: one allowance per client across the public port and the SQL endpoint', () => {
  it('refuses on the SQL endpoint a client that spent its allowance at the dashboard', async () => {
    const from = '127.0.0.1';
    for (let i = 0; i < ALLOWANCE; i++) expect((await dashboard(from, `guess${i}`)).status).toBe(401);
    // refused before the check: the right password waits too
    const refused = await sql(from, ingest.password());
    expect(refused.status, refused.body).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-clickhouse-exception-code']).toBe('201');
    expect(refused.body).toMatch(/Too many failed authentications from this client/);
  });

  it('refuses at the dashboard a client that spent its allowance on the SQL endpoint', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < ALLOWANCE; i++) expect((await sql(from, `guess${i}`)).status).toBe(403);
    const refused = await dashboard(from, ingest.password());
    expect(refused.status, refused.body).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'RATE_LIMITED' });
  });
});
