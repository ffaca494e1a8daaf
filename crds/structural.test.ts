import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { TrackerClusterSpec } from './spec.ts';
import { type JsonSchema, SchemaConversionError, toStructural } from './structural.ts';

const conv = (schema: unknown) => toStructural(schema as JsonSchema);

describe('toStructural', () => {
  it.each([
    [
      'literal union → enum',
      Type.Union([Type.Literal('a'), Type.Literal('b')]),
      { type: 'string', enum: ['a', 'b'] },
    ],
    [
      'nested literal union is flattened',
      Type.Union([Type.Union([Type.Literal(1), Type.Literal(3)])], { default: 1 }),
      { type: 'integer', enum: [1, 3], default: 1 },
    ],
    ['const → enum', Type.Literal('x'), { type: 'string', enum: ['x'] }],
    [
      'record → additionalProperties, its key pattern a CEL rule',
      Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer({ minimum: 0 })),
      {
        type: 'object',
        additionalProperties: { type: 'integer', minimum: 0 },
        'x-kubernetes-validations': [
          {
            rule: "self.all(k, k.matches('^[a-z]+$'))",
            messageExpression:
              "'key \"' + self.filter(k, !k.matches('^[a-z]+$'))[0] + '\" must match pattern \"^[a-z]+$\"'",
            message: 'every key must match pattern "^[a-z]+$"',
          },
        ],
      },
    ],
    [
      "a key pattern's quotes and backslashes escaped in CEL, after the record's own rules",
      Type.Record(Type.String({ pattern: "^[\\w']+$" }), Type.String(), {
        'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'm' }],
      }),
      {
        type: 'object',
        additionalProperties: { type: 'string' },
        'x-kubernetes-validations': [
          { rule: 'size(self) < 3', message: 'm' },
          {
            rule: "self.all(k, k.matches('^[\\\\w\\']+$'))",
            messageExpression:
              "'key \"' + self.filter(k, !k.matches('^[\\\\w\\']+$'))[0] + '\" must match pattern \"^[\\\\w\\']+$\"'",
            message: 'every key must match pattern "^[\\w\']+$"',
          },
        ],
      },
    ],
    [
      'a record of any key has no rule',
      Type.Record(Type.String(), Type.Integer()),
      { type: 'object', additionalProperties: { type: 'integer' } },
    ],
    [
      'preserve-unknown-fields keeps no properties',
      Type.Record(Type.String(), Type.Unknown(), {
        'x-kubernetes-preserve-unknown-fields': true,
        description: 'd',
      }),
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'd' },
    ],
    [
      'int-or-string is the bare marker (no anyOf: a wrong type is refused once), its pattern left to its CEL rule',
      Type.Union([Type.Integer(), Type.String({ pattern: '^a$' })], {
        'x-kubernetes-int-or-string': true,
        'x-kubernetes-validations': [{ rule: "type(self) == int || self == 'a'", message: 'm' }],
      }),
      {
        'x-kubernetes-int-or-string': true,
        'x-kubernetes-validations': [{ rule: "type(self) == int || self == 'a'", message: 'm' }],
      },
    ],
    [
      'additionalProperties:false and $id dropped, defaulted fields not required',
      Type.Object(
        { a: Type.String(), b: Type.Integer({ default: 1 }), c: Type.Optional(Type.Boolean()) },
        { additionalProperties: false, $id: 'X' },
      ),
      {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'integer', default: 1 }, c: { type: 'boolean' } },
        required: ['a'],
      },
    ],
    [
      'uniqueItems → list-type set',
      Type.Array(Type.String(), { uniqueItems: true, maxItems: 3 }),
      { type: 'array', items: { type: 'string' }, maxItems: 3, 'x-kubernetes-list-type': 'set' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(conv(input)).toEqual(expected);
  });

  it.each([
    [
      'object unions',
      Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]),
      /anyOf/,
    ],
    ['untyped schemas', Type.Unknown(), /needs a type/],
    ['unknown keywords', Type.Object({ a: Type.String() }, { if: {} }), /keyword "if"/],
    ['numeric exclusive bounds', Type.Integer({ exclusiveMinimum: 0 }), /exclusiveMinimum/],
    // Regression: the pattern went into the CRD, and a refusal printed its regular expression.
    [
      'an int-or-string pattern without a CEL rule',
      Type.Union([Type.Integer(), Type.String({ pattern: '^a$' })], { 'x-kubernetes-int-or-string': true }),
      /int-or-string pattern needs a CEL rule/,
    ],
  ])('rejects %s with the path', (_name, input, message) => {
    expect(() => toStructural(input as unknown as JsonSchema, 'spec.x')).toThrow(SchemaConversionError);
    expect(() => toStructural(input as unknown as JsonSchema, 'spec.x')).toThrow(message);
  });

  it('leaves no construct a structural schema forbids anywhere in the TrackerCluster spec', () => {
    const text = JSON.stringify(conv(TrackerClusterSpec));
    for (const forbidden of [
      '"$id"',
      '"const"',
      '"patternProperties"',
      '"additionalProperties":false',
      '"oneOf"',
    ]) {
      expect(text).not.toContain(forbidden);
    }
  });
});
