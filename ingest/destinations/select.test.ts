import { describe, expect, it } from 'vitest';
import { consented, parseLines, routed, select } from './select.ts';

const BITS = { necessary: 0, analytics: 1, marketing: 2 };

describe('consent of an event for a destination', () => {
  it.each([
    [{ cflags: 7 }, ['marketing'], true],
    [{ cflags: 4 }, ['marketing'], true],
    [{ cflags: 3 }, ['marketing'], false], // analytics only
    [{ cflags: 0 }, ['marketing'], false],
    [{}, ['marketing'], false], // no consent data: never inferred
    [{ cflags: '4' }, ['marketing'], true], // an Int64 spooled as digits
    [{ cflags: -1 }, ['marketing'], false],
    [{ cflags: 6 }, ['marketing', 'analytics'], true],
    [{ cflags: 4 }, ['marketing', 'analytics'], false],
    [{}, [], true], // a destination that requires none
  ])('%j with %j → %s', (row, consent, expected) => {
    expect(consented(row, consent, BITS)).toBe(expected);
  });
});

describe('routing by ename and etyp', () => {
  it.each([
    [{ ename: 'signup', etyp: 'conv' }, { enames: [], etyps: [] }, true],
    [{ ename: 'signup', etyp: 'conv' }, { enames: ['signup'], etyps: [] }, true],
    [{ ename: 'view', etyp: 'conv' }, { enames: ['signup'], etyps: [] }, false],
    [{ ename: 'signup', etyp: 'conv' }, { enames: ['signup'], etyps: ['view'] }, false],
    [{ ename: 'signup' }, { enames: [], etyps: ['conv'] }, false],
  ])('%j on %j → %s', (row, route, expected) => {
    expect(routed(row, route)).toBe(expected);
  });

  it('splits spooled lines and counts what was not routed and what had no consent', () => {
    const lines = Buffer.from(
      [
        { ename: 'a', cflags: 4 },
        { ename: 'a', cflags: 1 },
        { ename: 'b', cflags: 4 },
      ]
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    const parsed = parseLines(lines);
    expect(parsed.map((p) => p.line.toString())).toEqual(lines.toString().split(/(?<=\n)/));
    const s = select(parsed, { route: { enames: ['a'], etyps: [] }, consent: ['marketing'] }, BITS);
    expect(s.picked.map((p) => p.row)).toEqual([{ ename: 'a', cflags: 4 }]);
    expect([s.notRouted, s.noConsent]).toEqual([1, 1]);
  });
});
