import { describe, expect, it } from 'vitest';
import { ja4h } from './ja4h.ts';

describe('ja4h', () => {
  it('follows the JA4H layout', () => {
    const fp = ja4h('GET', '1.1', [
      'Host',
      'x',
      'User-Agent',
      'ua',
      'Accept-Language',
      'en-US,en;q=0.9',
      'Cookie',
      'b=2; a=1',
      'Referer',
      'https://r',
    ]);
    const [a, b, c, d] = fp.split('_');
    expect(a).toBe('ge11cr03enus');
    expect(b).toHaveLength(12);
    expect(c).toHaveLength(12);
    expect(d).toBe('000000000000'); // the cookie values' part: never a per-person hash
    expect(ja4h('POST', '2.0', ['Host', 'x'])).toMatch(/^po20nn010000_[0-9a-f]{12}_0{12}_0{12}$/);
  });

  // The stored fingerprints do not change when the code computing them does (values as the Go tracker's
  // layout gave them before cookie-less and language-less requests took a shorter path).
  it.each([
    [
      [
        'GET',
        '1.1',
        [
          'Host',
          'x',
          'User-Agent',
          'ua',
          'Accept-Language',
          'en-US,en;q=0.9',
          'Cookie',
          'b=2; a=1',
          'Referer',
          'https://r',
        ],
      ],
      'ge11cr03enus_ea59799162d6_1eb7c54d5283_000000000000',
    ],
    [['POST', '2.0', ['Host', 'x']], 'po20nn010000_4a823118b9ba_000000000000_000000000000'],
    [
      ['POST', '1.1', ['host', 'x', 'cookie', '', 'accept-language', '', 'Content-Type', 'text/plain']],
      'po11nn030000_f68eebbc1ba4_000000000000_000000000000',
    ],
    [
      ['PUT', '1.0', ['Host', 'x', 'Cookie', ' ; ;', 'ACCEPT-LANGUAGE', 'de;q=1', 'COOKIE', 'z=1']],
      'pu10cn02de00_21785bcb2aa5_594e519ae499_000000000000',
    ],
    [
      ['GET', '3', ['Host', 'x', 'Accept-Language', '*', 'Referer', '']],
      'ge30nr02*000_09e340ee0db0_000000000000_000000000000',
    ],
  ] as const)('%j → %s', ([method, version, headers], expected) => {
    expect(ja4h(method, version, headers)).toBe(expected);
  });
});
