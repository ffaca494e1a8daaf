// Facebook's customer-information normalisation, checked against the examples its documentation
// gives (input → normalised form → expected SHA-256) and the rules stated next to them.
import { describe, expect, it } from 'vitest';
import { hashUserData, normalise, sha256Hex } from './user-data.ts';

describe("Facebook's documented examples", () => {
  it.each([
    // em: "Trim any leading and trailing spaces. Convert all characters to lowercase."
    [
      'em',
      'John_Smith@gmail.com',
      '',
      'john_smith@gmail.com',
      '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
    ],
    // ph: "Remove symbols, letters, and any leading zeros"; the country code must be part of the number
    [
      'ph',
      '+1 (650) 555-1212',
      '',
      '16505551212',
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    ],
    [
      'ph',
      '1 (650) 555-1212',
      '',
      '16505551212',
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    ],
    // ct: lower case, no punctuation, no special characters, no white space
    ['ct', 'Menlo Park', '', 'menlopark', '0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685'],
    // st: the two-character ANSI abbreviation code in lower case
    ['st', 'California', 'US', 'ca', '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
    ['st', 'CA', 'US', 'ca', '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
    // zp: lower case, no white space; US: the first five digits
    ['zp', '94035', 'US', '94035', '1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e'],
    ['zp', '94035-1234', 'US', '94035', '1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e'],
    // country: two-letter ISO 3166-1 alpha-2, lower case
    ['country', 'US', '', 'us', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
  ] as const)('%s %j (%s) → %s', (key, input, country, normalised, hash) => {
    expect(normalise(key, input, country)).toBe(normalised);
    expect(hashUserData(key, input, country)).toBe(hash);
    expect(sha256Hex(normalised)).toBe(hash);
  });
});

describe('the normalisation rules beyond the examples', () => {
  it.each([
    ['em', '  Ada.Lovelace@Example.COM ', '', 'ada.lovelace@example.com'],
    ['em', 'not-an-email', '', undefined],
    ['ph', '0044 20 7946 0958', '', '442079460958'],
    ['ph', 'call me', '', undefined],
    ['ct', 'São Paulo', '', 'sãopaulo'],
    ['ct', "St. John's 2", '', 'stjohns'],
    ['st', 'New York', 'US', 'ny'],
    ['st', 'Bavaria', 'DE', 'bavaria'],
    ['st', 'Île-de-France', 'FR', 'îledefrance'],
    ['zp', 'SW1A 1AA', 'GB', 'sw1a1aa'],
    ['zp', '1010-AB', 'NL', '1010ab'],
    ['country', 'United States', '', undefined],
    ['external_id', 'ABC-123', '', 'abc-123'],
    ['ct', '   ', '', undefined],
  ] as const)('%s %j (%s) → %j', (key, input, country, normalised) => {
    expect(normalise(key, input, country)).toBe(normalised);
  });

  it('passes an already hashed value through (server-side callers may pre-hash) and skips empty ones', () => {
    const hashed = '62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F';
    expect(hashUserData('em', hashed)).toBe(hashed.toLowerCase());
    expect(hashUserData('ct', '')).toBeUndefined();
    expect(hashUserData('ct', undefined)).toBeUndefined();
    expect(hashUserData('zp', 94035, 'US')).toBe(
      '1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e',
    );
  });
});
