// The one loader: defaults from the schema, every problem at once in one path style, frozen results, and
// file errors as problems. The ingest, operator and TrackerCluster loaders are tested with their schemas in
// ingest/config.test.ts, operator/config.test.ts and crds/validate.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defaultsOf, parseConfig, readConfigFile, validate } from './loader.ts';
import { ConfigError } from './problems.ts';

const Section = Type.Object(
  { port: Type.Integer({ minimum: 1, default: 80 }) },
  { additionalProperties: false },
);
const Kind = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('a'), x: Type.Integer({ default: 1 }) },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('b'), y: Type.String() }, { additionalProperties: false }),
  ],
  { default: { kind: 'a' } },
);
const Schema = Type.Object(
  {
    server: Type.Optional(Section),
    store: Type.Optional(Kind),
    size: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^[0-9]+Gi$' })])),
  },
  { additionalProperties: false },
);

const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return { message: err.message, problems: err.problems, code: err.code };
  }
  throw new Error('expected a ConfigError');
};

describe('validate', () => {
  it('fills absent sections with their defaults when asked, and a union section by its kind', () => {
    expect(validate(Schema, {}, { emptySections: true }).value).toEqual({
      server: { port: 80 },
      store: { kind: 'a', x: 1 },
    });
    expect(validate(Schema, { store: { kind: 'a' } }).value).toEqual({ store: { kind: 'a', x: 1 } });
  });

  it('reports every problem in one path style, under a root when given', () => {
    const { problems: found } = validate(
      Schema,
      { server: { port: 0, extra: 1 }, size: '10 GB' },
      { root: 'spec' },
    );
    expect(found).toEqual([
      'spec.server.extra: unknown key',
      'spec.server.port: must be >= 1',
      'spec.size: must match pattern "^[0-9]+Gi$"',
    ]);
    expect(validate(Schema, { store: { kind: 'c' } }).problems).toEqual(['store.kind: must be one of a, b']);
    expect(validate(Schema, 'x', { root: 'spec' }).problems).toEqual(['spec: must be an object']);
  });

  it('refuses map keys that do not match the key pattern, naming the map and the key', () => {
    const Bits = Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer({ minimum: 0 }));
    const Maps = Type.Object(
      {
        bits: Type.Optional(Bits),
        lists: Type.Optional(Type.Array(Type.Object({ bits: Bits }, { additionalProperties: false }))),
        any: Type.Optional(Type.Record(Type.String(), Type.Integer())),
      },
      { additionalProperties: false },
    );
    const input = { bits: { ok: 1, Bad: 2, 'a/b': -1 }, lists: [{ bits: { x1: 0 } }], any: { Any: 1 } };
    expect(validate(Maps, input, { root: 'spec' }).problems).toEqual([
      'spec.bits.Bad: key must match pattern "^[a-z]+$"',
      'spec.bits.a/b: key must match pattern "^[a-z]+$"',
      'spec.lists.0.bits.x1: key must match pattern "^[a-z]+$"',
    ]);
    expect(validate(Maps, { bits: { ok: 1 }, any: { Any: 1 } }).problems).toEqual([]);
  });

  it('never modifies its input', () => {
    const input = { server: {} };
    validate(Schema, input, { emptySections: true });
    expect(input).toEqual({ server: {} });
  });
});

describe('parseConfig', () => {
  it('freezes the result and runs cross-field checks once the schema holds', () => {
    const config = parseConfig<{ server: { port: number } }>(Schema, { server: {} }, { subject: 'test' });
    expect(Object.isFrozen(config.server)).toBe(true);
    const failed = problems(() =>
      parseConfig(
        Schema,
        { server: { port: 81 } },
        { subject: 'test (x.yaml)', checks: [() => ['server.port: odd']] },
      ),
    );
    expect(failed).toEqual({
      message: 'invalid test (x.yaml):\n  - server.port: odd',
      problems: ['server.port: odd'],
    });
  });

  it('reports earlier problems together with the schema’s', () => {
    const failed = problems(() =>
      parseConfig(Schema, { size: true }, { subject: 't', problems: ['ENV_X: no key'] }),
    );
    expect(failed.problems).toEqual(['ENV_X: no key', 'size: must be integer']);
  });
});

describe('readConfigFile', () => {
  it('reads YAML and JSON, and names an unreadable file as a problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loader-'));
    writeFileSync(join(dir, 'c.yaml'), 'server:\n  port: 9\n');
    writeFileSync(join(dir, 'c.json'), '{"server": {"port": 10}}');
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(readConfigFile(join(dir, 'c.yaml'), 't')).toEqual({ server: { port: 9 } });
    expect(readConfigFile(join(dir, 'c.json'), 't')).toEqual({ server: { port: 10 } });
    expect(problems(() => readConfigFile(join(dir, 'bad.json'), 't')).problems[0]).toMatch(/^cannot read: /);
    expect(problems(() => readConfigFile(join(dir, 'none.yaml'), 't')).problems[0]).toMatch(/ENOENT/);
  });

  // A missing --config file stopped the ingest with code STARTUP_INVALID and Node's own words
  // ("ENOENT: no such file or directory, open …"), where every other file it cannot read has its code.
  it.each([
    ['a missing file', (dir: string) => join(dir, 'none.yaml'), 'no such file (ENOENT)', 'ENOENT'],
    ['a directory', (dir: string) => dir, 'is a directory (EISDIR)', 'EISDIR'],
  ])('names %s in words and carries the system code', (_what, path, problem, code) => {
    const failed = problems(() => readConfigFile(path(mkdtempSync(join(tmpdir(), 'loader-'))), 't'));
    expect(failed.problems).toEqual([`cannot read: ${problem}`]);
    expect(failed.code).toBe(code);
  });

  it('names a YAML syntax error by its line and column, in one line without the excerpt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loader-'));
    writeFileSync(join(dir, 'bad.yaml'), 'server: [\n');
    expect(problems(() => readConfigFile(join(dir, 'bad.yaml'), 't')).problems).toEqual([
      'cannot read: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
    ]);
  });
});

describe('defaultsOf', () => {
  it('is the schema’s defaults for an empty section', () =>
    expect(defaultsOf(Section)).toEqual({ port: 80 }));
});
