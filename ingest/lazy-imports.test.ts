// The NATS client is imported only where NATS is configured: the modules an ingest loads at start (the
// process entry's whole static import graph) never reach @nats-io. A child process records every module
// it resolves while importing them.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const hook = `
import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  const r = next(specifier, context);
  if (r.url.includes('/@nats-io/')) process.stdout.write('NATS ' + r.url + ' from ' + context.parentURL + '\\n');
  return r;
} });`;

function resolvedNats(modules: readonly string[]): string {
  const imports = modules.map((m) => `await import(${JSON.stringify(new URL(m, import.meta.url).href)});`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      '--input-type=module',
      '-e',
      imports.join('\n'),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('what an ingest without NATS loads', () => {
  it('imports no @nats-io module with the app, the runtime and the data path', () => {
    expect(resolvedNats(['./app.ts', './runtime.ts', './datapath/index.ts', './destinations/index.ts'])).toBe(
      '',
    );
  });

  it('is able to see one: the NATS spool module does import the client', () => {
    expect(resolvedNats(['./datapath/spool/nats.ts'])).toContain('NATS ');
  });
});
