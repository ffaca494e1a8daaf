// Rules across fields alongside the schema's problems: each rule is kept unless it read a key the schema
// refused (what it read is recorded, never declared by hand).
import { describe, expect, it } from 'vitest';
import { type Check, crossFieldProblems } from './cross-field.ts';

interface Value {
  server: { port: unknown; opsPort: unknown; proxies: unknown };
  bits: Record<string, unknown>;
}

const value = (over: Partial<Value['server']> = {}, bits: Value['bits'] = { analytics: 1 }): Value => ({
  server: { port: 80, opsPort: 80, proxies: ['10.0.0.0/8'], ...over },
  bits,
});

const ports: Check<Value> = (v) => (v.server.port === v.server.opsPort ? ['server.opsPort: same port'] : []);
const proxies: Check<Value> = (v) =>
  (v.server.proxies as string[]).filter((p) => !p.includes('/')).map((p) => `server.proxies: ${p}`);
const bit: Check<Value> = (v) => ('ads' in v.bits ? [] : ['bits: no ads']);
const keys: Check<Value> = (v) => Object.keys(v.bits).filter((k) => k !== 'analytics' && k !== 'ads');

describe('crossFieldProblems', () => {
  it('runs every rule when the schema held', () => {
    expect(crossFieldProblems(value({ proxies: ['x'] }), [], [ports, proxies])).toEqual([
      'server.opsPort: same port',
      'server.proxies: x',
    ]);
  });

  it.each([
    ['a sibling key', ['server.other: unknown key'], [ports, proxies], ['server.opsPort: same port']],
    ['a key the rule reads', ['server.port: must be integer'], [ports], []],
    ['the section the rule reads in', ['server: must be object'], [ports, bit], ['bits: no ads']],
    [
      'an element the rule reads',
      ['server.proxies.0: must be string'],
      [proxies, ports],
      ['server.opsPort: same port'],
    ],
    [
      'a key of a map the rule lists',
      ['bits.Bad: key must match pattern'],
      [keys, ports],
      ['server.opsPort: same port'],
    ],
    ['another key of a map the rule probes', ['bits.Bad: key must match pattern'], [bit], ['bits: no ads']],
  ])(
    'with a schema problem in %s, keeps only rules that read no refused key',
    (_, schema, checks, expected) => {
      const v = value({ proxies: ['10.0.0.0/8'] }, { Bad: 1, analytics: 1 });
      expect(crossFieldProblems(v, schema, checks as Check<Value>[])).toEqual(expected);
    },
  );

  it('leaves out a rule that throws on a value of the wrong shape, and rethrows where the value was valid', () => {
    const wrong = value({ proxies: 'not a list' });
    expect(crossFieldProblems(wrong, ['server.proxies: must be array'], [proxies, ports])).toEqual([
      'server.opsPort: same port',
    ]);
    const broken: Check<Value> = () => {
      throw new Error('a bug in the rule');
    };
    expect(() => crossFieldProblems(value(), ['server.proxies: must be array'], [broken])).toThrow('a bug');
  });

  it('runs no rule when the input as a whole is wrong, and reads paths under a root', () => {
    expect(crossFieldProblems('x' as unknown as Value, ['(root): must be an object'], [ports])).toEqual([]);
    expect(crossFieldProblems(value(), ['spec.server.port: must be integer'], [ports], 'spec')).toEqual([]);
    expect(crossFieldProblems(value(), ['spec.server.x: unknown key'], [ports], 'spec')).toEqual([
      'server.opsPort: same port',
    ]);
  });
});
