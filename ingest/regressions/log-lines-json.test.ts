// Every line the ingest writes is a JSON log line in its Fastify logger's shape. Its start-up failure, what
// the runtime reported (a failed insert, a hash key mismatch) and Node's process warnings were plain text
// on the same output: a JSON log pipeline (Loki, Fluent Bit, `kubectl logs | jq`) failed on each and lost
// what it said, and a crash-looping pod's last line was one of them. The real `node ingest/server.ts`,
// on a ClickHouse store nothing listens at (no engine, no service).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { announcedPort } from '../testing/announced.ts';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once both outputs together satisfy `seen`; rejects if the process exits first. */
  until(seen: (all: string) => boolean): Promise<void>;
  readonly exited: Promise<number | null>;
}

function run(cwd: string, config: object, env: Record<string, string> = {}): Run {
  writeFileSync(join(cwd, 'ingest.json'), JSON.stringify(config));
  const child = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: 'pipe',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  let out = '';
  let err = '';
  const waiting = new Set<() => void>();
  const collect = (to: 'out' | 'err') => (d: Buffer) => {
    if (to === 'out') out += String(d);
    else err += String(d);
    for (const w of waiting) w();
  };
  child.stdout.on('data', collect('out'));
  child.stderr.on('data', collect('err'));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const until = (seen: (all: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!seen(out + err)) return;
        waiting.delete(look);
        resolve();
      };
      waiting.add(look);
      look();
      void exited.then(() => reject(new Error(`exited first:\n${out}${err}`)));
    });
  return { child, stdout: () => out, stderr: () => err, until, exited };
}

