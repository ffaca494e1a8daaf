// TEST HARNESS: one ClickHouse-HTTP test double PROCESS per ClickHouse replica (e2e/support/clickhouse-http,
// real chdb engine; chdb binds one data directory per process, hence processes). The operator reaches them
// through its endpoint map (config clickhouse.endpoints), so "verified on every replica" queries each one.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../e2e/env/process.ts';

const main = fileURLToPath(new URL('../../e2e/support/clickhouse-http/main.ts', import.meta.url));

export interface ClickHouseDouble {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startClickHouseDouble(): Promise<ClickHouseDouble> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-op-ch-'));
  const child: ChildProcess = spawn(process.execPath, [main, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`start clickhouse double: exited with ${code}`)));
  });
  return {
    url,
    dir,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Doubles for the given replica hosts, and the endpoint map for the operator's config. */
export async function startDoubles(hosts: readonly string[]) {
  const doubles = await Promise.all(hosts.map(() => startClickHouseDouble()));
  const endpoints = Object.fromEntries(hosts.map((h, i) => [h, doubles[i]!.url]));
  return { doubles, endpoints, stop: () => Promise.all(doubles.map((d) => d.stop())).then(() => undefined) };
}
