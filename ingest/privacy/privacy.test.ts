import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { grantedNames, hasConsent } from './consent.ts';
import { createHasher, fnv1a36, HASH_MEMO_ENTRIES } from './hash.ts';
import { applyIpMode, storedIp, truncateIp } from './ip.ts';
import { createMemorySaltStore, dayKey } from './salts.ts';

describe('IP modes (applied to every table with an IP)', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:abcd:12:34::1', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8::'],
    ['::1', '::'],
    ['fe80:1:2:3:4:5:6:7', 'fe80:1:2::'],
    ['not-an-ip', ''],
    // 6to4: the /48 held the whole IPv4 address 203.0.113.77 (cb00:714d)
    ['2002:cb00:714d:1::1', '2002:cb00:7100::'],
    ['2002:cb00:71ff::', '2002:cb00:7100::'],
    // Teredo: the /48 is the relay's address; the client's is below it
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:0:4136::'],
  ])('truncate %s → %s', (ip, out) => expect(truncateIp(ip)).toBe(out));

  it.each([
    ['keep', '203.0.113.77', '203.0.113.77'],
    ['truncate', '203.0.113.77', '203.0.113.0'],
    ['truncate', '2001:db8:abcd:12::1', '2001:db8:abcd::'],
  ] as const)('%s: iphash is the keyed hash of the stored %s → %s, never of more', (mode, ip, kept) => {
    const h = createHasher(Buffer.alloc(32, 3));
    expect(storedIp(ip, mode, h)).toEqual({ ip: kept, iphash: h.hash('ip', kept) });
  });

  it('drop stores neither the IP nor its hash', () => {
    expect(storedIp('203.0.113.77', 'drop', createHasher(Buffer.alloc(32, 3)))).toEqual({
      ip: '',
      iphash: '',
    });
  });

  it('keep and drop', () => {
    expect(applyIpMode('1.2.3.4', 'keep')).toBe('1.2.3.4');
    expect(applyIpMode('1.2.3.4', 'drop')).toBe('');
    expect(applyIpMode('', 'truncate')).toBe('');
  });
});

describe('consent bits', () => {
  const bits = { necessary: 0, analytics: 1, marketing: 2, ads: 40 };
  it.each([
    [0b010, 'analytics', true],
    [0b101, 'analytics', false],
    [2 ** 40, 'ads', true],
    [-1, 'analytics', false],
  ])('hasConsent(%i, %s) = %s', (cflags, name, ok) => expect(hasConsent(cflags, bits, name)).toBe(ok));
  it('undefined or unknown → no consent', () => {
    expect(hasConsent(undefined, bits, 'analytics')).toBe(false);
    expect(hasConsent(7, bits, 'nope')).toBe(false);
  });
  it('grantedNames', () => expect(grantedNames(0b101, bits)).toEqual(['necessary', 'marketing']));
});

describe('daily salts', () => {
  const DAY = 86_400_000;
  const t0 = Date.UTC(2025, 0, 10, 8);
  it('one salt per UTC day, stable within the day', async () => {
    const s = createMemorySaltStore();
    const a = await s.forDay(t0);
    expect(await s.forDay(t0 + 3600_000)).toBe(a);
    expect(await s.forDay(t0 + DAY)).not.toEqual(a);
    expect(s.days()).toEqual([dayKey(t0), dayKey(t0 + DAY)]);
  });
  it('salts are deleted 48 h after their day began', async () => {
    const s = createMemorySaltStore();
    const first = await s.forDay(t0);
    await s.forDay(t0 + 2 * DAY);
    expect(s.days()).toEqual([dayKey(t0 + 2 * DAY)]);
    expect(await s.forDay(t0)).not.toEqual(first); // the old day's ids can never be recomputed
  });
  it('a salt is deleted and zeroed 48 h after its day began without any later request', async () => {
    const timers: { fn: () => void; delayMs: number }[] = [];
    const s = createMemorySaltStore((fn, delayMs) => timers.push({ fn, delayMs }));
    const salt = await s.forDay(t0);
    const copy = Buffer.from(salt);
    expect(timers.map((t) => t.delayMs)).toEqual([2 * DAY - (t0 % DAY)]);
    for (const t of timers) t.fn();
    expect(s.days()).toEqual([]);
    expect(salt.equals(Buffer.alloc(16))).toBe(true);
    expect(await s.forDay(t0)).not.toEqual(copy);
  });
});

describe('hashing', () => {
  it('HMAC is keyed and domain-separated', () => {
    const h = createHasher(Buffer.alloc(32, 1));
    expect(h.hash('email', 'a')).not.toBe(h.hash('ip', 'a'));
    expect(h.hash('email', 'a')).not.toBe(createHasher(Buffer.alloc(32, 2)).hash('email', 'a'));
    expect(() => createHasher(Buffer.alloc(4))).toThrow(/16 bytes/);
  });
  it('remembered hashes equal fresh HMACs, past the memo bound too, and callers cannot alter them', () => {
    const key = Buffer.alloc(32, 7);
    const h = createHasher(key);
    const hmac = (domain: string, ...parts: string[]) => {
      const m = createHmac('sha256', key).update(domain).update('\0');
      for (const p of parts) m.update(p).update('\0');
      return m.digest();
    };
    for (let i = 0; i <= HASH_MEMO_ENTRIES + 10; i++) h.hash('ip', `10.0.${i >> 8}.${i & 255}`);
    for (const ip of ['10.0.0.0', '10.0.16.10', '198.51.100.1']) {
      expect(h.hash('ip', ip)).toBe(hmac('ip', ip).toString('base64url'));
      expect(h.hash('ip', ip)).toBe(hmac('ip', ip).toString('base64url'));
    }
    const first = h.bytes('cookieless', 'salt', 'host', '10.0.0.1', 'ua');
    first.fill(0);
    expect(h.bytes('cookieless', 'salt', 'host', '10.0.0.1', 'ua')).toEqual(
      hmac('cookieless', 'salt', 'host', '10.0.0.1', 'ua'),
    );
    expect(h.hash('email', 'a@x.com')).toBe(hmac('email', 'a@x.com').toString('base64url'));
  });
  it('fnv1a36 matches the Go tracker', () => {
    expect(fnv1a36('')).toBe((0x811c9dc5).toString(36));
    expect(fnv1a36('a')).toBe((0xe40c292c).toString(36));
  });
});
