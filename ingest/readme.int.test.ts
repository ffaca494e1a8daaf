// The README's curl examples work as written: every `curl … localhost:8080 …`
// command of ingest/README.md that needs no API key runs against the real service (real data path,
// chdb), must exit 0 without an error body, and the events it sent must be queryable afterwards.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from './testing/live.ts';

function curlExamples(): string[] {
  const md = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const blocks = [...md.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.replaceAll('\\\n', ' ').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('curl ') && l.includes('localhost:8080') && !l.includes('$KEY'));
}

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

describe('README curl examples', () => {
  const examples = curlExamples();
  it('there are examples to run', () => expect(examples.length).toBeGreaterThanOrEqual(8));

  // async: the server runs in this process, a synchronous child would block it
  it.each(examples)('%s', async (cmd) => {
    const { stdout: out } = await promisify(execFile)('sh', [
      '-c',
      `${cmd.replaceAll('http://localhost:8080', live.url)} --fail-with-body`,
    ]);
    expect(out).not.toMatch(/"error"/);
  });

  it('the events they sent are queryable', async () => {
    const names = async () =>
      (await live.rows<{ ename: string }>('SELECT DISTINCT ename FROM events ORDER BY ename')).map(
        (r) => r.ename,
      );
    await expect.poll(names, { timeout: 10_000 }).toEqual(['email_open', 'page_view', 'signup', 'step']);
    const [pay] = await live.rows<{ n: string }>('SELECT count() AS n FROM payments');
    expect(Number(pay?.n)).toBe(1);
  });
});
