// Vitest global setup of the `containers` project: a Docker engine (an answering one, else a private
// dockerd; e2e/env/docker/engine.sh) held for the run, and the project's images built from the real
// Dockerfiles with the legacy builder (e2e/env/docker/images.sh). The control plane comes from
// e2e/env/global-setup.ts, listed before this one.
import { execFile } from 'node:child_process';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DOCKER_HOST of the engine the images were built on. */
    dockerHost: string;
    /** Tags: ingest, ingestEmbedded, operator. */
    images: { ingest: string; ingestEmbedded: string; operator: string };
  }
}

const root = new URL('../..', import.meta.url).pathname;

function sh(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, ...args],
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 1 << 26 },
      (err, out, errOut) => {
        if (errOut) process.stderr.write(errOut);
        if (err) reject(new Error(`${script} ${args.join(' ')} failed: ${err.message}`));
        else resolve(out);
      },
    );
  });
}

const vars = (out: string) =>
  Object.fromEntries(
    out.split('\n').flatMap((l) => (/^[A-Z_]+=/.test(l) ? [l.split(/=(.*)/s).slice(0, 2)] : [])),
  );

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = String(process.pid);
  const engine = vars(await sh('e2e/env/docker/engine.sh', ['up', holder]));
  const dockerHost = engine.DOCKER_HOST as string;
  const release = () => sh('e2e/env/docker/engine.sh', ['down', holder]);
  const t0 = performance.now();
  // A failed build must release the engine too: Vitest runs no teardown for a setup that threw.
  const built = vars(
    await sh('e2e/env/docker/images.sh', ['ingest', 'ingest-embedded', 'operator'], {
      DOCKER_HOST: dockerHost,
    }).catch(async (err: unknown) => {
      await release();
      throw err;
    }),
  );
  console.log(`[containers] engine ${dockerHost}; images ready in ${Math.round(performance.now() - t0)} ms`);
  project.provide('dockerHost', dockerHost);
  project.provide('images', {
    ingest: built.INGEST_IMAGE as string,
    ingestEmbedded: built.INGEST_EMBEDDED_IMAGE as string,
    operator: built.OPERATOR_IMAGE as string,
  });
  return async () => {
    await release();
  };
}
