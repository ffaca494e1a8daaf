// The ingest image as users run it, built from Dockerfile.ingest by the plain legacy builder: read-only root
// filesystem, uid 1000, a named volume on /data. On the embedded engine (the EMBEDDED=true image) and, in
// the cluster image, against ClickHouse over HTTP (the ClickHouse-HTTP test double on the real chdb engine,
// with TLS on a non-default port): events are acknowledged and counted, the image's own health check
// reports healthy, and `docker stop` drains every acknowledged event before the process exits 0.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { announcedPort } from '../../ingest/testing/announced.ts';
import { applyMigrations } from '../../schema/migrate.ts';
import { ClickHouseStore } from '../../store/index.ts';
import { startOnFreePorts } from '../env/port-start.ts';
import { probeSignal, waitFor } from '../env/wait.ts';
import { startClickHouseHttp } from '../support/clickhouse-http/server.ts';
import { writeSelfSignedCert } from '../support/tls-cert.ts';
import { type Container, docker, dockerOk, runDetached, runOnce, uniqueName } from './docker.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

// The health check's own timing is the image's; only how often it runs is shortened, to keep the test short.
const base = ['--read-only', '--user', '1000:1000', '--network', 'host', '--health-interval', '1s'];
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

async function volume(): Promise<string> {
  const name = uniqueName('tracker-test-data');
  await dockerOk(['volume', 'create', name]);
  cleanups.push(() => docker(['volume', 'rm', '-f', name]));
  return name;
}

async function start(image: string, flags: string[], args: string[] = []): Promise<Container> {
  const c = await runDetached(image, [...base, ...flags], args);
  cleanups.push(() => c.remove());
  return c;
}

/**
 * Ready once the ingest has announced its addresses (it is listening: another process that took its port
 * and answers there does not count) and answers /ready. Fails, with the container's output, when it stops
 * first (of a port another process took, say).
 */
async function ready(c: Container, url: string): Promise<void> {
  let exited: string | undefined;
  await waitFor(
    async () => {
      if (!(await c.running())) exited = `the container stopped:\n${await c.logs()}`;
      if (announcedPort(await c.logs(), 'metrics') === undefined) return false;
      const res = await fetch(`${url}/ready`, { dispatcher: insecure, signal: probeSignal() });
      return res.status === 200;
    },
    { what: `${c.name} /ready`, timeoutMs: 120_000, intervalMs: 250, abortIf: () => exited },
  );
}

/** Sends `n` server-side events concurrently; returns the acknowledged event ids. */
async function send(url: string, ename: string, n: number): Promise<string[]> {
  const replies = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${url}/tr/v1/str/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ename, n: i }),
        dispatcher: insecure,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { eid: string }).eid;
    }),
  );
  return replies.sort();
}

/** Run by node in the container: the resident MiB of the engine library's mappings that hold no private page (of pid 1, the ingest). */
const ENGINE_CLEAN_MIB = String.raw`
const blocks = require('node:fs').readFileSync('/proc/1/smaps', 'utf8').split(/\n(?=[0-9a-f]+-)/);
let kb = 0;
for (const b of blocks) {
  if (!/\/libchdb\.so$/m.test(b.split('\n')[0]) || /^Anonymous:\s+[1-9]/m.test(b)) continue;
  kb += Number(/^Rss:\s+(\d+)/m.exec(b)[1]);
}
process.stdout.write(String(Math.round(kb / 1024)));
`;

