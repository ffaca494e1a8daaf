import { describe, expect, it } from 'vitest';
import { hostEntryProblem, originEntryProblem } from './hosts-origins.ts';

describe('host names in the configuration', () => {
  it.each([
    ['shop.example', {}, undefined],
    ['.shop.example', { leadingDot: true }, undefined],
    ['[::1]', {}, undefined],
    [
      'https://shop.example',
      {},
      '"https://shop.example" is not a host name (no scheme, port or path); write "shop.example"',
    ],
    ['go.example/', {}, '"go.example/" is not a host name (no scheme, port or path); write "go.example"'],
    [
      'go.example:8080',
      {},
      '"go.example:8080" is not a host name (no scheme, port or path); write "go.example"',
    ],
    ['Shop.Example', {}, undefined],
    [
      '*.shop.example',
      { leadingDot: true },
      '"*.shop.example" is not a host name: no wildcards; ".shop.example" lists every subdomain',
    ],
    ['*.shop.example', {}, '"*.shop.example" is not a host name: no wildcards'],
    ['a b', {}, '"a b" is not a host name (no scheme, port or path)'],
  ])('%s %j → %s', (entry, opts, problem) => {
    expect(hostEntryProblem(entry, opts)).toBe(problem);
  });
});

describe('origins in the configuration', () => {
  it.each([
    ['https://a.example', {}, undefined],
    ['http://localhost:3000', {}, undefined],
    ['null', {}, undefined],
    ['*', { star: true }, undefined],
    ['*', {}, '"*" is not an origin: no wildcards'],
    [
      'https://*.a.example',
      { star: true },
      '"https://*.a.example" is not an origin: no wildcards (only "*" alone, every origin)',
    ],
    [
      'https://a.example/',
      {},
      '"https://a.example/" is not an origin (scheme://host[:port], no path, lower case); write "https://a.example"',
    ],
    [
      'a.example',
      {},
      '"a.example" is not an origin (scheme://host[:port], no path, lower case); write "https://a.example"',
    ],
    [
      'https://A.example',
      {},
      '"https://A.example" is not an origin (scheme://host[:port], no path, lower case); write "https://a.example"',
    ],
  ])('%s %j → %s', (entry, opts, problem) => {
    expect(originEntryProblem(entry, opts)).toBe(problem);
  });
});
