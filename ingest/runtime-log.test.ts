import { describe, expect, it } from 'vitest';
import { InsertFailure } from './datapath/delivery.ts';
import { jsonLog, repeatsQuiet, throttled } from './runtime-log.ts';

const logged = () => {
  const lines: string[] = [];
  const log = jsonLog(undefined, (line) => lines.push(line));
  return { log, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), lines };
};

describe('runtime log', () => {
  // The runtime's reports were plain text among the Fastify logger's JSON lines: a JSON log pipeline
  // failed on each, and a stack spread one report over many lines.
  it("writes each report as one JSON line in the Fastify logger's shape", () => {
    const { log, lines, entries } = logged();
    log('data path', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\{.*\}\n$/s);
    expect(lines[0]?.indexOf('\n')).toBe((lines[0]?.length ?? 0) - 1);
    expect(entries()[0]).toMatchObject({
      level: 50,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      msg: 'data path',
      code: 'ENOSPC',
      err: {
        type: 'Error',
        message: 'ENOSPC: no space left on device',
        code: 'ENOSPC',
        stack: expect.any(String),
      },
    });
  });

  // A destination that kept failing was logged as "...; retrying undefined".
  it('writes a message without an error as a warning with no err, never "undefined"', () => {
    const { log, entries } = logged();
    log('destination crm: 1 events not accepted (HTTP 500); retrying');
    log('geoip: the file changed', undefined, 'info');
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'destination crm: 1 events not accepted (HTTP 500); retrying',
      }),
      expect.objectContaining({ level: 30, msg: 'geoip: the file changed' }),
    ]);
    expect(entries()[0]).not.toHaveProperty('err');
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

  // Each retry of a failed insert said its attempt number in its text: the throttle keyed on the text saw
  // a new failure every time and wrote each one, every second, for as long as the store stayed away.
  it('repeatsQuiet: the retries of one failed insert as one, counted, the attempt a field', () => {
    const lines: string[] = [];
    let now = 0;
    const log = repeatsQuiet(
      jsonLog(undefined, (l) => lines.push(l)),
      10_000,
      () => now,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    for (let attempt = 1; attempt <= 12; attempt++) {
      log('data path', new InsertFailure('events', 'failed', attempt, refused));
      now += 1_000;
    }
    log('data path', new InsertFailure('sessions', 'failed', 1, refused));
    const full = Object.assign(new Error('Code: 243. Not enough space'), { code: '243' });
    log('data path', new InsertFailure('events', 'failed', 13, full));
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // the outcome's code at the top level, as every other coded line has it (a query or an alert on
    // `code` missed failed inserts); the store's own code stays with the cause
    expect(entries.map((e) => [e.msg, e.code, e.table, e.attempt])).toEqual([
      ['data path', 'INSERT_FAILED', 'events', 1],
      ['data path (9 more times since the last report)', 'INSERT_FAILED', 'events', 11],
      ['data path', 'INSERT_FAILED', 'sessions', 1],
      ['data path', 'INSERT_FAILED', 'events', 13],
    ]);
    expect(entries[0]).toMatchObject({
      err: {
        message: 'insert into events failed, retried: connect ECONNREFUSED 127.0.0.1:1',
        cause: { code: 'ECONNREFUSED' },
      },
    });
  });

  it.each([
    ['failed', 'INSERT_FAILED'],
    ['refused', 'INSERT_REFUSED'],
    ['held', 'INSERT_HELD'],
  ] as const)('a failed insert (%s) carries its outcome as the top-level code %s', (outcome, code) => {
    const lines: string[] = [];
    const cause = Object.assign(new Error('Code: 6. Cannot parse'), { code: '6' });
    jsonLog(undefined, (l) => lines.push(l))('data path', new InsertFailure('events', outcome, 1, cause));
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ code, err: { code, cause: { code: '6' } } });
  });

  // LOG_LEVEL set the Fastify logger's level only: with LOG_LEVEL=error the runtime's warn and info lines
  // were still written.
  it("leaves out what is below the process's log level", () => {
    const at = (threshold: 'error' | 'warn' | 'silent') => {
      const lines: string[] = [];
      const log = jsonLog(undefined, (l) => lines.push(l), threshold);
      log('a warning');
      log('a notice', undefined, 'info');
      log('a failure', new Error('x'));
      return lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    };
    expect(at('error')).toEqual(['a failure']);
    expect(at('warn')).toEqual(['a warning', 'a failure']);
    expect(at('silent')).toEqual([]);
  });
});
