// `make run` listens where its user said: loopback unless HOST, a config file or TRACKER_SERVER__HOST says
// otherwise. It set TRACKER_SERVER__HOST=127.0.0.1 on the command line even when the environment named a
// host, so `TRACKER_SERVER__HOST=0.0.0.0 make run` (the documented override of any key) stayed on loopback.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The command `make run` would start the ingest with (`make -n`: printed, not run). */
function runCommand(args: string[], env: Record<string, string>): string {
  // under `make test` the outer make's flags and variables would reach this make too
  const outer = new Set(['HOST', 'CONFIG', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES']);
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRACKER_') && !outer.has(k)),
  );
  const out = execFileSync('make', ['-n', '--no-print-directory', 'run', ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  const line = out.split('\n').find((l) => l.includes('ingest/server.ts'));
  if (line === undefined) throw new Error(`make -n run printed no ingest command:\n${out}`);
  return line;
}

const hostOf = (command: string): string | undefined => /TRACKER_SERVER__HOST=(\S+) /.exec(command)?.[1];

describe('make run', () => {
  it.each([
    ['nothing', [], {}, '127.0.0.1'],
    ['HOST', ['HOST=0.0.0.0'], {}, '0.0.0.0'],
    ['HOST with a config file', ['HOST=::1', 'CONFIG=ingest.yaml'], {}, '::1'],
    ['a config file (its server.host)', ['CONFIG=ingest.yaml'], {}, undefined],
    ['TRACKER_CONFIG (its server.host)', [], { TRACKER_CONFIG: 'ingest.yaml' }, undefined],
    ['TRACKER_SERVER__HOST', [], { TRACKER_SERVER__HOST: '0.0.0.0' }, undefined],
    ['HOST over TRACKER_SERVER__HOST', ['HOST=127.0.0.2'], { TRACKER_SERVER__HOST: '0.0.0.0' }, '127.0.0.2'],
  ])('given %s: the host it sets on the command line', (_given, args, env, host) => {
    expect(hostOf(runCommand(args, env))).toBe(host);
  });
});
