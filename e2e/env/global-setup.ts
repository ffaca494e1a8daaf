// Vitest global setup of the integration project: one real environment per run, shared by all files.
// Tests read what they need with `inject('kubeconfig')`, `inject('natsUrl')`, ...
import type { TestProject } from 'vitest/node';
import { buildClient } from '../../client/build.ts';
import { startEnvironment } from './environment.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig of the real kube-apiserver. */
    kubeconfig: string;
    apiserverUrl: string;
    /** CA bundle trusted by clients of the apiserver. */
    apiserverCaFile: string;
    adminToken: string;
    /** nats://127.0.0.1:PORT of a real nats-server with JetStream. */
    natsUrl: string;
    /** Scratch directory of this environment (logs of every component are here). */
    envDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  // The ingest serves the browser client from client/dist (/tr/v1/client.js): build it once per run.
  await buildClient();
  const env = await startEnvironment({ keep: process.env.TRACKER_KEEP_ENV === '1' });
  const total = Math.round(performance.now() - t0);
  const parts = Object.entries(env.timings)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ');
  console.log(`[env] test environment up in ${total} ms (${parts}); logs in ${env.dir}`);
  project.provide('kubeconfig', env.kubeconfig);
  project.provide('apiserverUrl', env.api.url);
  project.provide('apiserverCaFile', env.api.caFile);
  project.provide('adminToken', env.api.adminToken);
  project.provide('natsUrl', env.natsUrl ?? '');
  project.provide('envDir', env.dir);
  return () => env.stop();
}
