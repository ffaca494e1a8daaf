// An ingest on a clickhouse store nobody migrated (no operator, a server of the user's own) used to start,
// acknowledge events into its spool and fail every insert on an unknown table, with nothing saying how the
// tables come to be. The start now logs one line naming `tracker migrate`, /status shows the schema's
// version beside the one the ingest needs, and the events wait in the spool: once tracker migrate ran,
// they are stored and /status says the schema is current. /metrics says it too, for an alert
// (tracker_store_schema_behind: only /status did). The real `node ingest/server.ts` against a
// ClickHouse-HTTP test double (the real engine behind it).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { program } from '../../cli/program.ts';
import { stopChild } from '../../e2e/env/process.ts';
import { waitFor } from '../../e2e/env/wait.ts';
import { type ClickHouseDouble, startClickHouseDouble } from '../../operator/testing/clickhouse-doubles.ts';
import { loadMigrations } from '../../schema/index.ts';
import { ClickHouseStore } from '../../store/index.ts';
import { announcements } from '../testing/announced.ts';

const SERVER = new URL('../server.ts', import.meta.url).pathname;
const latest = Math.max(...loadMigrations().map((m) => m.version));

let double: ClickHouseDouble;
let ingest: ChildProcess;
let output = '';
let exited: string | undefined;
let config: string;
let publicUrl: string;
let opsUrl: string;

beforeAll(async () => {
  double = await startClickHouseDouble();
  const dir = mkdtempSync(join(tmpdir(), 'schema-missing-'));
  config = join(dir, 'ingest.json');
  writeFileSync(
    config,
    JSON.stringify({
      // ports the process picks itself and announces (no other process can take them first)
      server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: join(dir, 'state') },
      store: { kind: 'clickhouse', url: double.url, database: 'tracker' },
      spool: { dir: join(dir, 'spool') },
    }),
  );
  ingest = spawn(process.execPath, [SERVER, '--config', config], { cwd: dir, stdio: 'pipe' });
  const announced = announcements(ingest);
  const collect = (d: Buffer) => {
    output += String(d);
  };
  ingest.stdout?.on('data', collect);
  ingest.stderr?.on('data', collect);
  ingest.once('exit', (code) => {
    exited = `the ingest exited with ${code}: ${output}`;
  });
  publicUrl = `http://127.0.0.1:${await announced('dashboard')}`;
  opsUrl = `http://127.0.0.1:${await announced('metrics')}`;
});
afterAll(async () => {
  if (ingest) await stopChild(ingest);
  await double?.remove();
});

/** tracker_store_schema_behind as the ingest's /metrics exports it (undefined: not exported). */
const behind = async () => {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const line = /^tracker_store_schema_behind (\d+)$/m.exec(text);
  return line === null ? undefined : Number(line[1]);
};

const status = async () => (await (await fetch(`${opsUrl}/status`)).json()) as { schema: unknown };

describe('an ingest on a clickhouse store without the schema', () => {
  it('says so at start naming tracker migrate, spools the events, and stores them once migrated', async () => {
    await waitFor(async () => output.includes('tracker migrate'), {
      what: 'the line',
      abortIf: () => exited,
    });
    const lines = output.split('\n').filter((l) => l.includes('tracker migrate'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      msg: expect.stringMatching(
        /^store: database tracker has no tracker schema \(no recorded migrations\): inserts fail until it is applied, and events stay in the spool meanwhile \(nothing is lost\); run `tracker migrate`/,
      ),
    });

    const sent = await fetch(`${publicUrl}/tr/v1/img/ename/email_open`);
    expect(sent.status).toBe(200);
    expect((await status()).schema).toEqual({
      version: 0,
      latest,
      current: false,
      remedy: expect.stringContaining('tracker migrate'),
    });
    expect(await behind()).toBe(latest);

    const cli = program({ out: () => {}, err: () => {}, exit: () => {} });
    await cli.parseAsync(['node', 'tracker', 'migrate', '--config', config]);
    expect((await status()).schema).toEqual({ version: latest, latest, current: true });
    expect(await behind()).toBe(0);
    const store = new ClickHouseStore({ url: double.url, database: 'tracker' });
    try {
      const stored = await waitFor(
        async () => {
          const [row] = await store.query<{ n: string }>(
            "SELECT count() AS n FROM events WHERE ename = 'email_open'",
          );
          return Number(row?.n) === 1;
        },
        { what: 'the spooled event stored', abortIf: () => exited },
      );
      expect(stored).toBe(true);
    } finally {
      await store.close();
    }
  });
});