/** Every line parsed as JSON (a line that is not fails the test, naming it). */
function entries(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

/** The Fastify logger's shape: numeric level, epoch milliseconds, pid, hostname, msg. */
const shape = {
  level: expect.any(Number),
  time: expect.any(Number),
  pid: expect.any(Number),
  hostname: expect.any(String),
  msg: expect.any(String),
};

describe('the ingest writes every line as a JSON log line', { timeout: 90_000 }, () => {
  it('a start-up failure: one line with its code and what to change', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'log-lines-bad-'));
    const r = run(cwd, { server: { port: 'x' }, privacy: { ipMode: 'nope' } });
    expect(await r.exited).toBe(2);
    expect(r.stdout()).toBe('');
    expect(entries(r.stderr())).toEqual([
      {
        ...shape,
        level: 50,
        code: 'STARTUP_INVALID',
        msg: expect.stringMatching(
          /^ingest cannot start: invalid configuration \(ingest\.json\): .*server\.port: must be integer.*privacy\.ipMode: must be one of/,
        ),
      },
    ]);
  });

  // A GeoIP file that is not a BIN file was said as a configuration error (code STARTUP_INVALID), while the
  // runtime's warning for the same file carried the GeoIP code a pipeline matches on.
  it('a GeoIP file that cannot be used: its GeoIP code, naming geoip.file, exit 2', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'log-lines-geoip-'));
    mkdirSync(join(cwd, 'state'));
    writeFileSync(join(cwd, 'geo.bin'), Buffer.alloc(4096, 0xff)); // database type 255: no IP2Location file
    const r = run(cwd, {
      server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: 'state' },
      store: { kind: 'clickhouse', url: 'http://127.0.0.1:1' },
      geoip: { file: 'geo.bin' },
    });
    expect(await r.exited).toBe(2);
    expect(entries(r.stderr())).toEqual([
      {
        ...shape,
        level: 50,
        code: 'GEOIP_FILE_INVALID',
        msg: 'ingest cannot start: geoip.file: geo.bin is not an IP2Location BIN file',
      },
    ]);
  });

  it('while running: runtime reports, process warnings and the logger lines alike', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'log-lines-run-'));
    mkdirSync(join(cwd, 'state'));
    // a generated key in the state directory and another configured: said at start, as a warning
    writeFileSync(join(cwd, 'state', 'hash.key'), Buffer.alloc(32, 1));
    writeFileSync(join(cwd, 'other.key'), Buffer.alloc(32, 2));
    const r = run(
      cwd,
      {
        server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: 'state', shutdownGraceMs: 500 },
        sql: { port: 0 },
        // nothing listens there: each insert fails (a runtime report with its error); https, so the
        // client's TLS connection with certificate checks off makes Node warn
        store: { kind: 'clickhouse', url: 'https://127.0.0.1:1' },
        batching: { tables: { events: { maxDelayMs: 0 } } },
        privacy: { hashKeyFile: 'other.key' },
      },
      { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    );
    await r.until((all) => all.includes('dashboard: http'));
    const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(r.stdout())?.[1];
    const res = await fetch(`${url}/tr/v1/str/`, {
      method: 'POST',
      body: JSON.stringify({ ename: 'signup' }),
    });
    expect(res.status).toBe(200);
    await r.until((all) => all.includes('"msg":"data path') && all.includes('NODE_TLS_REJECT_UNAUTHORIZED'));
    r.child.kill('SIGTERM');
    await r.exited;
    const lines = [...entries(r.stdout()), ...entries(r.stderr())];
    for (const line of lines) expect(line).toMatchObject(shape);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 40,
          msg: expect.stringMatching(/^privacy\.hashKeyFile: other\.key holds another key/),
        }),
        expect.objectContaining({
          level: 50,
          msg: expect.stringMatching(/^data path/),
          table: 'events',
          attempt: 1,
          err: expect.objectContaining({ message: expect.any(String), stack: expect.any(String) }),
        }),
        expect.objectContaining({
          level: 40,
          msg: expect.stringMatching(/^Warning: .*NODE_TLS_REJECT_UNAUTHORIZED/),
        }),
        expect.objectContaining({ level: 30, msg: 'draining' }),
      ]),
    );
  });

  // Each retry of a failed insert said "attempt N" in its text, so the log's throttle (the same failure at
  // most once every 10 s) saw a new failure each time and wrote every one.
  it('the retries of one failed insert: one line, the attempt a field', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'log-lines-retries-'));
    const r = run(cwd, {
      server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: 'state', shutdownGraceMs: 500 },
      store: { kind: 'clickhouse', url: 'http://127.0.0.1:1' },
      batching: { tables: { events: { maxDelayMs: 0 } } },
    });
    await r.until((all) => all.includes('dashboard: http'));
    await track(Number(announcedPort(r.stdout(), 'dashboard')));
    const ops = /metrics: (http:\/\/127\.0\.0\.1:\d+)\//.exec(r.stdout())?.[1];
    await until(async () => storeErrors(await (await fetch(`${ops}/metrics`)).text()) >= 4);
    r.child.kill('SIGTERM');
    await r.exited;
    const failed = entries(r.stderr()).filter((l) => l.msg === 'data path');
    expect(failed).toEqual([
      expect.objectContaining({
        code: 'INSERT_FAILED',
        table: 'events',
        attempt: 1,
        err: expect.objectContaining({
          message: 'insert into events failed, retried: connect ECONNREFUSED 127.0.0.1:1',
        }),
      }),
    ]);
  });

  // LOG_LEVEL set the Fastify logger's level only: the runtime's warnings and Node's still showed.
  // At LOG_LEVEL=error the ingest says nothing of where it listens, so the event that makes the insert
  // fail is sent to a first run at the default level (it is acknowledged into the spool, the store being
  // down); the run at LOG_LEVEL=error delivers it from the spool, and fails, without being asked anything.
  it('LOG_LEVEL=error: no warn or info line of any kind, the errors still', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'log-lines-level-'));
    mkdirSync(join(cwd, 'state'));
    writeFileSync(join(cwd, 'state', 'hash.key'), Buffer.alloc(32, 1));
    writeFileSync(join(cwd, 'other.key'), Buffer.alloc(32, 2));
    const config = {
      server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: 'state', shutdownGraceMs: 500 },
      store: { kind: 'clickhouse', url: 'https://127.0.0.1:1' },
      batching: { tables: { events: { maxDelayMs: 0 } } },
      privacy: { hashKeyFile: 'other.key' },
    };
    const first = run(cwd, config);
    await first.until((all) => all.includes('dashboard: http'));
    await track(Number(announcedPort(first.stdout(), 'dashboard')));
    first.child.kill('SIGTERM');
    await first.exited;
    const r = run(cwd, config, { NODE_TLS_REJECT_UNAUTHORIZED: '0', LOG_LEVEL: 'error' });
    await r.until((all) => all.includes('"msg":"data path'));
    r.child.kill('SIGTERM');
    await r.exited;
    const lines = [...entries(r.stdout()), ...entries(r.stderr())];
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ ...shape, level: 50 });
  });
});

/** One event, accepted. */
async function track(port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/tr/v1/str/`, {
    method: 'POST',
    body: JSON.stringify({ ename: 'signup' }),
  });
  expect(res.status).toBe(200);
}

const storeErrors = (metrics: string): number =>
  Number(/^tracker_datapath_store_errors_total\{table="events"\} (\d+)/m.exec(metrics)?.[1] ?? 0);

/** Polls `ok` until it holds (the test's timeout bounds it). */
async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 50));
}
