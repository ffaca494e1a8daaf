// A server of the test environment given a port that another process bound after freePort() closed it died
// of "address already in use", and the whole suite failed to start. startOnFreePorts starts it again on a
// fresh port. Here the collision is real: a port this test holds is handed to a real child server.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listening, listensOn } from './listening.ts';
import { startOnFreePorts } from './port-start.ts';
import { freePort, portTaken } from './ports.ts';
import { ManagedProcess } from './process.ts';

/**
 * A real server process on 127.0.0.1:`port`, given on the command line as the environment's servers take
 * theirs; one that cannot bind it exits 1 saying why, as they do.
 */
const SERVER = `
require('node:net').createServer()
  .on('error', (err) => { console.error(err.message); process.exit(1); })
  .listen(Number(process.argv[1]), '127.0.0.1');`;

const dir = mkdtempSync(join(tmpdir(), 'port-start-'));
const started: ManagedProcess[] = [];
let holder: Server;
let held: number;

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  held = (holder.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await new Promise((resolve) => holder.close(resolve));
});

/** Starts the child on `port`, recording each start; resolves once it listens there. */
function startChild(port: number, starts: number[]): Promise<ManagedProcess> {
  starts.push(port);
  const proc = new ManagedProcess({
    name: 'node-server',
    command: process.execPath,
    args: ['-e', SERVER, String(port)],
    logFile: join(dir, `server-${port}.log`),
  });
  started.push(proc);
  return listening(proc, port);
}

describe('startOnFreePorts', () => {
  it('starts again on a fresh port when the first one is taken, and the server then listens there', async () => {
    const starts: number[] = [];
    let asked = 0;
    const proc = await startOnFreePorts({
      what: 'node-server',
      ports: 1,
      portSource: async () => (asked++ === 0 ? held : await freePort()),
      start: ([port]) => startChild(port, starts),
    });
    expect(starts).toHaveLength(2);
    expect(starts[0]).toBe(held);
    expect(starts[1]).not.toBe(held);
    // the first child died of the collision; the second is the one returned, listening on its port
    expect(started.at(-2)?.exited()).toMatch(/address already in use/);
    expect(proc.exited()).toBeUndefined();
    expect(await listensOn(proc.pid, starts[1] as number)).toBe(true);
  });

  it('gives up after the bound, naming the server, the taken port and its last output', async () => {
    const starts: number[] = [];
    const failure = startOnFreePorts({
      what: 'node-server',
      ports: 1,
      attempts: 3,
      portSource: async () => held,
      start: ([port]) => startChild(port, starts),
    });
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^node-server: another process took its port each time, 3 starts on fresh ports; the last found port ${held} in use:\\n` +
          `waiting for node-server to listen on port ${held}: node-server exited \\(code 1\\); last log lines:\\n` +
          `listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${held}$`,
      ),
    );
    expect(starts).toEqual([held, held, held]);
  });

  it('does not start again when the start failed for another reason', async () => {
    let starts = 0;
    const failure = startOnFreePorts({
      what: 'node-server',
      ports: 1,
      start: async () => {
        starts++;
        throw new Error('no such binary');
      },
    });
    await expect(failure).rejects.toThrow('no such binary');
    expect(starts).toBe(1);
  });
});

describe('portTaken', () => {
  it("recognises a taken port in Go's words and in the ingest's start-up line, which gives only the code", () => {
    const go = 'listen tcp 127.0.0.1:40000: bind: address already in use';
    const ingest =
      '{"level":"error","msg":"tracker-ingest cannot start: server.port: 127.0.0.1:40000 is in use by another process; choose another server.port","code":"EADDRINUSE"}';
    expect(portTaken(new Error(go))).toBe(true);
    expect(portTaken(new Error(ingest))).toBe(true);
    expect(portTaken(new Error('listen tcp 127.0.0.1:40000: bind: permission denied'))).toBe(false);
  });
});
