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
