// The real ingest process (ingest/server.ts) on a fresh temporary state directory, pinned to one core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from '../../e2e/env/process.ts';
import { clickhouseStoreNodeFlags, ingestEnv, ingestNodeFlags } from '../../ingest/node-flags.ts';
import { applyMigrations } from '../../schema/index.ts';
import { createStore } from '../../store/index.ts';
import { answers, freePort, type Running, start } from './server.ts';
import { shippedScript } from './shipped.ts';

const root = new URL('../..', import.meta.url).pathname;
// INGEST_NODE_OPTIONS (space-separated) replaces the ingest's own flags (its store's), to compare others
// side by side.
const flagsOverride = process.env.INGEST_NODE_OPTIONS?.split(' ').filter(Boolean);
const nodeArgsFor = (store: unknown): readonly string[] =>
  flagsOverride ??
  ((store as { kind?: string } | undefined)?.kind === 'clickhouse'
    ? clickhouseStoreNodeFlags
    : ingestNodeFlags);
// INGEST_GLIBC_TUNABLES replaces the ingest's malloc settings (empty: glibc's defaults).
const env = { ...ingestEnv, GLIBC_TUNABLES: process.env.INGEST_GLIBC_TUNABLES ?? ingestEnv.GLIBC_TUNABLES };

/**
 * The caller's configuration over the bench's own, section by section: `{ spool: { fsync: false } }` keeps
 * the spool in the run's temporary directory (a plain spread replaced the whole section, so the spool went
 * to `data/spool` under the working directory, kept from run to run and shared by both ingests of
 * `bench/ab.ts`). A section that names its own `kind` replaces the bench's (its fields depend on the kind).
 */
function mergeSections(
  own: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...own };
  for (const [key, value] of Object.entries(extra)) {
    const base = out[key];
    const merge = isSection(base) && isSection(value) && value.kind === undefined;
    out[key] = merge ? { ...base, ...value } : value;
  }
  return out;
}

const isSection = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startIngest(
  label: string,
  cpu: number,
  config: Record<string, unknown> = {},
): Promise<Running & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${label}-`));
  const port = await freePort();
  const opsPort = await freePort();
  const file = join(dir, 'config.json');
  const own: Record<string, unknown> = {
    server: { host: '127.0.0.1', port, opsPort, stateDir: join(dir, 'state') },
    store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
    spool: { dir: join(dir, 'spool') },
    // the read endpoint on a port of its own choosing: its default may be taken on a shared machine
    sql: { port: 0 },
  };
  const merged = mergeSections(own, config);
  writeFileSync(file, JSON.stringify(merged));
  const running = await start({
    label,
    script: shippedScript('ingest', 'ingest/server.ts'),
    nodeArgs: nodeArgsFor(merged.store),
    args: ['--config', file],
    env: { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    cpu,
    port,
    ready: (p) => answers(`http://127.0.0.1:${p}/ready`),
  });
  return {
    ...running,
    dir,
    eventRows: () => eventRows(opsPort),
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `events` table's accepted and queued rows, read from the ingest's operations listener. */
async function eventRows(opsPort: number): Promise<{ accepted: number; queued: number }> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{table="events"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    accepted: value('tracker_datapath_appended_rows_total'),
    queued: value('tracker_datapath_queue_rows'),
  };
}

export async function startBareFastify(cpu: number): Promise<Running> {
  const port = await freePort();
  return start({
    label: 'bare-fastify',
    script: join(root, 'bench/lib/bare-fastify.ts'),
    args: [String(port)],
    cpu,
    port,
    ready: (p) => answers(`http://127.0.0.1:${p}/ready`),
  });
}

/**
 * A ClickHouse HTTP server for the `clickhouse` store: the project's stand-in (the real engine, chdb,
 * behind ClickHouse's HTTP interface) in its own process, with the schema applied as the operator would.
 */
export async function startClickHouseStand(cpu: number): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-clickhouse-'));
  const child = spawn(
    'taskset',
    ['-c', String(cpu), process.execPath, join(root, 'e2e/support/clickhouse-http/main.ts'), '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) =>
      resolve((JSON.parse(l) as { url: string }).url),
    );
    child.once('exit', (code) => reject(new Error(`clickhouse stand-in exited with ${code}`)));
  });
  const store = await createStore({
    kind: 'clickhouse',
    url,
    database: 'tracker',
    username: 'default',
    requestTimeoutMs: 60_000,
  });
  await applyMigrations(store, { database: 'tracker' });
  await store.close();
  return {
    url,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
