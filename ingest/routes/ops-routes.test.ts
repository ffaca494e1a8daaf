// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
// Here: probes, the operations app (/metrics, /status), the WebSocket path without an upgrade, /clear and
// unknown paths.
// The shared setup (a fresh app on a fresh double per test) is testing/routes-app.ts.
import { describe, expect, it } from 'vitest';
import { app, dp, freshAppsPerTest, ops } from './testing/routes-app.ts';

freshAppsPerTest();

describe('ops', () => {
  it('probes answer and never record events', async () => {
    for (const url of ['/health', '/ready', '/ping']) {
      expect((await app.inject({ url })).statusCode).toBe(200);
    }
    expect((await app.inject({ url: '/ping' })).body).toBe('pong');
    expect(dp.rows.size).toBe(0);
  });
  // /ready said 200 while the spool refused every append: a load balancer kept the instance in rotation.
  it('/ready is 503 with the reason while the data path refuses appends', async () => {
    const refusing = {
      ...dp.status(),
      ready: false,
      reason: 'the spool is full (spool.maxBytes 1024 bytes)',
    };
    dp.status = () => refusing;
    const res = await app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      draining: false,
      breaker: 'closed',
      reason: 'the spool is full (spool.maxBytes 1024 bytes)',
    });
  });
  // Regression: /metrics and /status were routes of the public app, so the ingest Service (a LoadBalancer
  // in the production example) served the service's load, versions and store state to the internet.
  it('/metrics and /status are on the operations app only: the public app answers 404', async () => {
    for (const url of ['/metrics', '/status']) {
      expect((await app.inject({ url })).statusCode, url).toBe(404);
      expect((await ops.inject({ url })).statusCode, url).toBe(200);
    }
    expect((await ops.inject({ url: '/metrics' })).body).toMatch(/tracker_http_requests_total/);
    expect((await ops.inject({ url: '/status' })).json()).toMatchObject({ dataPath: { ready: true } });
    for (const url of ['/tr/v1/tr/', '/health', '/ready']) {
      const res = await ops.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: 'NOT_FOUND', message: `no route GET ${url}` });
    }
    expect(dp.rows.size).toBe(0);
  });
  it('the operations app refuses as the public one does: a wrong method is 405 with Allow', async () => {
    const res = await ops.inject({ method: 'POST', url: '/metrics' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json()).toEqual({
      error: 'METHOD_NOT_ALLOWED',
      message: '/metrics answers GET, HEAD, not POST',
    });
  });
  // It answered a bare 404 with no body, as if the endpoint did not exist.
  it('a plain GET of the WebSocket path → 426 JSON naming the upgrade, no event', async () => {
    const res = await app.inject({ url: '/tr/v1/ws' });
    expect(res.statusCode).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    expect(res.json()).toEqual({
      error: 'UPGRADE_REQUIRED',
      message: expect.stringMatching(/Upgrade: websocket/),
    });
    expect(dp.rows.size).toBe(0);
  });
  it('counts every request by route, method and status, and times it by route', async () => {
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'a' } });
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'b' } });
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: '[1]' });
    await app.inject({ method: 'HEAD', url: '/tr/v1/img/' });
    await app.inject({ method: 'PATCH', url: '/tr/v1/tr/' }); // no route takes PATCH: a 405
    const text = (await ops.inject({ url: '/metrics' })).body;
    const count = (labels: string) =>
      text.match(new RegExp(`^tracker_http_requests_total\\{${labels}\\} (\\d+)$`, 'm'))?.[1];
    expect(count('route="/tr/v1/tr/\\*",method="POST",status="200"')).toBe('2');
    expect(count('route="/tr/v1/tr/\\*",method="POST",status="400"')).toBe('1');
    expect(count('route="/tr/v1/img/\\*",method="HEAD",status="200"')).toBe('1');
    expect(count('route="unknown",method="PATCH",status="405"')).toBe('1');
    const timed = (route: string) =>
      text.match(
        new RegExp(`^tracker_http_request_duration_seconds_count\\{route="${route}"\\} (\\d+)$`, 'm'),
      )?.[1];
    expect(timed('/tr/v1/tr/\\*')).toBe('3');
    expect(timed('unknown')).toBe('1');
    expect(text).toMatch(/^tracker_rows_accepted_total\{table="events"\} 2$/m);
  });
  it('/clear sends Clear-Site-Data', async () => {
    expect((await app.inject({ url: '/clear' })).headers['clear-site-data']).toBe('"*"');
  });
  it('unknown paths on non short-link hosts → 404 JSON, no event', async () => {
    const res = await app.inject({ url: '/favicon.ico' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect(dp.rows.size).toBe(0);
  });
  // The Go tracker's /api reverse proxy and /tr/v1/pub file server are left to the Ingress (docs/go-tracker.md):
  // the ingest neither forwards a request nor reads a file for them.
  it.each([
    ['GET', '/api/v2/users?id=1'],
    ['POST', '/api/orders'],
    ['GET', '/tr/v1/pub/tracker.js'],
    ['GET', '/tr/v1/pub/../../etc/passwd'],
  ])('%s %s → 404 JSON, no event (no proxy, no static files)', async (method, url) => {
    const res = await app.inject({ method: method as 'GET' | 'POST', url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect(dp.rows.size).toBe(0);
  });
});
