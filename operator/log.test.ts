import { describe, expect, it } from 'vitest';
import { isoLine } from '../common/json-log.ts';
import { createLogger } from './log.ts';

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

// The operator's start-up failure and process warnings are written with isoLine, outside its logger.
describe('operator log lines', () => {
  it("isoLine: the operator logger's line (which writes through it)", () => {
    const lines: string[] = [];
    createLogger('info', { component: 'c' }, (l) => lines.push(l)).warn('w', { key: 'k' });
    const theirs = parse(lines[0] ?? '{}');
    const ours = parse(isoLine('warn', 'w', { component: 'c', key: 'k' }));
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(parse(isoLine('fatal', 'f'))).toMatchObject({ level: 'error' });
  });
});
