import { describe, expect, it } from 'vitest';
import { repeatsQuiet, runtimeLine, stderrLog, throttled } from './runtime-log.ts';

describe('runtime log', () => {
  // A destination that kept failing was logged as "...; retrying undefined".
  it('prints a message without an error alone, never "undefined"', () => {
    const lines: string[] = [];
    stderrLog((line) => lines.push(line))('destination crm: 1 events not accepted (HTTP 500); retrying');
    expect(lines).toEqual(['destination crm: 1 events not accepted (HTTP 500); retrying']);
  });

  it('follows a message with its error', () => {
    const line = runtimeLine('data path', new Error('store unreachable'));
    expect(line).toMatch(/^data path: Error: store unreachable\n\s+at /);
  });

  // With NATS frozen every rate-limited request logged "shared rate limit unavailable", thousands a second.
  it('throttled: the first report, then one per interval counting what it stood for', () => {
    const lines: string[] = [];
    let now = 1_000;
    const report = throttled(
      (msg) => lines.push(msg),
      'shared store down',
      10_000,
      () => now,
    );
    report(new Error('a'));
    for (let i = 0; i < 500; i++) report(new Error('b'));
    now += 10_000;
    report(new Error('c'));
    now += 10_000;
    report();
    expect(lines).toEqual([
      'shared store down',
      'shared store down (501 times since the last report)',
      'shared store down',
    ]);
  });

  // With the disk full the data path retried each table's flush every second and each retry printed the
  // same stack, onto the full disk.
  it('repeatsQuiet: the same failure once per interval with its count, another failure at once', () => {
    const lines: string[] = [];
    let now = 0;
    const log = repeatsQuiet(
      (msg, err) => lines.push(`${msg} | ${(err as Error).message}`),
      10_000,
      () => now,
    );
    for (let i = 0; i < 30; i++) {
      log('data path', new Error('ENOSPC: no space left on device'));
      now += 1_000;
    }
    log('data path', new Error('Code: 241. Memory limit exceeded'));
    expect(lines).toEqual([
      'data path | ENOSPC: no space left on device',
      'data path (9 more times since the last report) | ENOSPC: no space left on device',
      'data path (9 more times since the last report) | ENOSPC: no space left on device',
      'data path | Code: 241. Memory limit exceeded',
    ]);
  });
});
