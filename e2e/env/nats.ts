// A real nats-server with JetStream on a random loopback port; store in a temp dir.

import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { ManagedProcess } from './process.ts';
import { toolPath } from './tools.ts';
import { waitFor } from './wait.ts';

export interface Nats {
  readonly url: string;
  readonly monitorUrl: string;
  readonly process: ManagedProcess;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startNats(dir: string, detached = false): Promise<Nats> {
  const [port, monitor] = [await freePort(), await freePort()];
  const proc = new ManagedProcess({
    name: 'nats-server',
    command: toolPath('nats-server'),
    args: [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      String(monitor),
      '-js',
      '-sd',
      join(dir, 'jetstream'),
    ],
    logFile: join(dir, 'nats.log'),
    detached,
  });
  const monitorUrl = `http://127.0.0.1:${monitor}`;
  await waitFor(
    async () => (await tcpOpen(port)) && (await fetch(`${monitorUrl}/healthz?js-enabled-only=true`)).ok,
    { what: 'nats-server /healthz', timeoutMs: 30_000, abortIf: () => proc.exited() },
  );
  return { url: `nats://127.0.0.1:${port}`, monitorUrl, process: proc };
}
