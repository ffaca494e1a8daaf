// The real process as `make run` starts it: `node ingest/server.ts` with no config file in an empty
// directory (embedded chdb under ./data), events over HTTP, metrics on the operations port it announces,
// then SIGTERM: it drains and exits 0, and the store holds every acknowledged event. A bad config exits 2
// naming each bad key.
import { type ChildProcess, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createStore } from '../store/index.ts';
import { announcements } from './testing/announced.ts';

const SERVER = new URL('./server.ts', import.meta.url).pathname;

function start(cwd: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  // under the usual umask, whatever the test runner's: the server must make its files private itself
  const child = spawn('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, SERVER], {
    cwd,
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  return { child, output: () => out };
}

/** Files and directories under `dir` (itself included) that its group or other users may read. */
function readableByOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

/** An IPv4 address of this machine other than loopback: what a neighbour would connect to. */
function externalAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
  if (address === undefined) throw new Error('this machine has no IPv4 address besides loopback');
  return address;
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

describe('ingest/server.ts', () => {
  it('starts on the embedded store with no config, and SIGTERM drains acknowledged events into it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'make-run-'));
    const { child, output } = start(cwd, {
      // ports the process picks itself and announces (no other process can take them first)
      TRACKER_SERVER__PORT: '0',
      TRACKER_SERVER__OPSPORT: '0',
      // as `make run HOST=0.0.0.0`: the public port on every address, the operations port not
      TRACKER_SERVER__HOST: '0.0.0.0',
    });
    const announced = announcements(child);
    const port = await announced('dashboard');
    const opsPort = await announced('metrics');
    const base = `http://127.0.0.1:${port}`;
    // A process that died will never be ready: fail at once with its output instead of polling on.
    const ready = () => {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${output()}`);
      return fetch(`${base}/ready`).then(
        (r) => r.status,
        () => 0,
      );
    };
    await expect.poll(ready, { timeout: 60_000, interval: 200 }).toBe(200);
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${base}/tr/v1/str/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ename: 'drain_me', n: i }),
        }),
      ),
    );
    expect(sent.every((r) => r.status === 200)).toBe(true);
    // Where the metrics are is printed once listening; they are there, and not on the public port.
    const ops = `http://127.0.0.1:${opsPort}`;
    expect(output()).toContain(`metrics: ${ops}/metrics (status: ${ops}/status)`);
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(
      /tracker_rows_accepted_total\{table="events"\}/,
    );
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    // Regression: the unauthenticated operations port followed server.host onto every interface.
    const external = externalAddress();
    expect((await fetch(`http://${external}:${port}/ready`)).status).toBe(200);
    await expect(fetch(`http://${external}:${opsPort}/metrics`)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
    child.kill('SIGTERM');
    expect(await exited(child), output()).toBe(0);
    // the store, the spool and the keys hold the visitors' data: no other user of the machine reads them
    // (looked at before this test's own store opens the directory, under the test runner's umask)
    expect(readableByOthers(join(cwd, 'data'))).toEqual([]);
    const store = await createStore({ kind: 'embedded', path: join(cwd, 'data/chdb'), database: 'tracker' });
    const [row] = await store.query<{ n: string }>(
      "SELECT count() AS n FROM events WHERE ename = 'drain_me'",
    );
    await store.close();
    expect(Number(row?.n)).toBe(20);
  });

  // server.maxConnections bounds every listener the process opens, the SQL endpoint's (which only the
  // process wires) too, each counting its own, the refusals counted on the operations port.
  it('bounds the SQL endpoint at server.maxConnections, the refusal counted', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'max-connections-'));
    const { child, output } = start(cwd, {
      TRACKER_SERVER__PORT: '0',
      TRACKER_SERVER__OPSPORT: '0',
      TRACKER_SQL__PORT: '0',
      TRACKER_SERVER__MAXCONNECTIONS: '1',
    });
    const announced = announcements(child);
    const held = new Set<Socket>();
    // a failed or timed-out expectation must not leave the process running
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
    });
    const sqlPort = await announced('read-only SQL');
    const opsPort = await announced('metrics');
    const first = connect(sqlPort, '127.0.0.1');
    held.add(first);
    await new Promise((r) => first.once('connect', r));
    const refused = connect(sqlPort, '127.0.0.1');
    held.add(refused);
    refused.on('error', () => undefined); // closed on arrival: a reset is one way to see it
    let received = '';
    refused.on('data', (d) => {
      received += String(d);
    });
    await new Promise((r) => refused.once('close', r));
    expect(received).toBe('');
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^tracker_connections_refused_total\{listener="sql"\} 1$/m);
    for (const socket of held) socket.destroy();
    child.kill('SIGTERM');
    expect(await exited(child), output()).toBe(0);
  });

  it('exits 2 with one line naming a configuration file it cannot read', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'no-config-'));
    const child = spawn(process.execPath, [SERVER, '--config', '/nonexistent.yaml'], { cwd, stdio: 'pipe' });
    let err = '';
    child.stderr?.on('data', (d) => {
      err += String(d);
    });
    expect(await exited(child)).toBe(2);
    expect(
      err
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      expect.objectContaining({
        level: 50,
        code: 'ENOENT',
        msg: 'ingest cannot start: invalid configuration (/nonexistent.yaml): cannot read: no such file (ENOENT)',
      }),
    ]);
  });

  it('exits 2 and names every bad key when the configuration is invalid', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bad-config-'));
    const { child, output } = start(cwd, { TRACKER_SERVER__PORT: '"x"', TRACKER_PRIVACY__IPMODE: 'nope' });
    expect(await exited(child)).toBe(2);
    expect(output()).toMatch(/server\.port: must be integer/);
    expect(output()).toMatch(/privacy\.ipMode: must be one of keep, truncate, drop/);
  });
});
