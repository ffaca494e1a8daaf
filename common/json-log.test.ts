import { spawn } from 'node:child_process';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorFields, pinoLine } from './json-log.ts';
import { StartupError, startupCode, startupLogLine } from './startup-error.ts';

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('log lines in the shape of the process logger', () => {
  // The ingest's other lines are the Fastify logger's: a line of another shape would not sort, filter or
  // parse with them in a log pipeline.
  it("pinoLine: the keys of the Fastify logger's lines, in its order", async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (l: string) => lines.push(l) } } });
    app.log.warn({ code: 'X' }, 'from the logger');
    await app.close();
    const ours = parse(pinoLine('warn', 'ours', { code: 'X' }));
    const theirs = parse(lines[0] ?? '{}');
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(ours).toMatchObject({
      level: theirs.level,
      pid: theirs.pid,
      hostname: theirs.hostname,
      msg: 'ours',
    });
  });

  it('an error: its code beside msg, its type, message, code, stack and cause under err', () => {
    const err = Object.assign(new Error('insert failed', { cause: new Error('ECONNREFUSED') }), {
      code: 'E1',
    });
    expect(errorFields(err)).toEqual({
      code: 'E1',
      err: {
        type: 'Error',
        message: 'insert failed',
        code: 'E1',
        stack: expect.stringContaining('insert failed'),
        cause: expect.objectContaining({ message: 'ECONNREFUSED' }),
      },
    });
    expect(errorFields(undefined)).toEqual({});
    expect(errorFields('text')).toEqual({ err: { type: 'string', message: 'text' } });
  });
});

// The start-up failure was a plain-text line: the last line of a crash-looping pod, which a JSON log
// pipeline failed to parse.
describe('startupLogLine: the start-up failure as a log line with a stable code', () => {
  const systemError = (code: string, path?: string) =>
    Object.assign(new Error(code), { code, ...(path === undefined ? {} : { path, syscall: 'open' }) });

  it.each([
    ['a StartupError of its own code', new StartupError('x', { code: 'EADDRINUSE' }), 'EADDRINUSE'],
    ['a file that cannot be read', systemError('ENOENT', '/etc/tracker/key'), 'ENOENT'],
    ['a StartupError without a code (the user fixes it)', new StartupError('x'), 'STARTUP_INVALID'],
    ['anything else', new Error('boom'), 'STARTUP_FAILED'],
  ])('%s: %s', (_what, err, code) => {
    expect(startupCode(err)).toBe(code);
  });

  it('one JSON line: level error, the readable line as msg, the code; the error only with LOG_LEVEL=debug', () => {
    const proc = { name: 'ingest', line: pinoLine };
    const err = new StartupError('server.port: must be integer; set it to a number');
    const line = startupLogLine(proc, err, {});
    expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
    expect(parse(line)).toMatchObject({
      level: 50,
      msg: 'ingest cannot start: server.port: must be integer; set it to a number',
      code: 'STARTUP_INVALID',
    });
    expect(parse(line)).not.toHaveProperty('err');
    expect(parse(startupLogLine(proc, err, { LOG_LEVEL: 'debug' }))).toMatchObject({
      err: { type: 'StartupError', stack: expect.any(String) },
    });
  });
});

// Node wrote its warnings and an uncaught error's stack as plain text among the logger's JSON lines.
describe("logProcessWarnings: Node's own lines as log lines", { timeout: 60_000 }, () => {
  const script = (body: string) => `
    const { logProcessWarnings, pinoLine } = await import(${JSON.stringify(new URL('./json-log.ts', import.meta.url).pathname)});
    logProcessWarnings(pinoLine);
    ${body}`;
  const run = (body: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script(body)], { stdio: 'pipe' });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      child.once('close', (code) => resolve({ code, stderr }));
    });
  const lines = (text: string) => text.trim().split('\n').map(parse);

  it.each([
    [
      'a warning',
      "process.emitWarning('idle code pages are no longer unmapped', { code: 'TRACKER_IDLE_CODE' });",
      0,
      { level: 40, code: 'TRACKER_IDLE_CODE', msg: 'Warning: idle code pages are no longer unmapped' },
    ],
    [
      'an uncaught error',
      "setTimeout(() => { throw Object.assign(new Error('boom'), { code: 'E_BUG' }); });",
      1,
      {
        level: 60,
        code: 'E_BUG',
        msg: 'uncaught error: boom',
        err: expect.objectContaining({ stack: expect.any(String) }),
      },
    ],
    [
      'an unhandled rejection',
      "Promise.reject(new Error('lost'));",
      1,
      { level: 60, msg: 'unhandled rejection: lost' },
    ],
  ])('%s', async (_what, body, code, line) => {
    const out = await run(body);
    expect(out.code).toBe(code);
    expect(lines(out.stderr)).toEqual([expect.objectContaining(line)]);
  });
});
