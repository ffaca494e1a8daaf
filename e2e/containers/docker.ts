// TEST SUPPORT: the docker CLI against the test environment's engine (DOCKER_HOST from the containers
// global setup). Asynchronous on purpose: a test may serve a container from its own process (the
// ClickHouse-HTTP test double), which a blocking spawn would starve.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { waitFor } from '../env/wait.ts';

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function docker(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      {
        env: { ...process.env, DOCKER_HOST: inject('dockerHost') },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function dockerOk(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export class Container {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }

  inspect(format: string): Promise<string> {
    return dockerOk(['inspect', '-f', format, this.name]);
  }

  async running(): Promise<boolean> {
    return (await this.inspect('{{.State.Running}}')) === 'true';
  }

  async logs(): Promise<string> {
    const r = await docker(['logs', this.name]);
    return r.stdout + r.stderr;
  }

  /** `docker exec` of a command inside the running container. */
  exec(args: readonly string[]): Promise<string> {
    return dockerOk(['exec', this.name, ...args]);
  }

  /** Resolves when the health check reports `status`; fails at once when the container stops. */
  async waitHealth(status: 'healthy' | 'unhealthy', timeoutMs = 90_000): Promise<void> {
    let stopped: string | undefined;
    await waitFor(
      async () => {
        const [state, health] = (await this.inspect('{{.State.Status}} {{.State.Health.Status}}')).split(' ');
        if (state !== 'running') stopped = `the container is ${state}:\n${await this.logs()}`;
        return health === status;
      },
      { what: `${this.name} to be ${status}`, timeoutMs, intervalMs: 500, abortIf: () => stopped },
    );
  }

  /** `docker stop` (SIGTERM, then SIGKILL after `graceS`); returns the exit code. */
  async stop(graceS = 60): Promise<number> {
    await dockerOk(['stop', '-t', String(graceS), this.name], { timeoutMs: (graceS + 30) * 1000 });
    return Number(await this.inspect('{{.State.ExitCode}}'));
  }

  async remove(): Promise<void> {
    await docker(['rm', '-f', '-v', this.name]);
  }
}

/** `docker run -d` with a unique name; `flags` go before the image, `args` after it. */
export async function runDetached(image: string, flags: readonly string[], args: readonly string[] = []) {
  const c = new Container(uniqueName('tracker-test'));
  await dockerOk(['run', '-d', '--name', c.name, ...flags, image, ...args]);
  return c;
}

/** `docker run --rm` to completion. */
export function runOnce(image: string, flags: readonly string[], args: readonly string[] = []) {
  return docker(['run', '--rm', ...flags, image, ...args], { timeoutMs: 180_000 });
}
