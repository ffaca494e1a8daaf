// The README's curl examples work as written: every `curl … localhost:8080 …` command of
// ingest/README.md runs against the real service (real data path, chdb), must exit 0 without an error
// body, and the events it sent must be queryable afterwards. The short-link commands run in order
// against an ingest started with the README's own short-link configuration and a key made the way the
// README makes one: the walkthrough once answered 400 at its first command, since the configuration it
// asked for did not name the links' host.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type Live, startLive } from './testing/live.ts';

const README = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const SHORT_LINKS = '## Short links';

/** The README's `## ` sections: the short-link one, and the rest. */
function sections(): { shortLinks: string; rest: string } {
  const start = README.indexOf(`\n${SHORT_LINKS}\n`);
  const end = README.indexOf('\n## ', start + 1);
  return { shortLinks: README.slice(start, end), rest: README.slice(0, start) + README.slice(end) };
}

function fenced(md: string, lang: string): string[] {
  return [...md.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');
}

function curlExamples(md: string): string[] {
  return fenced(md, 'sh')
    .flatMap((b) => b.replaceAll('\\\n', ' ').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('curl ') && l.includes('localhost:8080'));
}

async function curl(cmd: string, live: Live, env: Record<string, string> = {}): Promise<string> {
  return run(`${cmd.replaceAll('http://localhost:8080', live.url)} --fail-with-body`, env);
}

async function run(cmd: string, env: Record<string, string> = {}): Promise<string> {
  const PATH = `${dirname(process.execPath)}:${process.env.PATH}`; // the README's `node` is the pinned one
  const opts = { env: { ...process.env, ...env, PATH }, cwd: fileURLToPath(new URL('..', import.meta.url)) };
  return (await promisify(execFile)('sh', ['-c', cmd], opts)).stdout;
}

/** The README's command that makes an API key. */
function keyCommand(md: string): string {
  const lines = fenced(md, 'sh').flatMap((b) => b.split('\n'));
  const cmd = lines.find((l) => l.startsWith('node ingest/auth/api-keys.ts '));
  if (cmd === undefined) throw new Error('the short-link section makes no API key');
  return cmd;
}

/** An API key made the way the README makes one, and its configuration entry. */
async function madeKey(): Promise<{ key: string; entry: unknown }> {
  return JSON.parse(await run(keyCommand(sections().shortLinks))) as { key: string; entry: unknown };
}

describe('README curl examples', () => {
  let live: Live;
  let key: string;
  beforeAll(async () => {
    // the keyed server-event example sends $KEY: a key the ingest holds (one it did not is a 401)
    const made = await madeKey();
    key = made.key;
    live = await startLive({ apiKeys: { keys: [made.entry] } });
  });
  afterAll(() => live.close());

  const examples = curlExamples(sections().rest);
  it('there are examples to run', () => expect(examples.length).toBeGreaterThanOrEqual(8));

  // async: the server runs in this process, a synchronous child would block it
  it.each(examples)('%s', async (cmd) => {
    expect(await curl(cmd, live, { KEY: key })).not.toMatch(/"error"/);
  });

  // /status answered `client` and `geoip`, which the README's list of its fields left out
  it('names every field /status answers', async () => {
    const status = (await (await fetch(`${live.opsUrl}/status`)).json()) as object;
    const operations = README.slice(README.indexOf('\n## Operations\n'));
    const listed = operations.slice(0, operations.indexOf(' answer on `server.opsPort`'));
    expect(Object.keys(status).filter((k) => !listed.includes(`\`${k}\``))).toEqual([]);
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

describe('README short-link walkthrough', () => {
  let live: Live;
  let key: string;
  beforeAll(async () => {
    const { shortLinks } = sections();
    const config = YAML.parse(fenced(shortLinks, 'yaml')[0] ?? '') as { apiKeys: { keys: unknown[] } };
    const made = await madeKey();
    key = made.key;
    config.apiKeys.keys = [made.entry]; // the printed entry, in place of the README's elided one
    live = await startLive(config);
  });
  afterAll(() => live.close());

  it('creates, lists, resolves and deletes a link, in the order written', async () => {
    const commands = curlExamples(sections().shortLinks);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    const outputs: string[] = [];
    for (const cmd of commands) outputs.push(await curl(cmd, live, { KEY: key }));
    for (const out of outputs) expect(out).not.toMatch(/"error"/);
    expect(outputs).toContain('302 https://shop.example/sale\n');
  });
});