describe('the embedded ingest image (EMBEDDED=true)', () => {
  it('runs read-only as uid 1000 on a volume: acknowledged events are stored, healthy, drained on docker stop', async () => {
    const image = inject('images').ingestEmbedded;
    const data = await volume();
    // The image's health check probes the configured port, so not port 0: free ports, again on fresh ones
    // when another process took one first (the container shares the host's network).
    const { c, port, opsPort } = await startOnFreePorts({
      what: 'the embedded ingest image',
      ports: 2,
      start: async ([port, opsPort]) => {
        // No configuration at all: the default ./data paths must land in the /data volume.
        const c = await start(image, [
          '-v',
          `${data}:/data`,
          '-e',
          `TRACKER_SERVER__PORT=${port}`,
          '-e',
          `TRACKER_SERVER__OPSPORT=${opsPort}`,
          // the operations listener stays on the container's loopback unless told: a published port needs this
          '-e',
          'TRACKER_SERVER__OPSHOST=0.0.0.0',
        ]);
        await ready(c, `http://127.0.0.1:${port}`);
        return { c, port, opsPort };
      },
    });
    const url = `http://127.0.0.1:${port}`;
    // Metrics and status on the operations port only, which the server announces.
    expect((await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(await c.logs()).toContain(`metrics: http://localhost:${opsPort}/metrics`);
    // What the image builds and reads beside its sources: the browser client and the dashboard's files.
    const client = await fetch(`${url}/tr/v1/client.js`);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/javascript/);
    expect((await client.text()).length).toBeGreaterThan(1000);
    // Listening on every interface, the dashboard asks for the read credential the server announced.
    expect((await fetch(`${url}/dashboard`)).status).toBe(401);
    const login = /\(user (\S+), password in (\S+)\)/.exec(await c.logs());
    expect(login, await c.logs()).not.toBeNull();
    const [, user, file] = login as RegExpExecArray;
    const password = await c.exec([
      '/usr/local/bin/node',
      '-e',
      `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8').trim())`,
    ]);
    const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const page = await fetch(`${url}/dashboard`, { headers: { authorization } });
    expect(page.status).toBe(200);
    const asset = /\/dashboard\/assets\/uplot\.[0-9a-f]+\.js/.exec(await page.text())?.[0];
    expect(asset).toBeDefined();
    expect((await fetch(`${url}${asset}`, { headers: { authorization } })).status).toBe(200);
    // The engine library's clean pages (~170 MiB mapped in by its start; ~70 once the store has released
    // them and the migrations ran) are unmapped: the madvise works in the image, as its uid, on its
    // root-owned library.
    await waitFor(async () => Number(await c.exec(['/usr/local/bin/node', '-e', ENGINE_CLEAN_MIB])) < 110, {
      what: "the engine library's clean pages unmapped (below 110 MiB resident)",
      timeoutMs: 20_000,
    });
    const acked = await send(url, 'container_embedded', 40);
    await c.waitHealth('healthy');
    expect(await c.stop()).toBe(0);

    // The stopped container's volume, read by the same image's engine in a one-off container.
    const query = `SELECT groupArray(toString(eid)) AS e FROM tracker.events WHERE ename = 'container_embedded'`;
    const script = `import { Session } from 'chdb'; const s = new Session('/data/chdb'); process.stdout.write(s.query(${JSON.stringify(query)}, 'JSONEachRow'));`;
    const out = await runOnce(
      image,
      ['--read-only', '--user', '1000:1000', '-v', `${data}:/data`, '--entrypoint', '/usr/local/bin/node'],
      ['--input-type=module', '-e', script],
    );
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as { e: string[] }).e.sort()).toEqual(acked);
  });
});

describe('the cluster ingest image against ClickHouse over HTTP', () => {
  it('with TLS on port N and its config file: events counted in ClickHouse, healthy, drained on docker stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingest-image-'));
    chmodSync(dir, 0o755);
    const clickhouse = await startClickHouseHttp({ dir: join(dir, 'chdb'), password: 'secret' });
    cleanups.push(() => clickhouse.close());
    const store = new ClickHouseStore({ url: clickhouse.url, database: 'default', password: 'secret' });
    await applyMigrations(store, { database: 'tracker' });
    writeSelfSignedCert(dir, 'ingest.test');
    writeFileSync(join(dir, 'password'), 'secret', { mode: 0o644 });
    const mounts = [
      ['config.json', '/etc/tracker/config.json'],
      ['password', '/etc/tracker/password'],
      ['tls.crt', '/etc/tracker/tls/tls.crt'],
      ['tls.key', '/etc/tracker/tls/tls.key'],
    ].flatMap(([f, to]) => ['-v', `${join(dir, f as string)}:${to}:ro`]);
    const data = await volume();
    const { c, url } = await startOnFreePorts({
      what: 'the cluster ingest image',
      ports: 1,
      start: async ([port]) => {
        const config = {
          server: {
            port,
            opsPort: 0,
            host: '127.0.0.1',
            tls: { certFile: '/etc/tracker/tls/tls.crt', keyFile: '/etc/tracker/tls/tls.key' },
          },
          store: {
            kind: 'clickhouse',
            url: clickhouse.url,
            database: 'tracker',
            passwordFile: '/etc/tracker/password',
          },
        };
        writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o644 });
        const c = await start(
          inject('images').ingest,
          ['-v', `${data}:/data`, ...mounts],
          ['--config', '/etc/tracker/config.json'],
        );
        const url = `https://127.0.0.1:${port}`;
        await ready(c, url);
        return { c, url };
      },
    });
    const acked = await send(url, 'container_cluster', 40);
    await c.waitHealth('healthy');
    expect(await c.stop()).toBe(0);
    const rows = await store.query<{ eid: string }>(
      "SELECT toString(eid) AS eid FROM tracker.events WHERE ename = 'container_cluster'",
    );
    await store.close();
    expect(rows.map((r) => r.eid).sort()).toEqual(acked);
  });

  it('without a store configured exits at once with one line saying what to configure', async () => {
    const out = await runOnce(inject('images').ingest, ['--read-only', '--network', 'none']);
    expect(out.code).toBe(2);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // a JSON log line: the last line a JSON log pipeline reads of a crash-looping pod
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 50,
      code: 'STARTUP_INVALID',
      msg: expect.stringMatching(
        /^ingest cannot start: store\.kind is "embedded".*store\.url.*EMBEDDED=true/,
      ),
    });
  });
});
