import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProcess, ingestProcess } from '../e2e/browser/ingest-process.ts';
import { browser, script, useBrowserSuite } from './testing/browser-suite.ts';

useBrowserSuite();

// examples/web/index.html is what a new user opens after `make run`: straight from disk (a file:// page),
// against an ingest with make run's defaults (CORS for any origin), loading the client from the ingest.
describe('examples/web/index.html', () => {
  const MAKE_RUN = 'http://127.0.0.1:8080';
  const EXAMPLE_OID = '0a000000-0000-4000-8000-00000000000a';
  let local: IngestProcess;
  beforeAll(async () => {
    local = await ingestProcess({});
    await local.start();
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('opened from disk, sends its page view and the button’s event, and says both were acknowledged', async () => {
    const html = readFileSync(new URL('../examples/web/index.html', import.meta.url), 'utf8');
    expect(html).toContain(`${MAKE_RUN}/tr/v1/client.js`);
    const file = join(mkdtempSync(join(tmpdir(), 'example-web-')), 'index.html');
    writeFileSync(file, html.replaceAll(MAKE_RUN, local.url));
    const context = await browser.newContext();
    const page = await context.newPage();
    // the ingest serves client/dist, which `make run` builds first and a test run does not: the same bundle
    await page.route(`${local.url}/tr/v1/client.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: script }),
    );
    await page.goto(pathToFileURL(file).href);
    const log = page.locator('#log');
    await expect
      .poll(() => log.textContent(), { timeout: 20_000 })
      .toContain('page_view acknowledged by the ingest');
    await page.click('#send');
    await expect
      .poll(() => log.textContent(), { timeout: 20_000 })
      .toContain('demo_click acknowledged by the ingest');
    expect(await page.locator('#log .error').count()).toBe(0);
    await context.close();
    await local.stop();
    const rows = await local.query<{ ename: string; url: string }>(
      'SELECT ename, url FROM events WHERE oid = {oid:UUID} ORDER BY created_at',
      { oid: EXAMPLE_OID },
    );
    expect(rows).toEqual([
      { ename: 'page_view', url: pathToFileURL(file).href },
      { ename: 'demo_click', url: pathToFileURL(file).href },
    ]);
  });
});
