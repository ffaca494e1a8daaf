// TEST HARNESS: the operator as a separate PROCESS (operator/main.ts), as the chart runs it, talking to the
// apiserver through its own counting proxy so each process's writes are attributable.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../e2e/env/process.ts';
import type { OperatorConfig } from '../config.ts';
import { operatorNodeFlags } from '../node-flags.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface OperatorProcess {
  readonly identity: string;
  readonly pid: number;
  readonly proxy: CountingProxy;
  /** SIGTERM (graceful: releases the lease) or SIGKILL (a crash: the lease must expire). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startOperatorProcess(
  env: { apiserverUrl: string; caFile: string; token: string },
  config: Partial<Record<keyof OperatorConfig, unknown>> & { identity: string },
  /** The entry point to run (the bench runs the image's ahead-of-time .js); operator/main.ts by default. */
  script = main,
): Promise<OperatorProcess> {
  const dir = mkdtempSync(join(tmpdir(), `tracker-op-${config.identity}-`));
  const proxy = await startCountingProxy(env.apiserverUrl, env.caFile);
  const kubeconfig = proxy.kubeconfig(join(dir, 'kubeconfig'), env.token);
  const file = join(dir, 'operator.json');
  writeFileSync(file, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [...operatorNodeFlags, script, '--config', file, '--kubeconfig', kubeconfig],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const log = process.env.TRACKER_OPERATOR_LOG ? process.stdout : undefined;
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (chunk.toString().includes('Operator listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`start operator ${config.identity}: exited with ${code}`)));
  });
  return {
    identity: config.identity,
    pid: child.pid as number,
    proxy,
    async stop(signal = 'SIGTERM') {
      await stopChild(child, signal);
      await proxy.close();
      // its kubeconfig and configuration: a run outside the test environment's temporary directory
      // (the bench) would otherwise leave one directory per operator behind
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
