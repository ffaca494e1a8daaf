import { describe, expect, it } from 'vitest';
import { REDACTED_PARAMS, redactEveryPart, redactUrl } from './url-redact.ts';

describe('URLs as stored', () => {
  it.each([
    [
      'https://shop.example/reset?email=alice@example.com&token=secret123',
      'https://shop.example/reset?email=redacted&token=redacted',
    ],
    ['https://x.example/?access_token=tok999&page=2', 'https://x.example/?access_token=redacted&page=2'],
    [
      'https://a.example/cb#access_token=abc&token_type=bearer',
      'https://a.example/cb#access_token=redacted&token_type=bearer',
    ],
    ['https://user:pw@a.example/p?q=1', 'https://a.example/p?q=1'],
    [
      'https://a.example/u/bob%40example.com/x?utm_source=news&q=hi+there',
      'https://a.example/u/redacted/x?utm_source=news&q=hi+there',
    ],
    ['https://a.example/?ref=bob@example.com', 'https://a.example/?ref=redacted'],
    ['/signup?Email=a@b.co&plan=pro', '/signup?Email=redacted&plan=pro'],
    ['https://a.example/?E%4Dail=a', 'https://a.example/?E%4Dail=redacted'],
  ])('%s → %s', (url, stored) => expect(redactUrl(url)).toBe(stored));

  it.each([
    'https://shop.example/products/item?id=123&utm_source=x&utm_medium=y&gclid=abc',
    'https://medium.com/@user/post.title',
    'https://a.example/p?email',
    'https://a.example/#/route',
    'not a url',
  ])('%s is kept as sent', (url) => expect(redactUrl(url)).toBe(url));

  it('a long URL with an @ but no address is kept as sent', () => {
    const long = `https://a.example/?q=${'a'.repeat(8000)}@${'b.'.repeat(3000)}1`;
    expect(redactUrl(long)).toBe(long);
  });

  it('skips only URLs its whole pass would keep as sent', () => {
    // URLs built from pieces that do and do not trigger a redaction: listed names in any case, names
    // percent-encoded or with '+', addresses encoded or not, pairs in the query and the fragment.
    const names = [
      ...REDACTED_PARAMS,
      'utm_source',
      'q',
      'E%4Dail',
      'email+',
      ' email',
      'key\t',
      'tok%65n',
      'id',
      'codes',
    ];
    const values = ['1', 'a@b.co', 'a%40b.co', 'x+y', '', 'abc%20d'];
    const paths = ['https://a.example/p', '/p', 'https://u:p@a.example/', 'https://a.example/@me'];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length] as T;
    };
    const pairs = () =>
      Array.from({ length: 1 + (seed % 3) }, () => {
        const name = pick(names);
        return `${seed % 2 ? name.toUpperCase() : name}=${pick(values)}`;
      }).join('&');
    for (let i = 0; i < 5000; i++) {
      const url = `${pick(paths)}?${pairs()}${pick(['', `#${pairs()}`, '#/route'])}`;
      expect(redactUrl(url), url).toBe(redactEveryPart(url));
    }
  });
});
