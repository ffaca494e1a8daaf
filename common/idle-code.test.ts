import { describe, expect, it } from 'vitest';
import { cleanMappings } from './idle-code.ts';

/** One smaps entry: its header and the two fields read, the others as the kernel prints them. */
const entry = (range: string, perms: string, path: string, rss: number, anon: number) =>
  [
    `${range} ${perms} 00000000 08:01 1234                       ${path}`.trimEnd(),
    'Size:               2048 kB',
    `Rss:                 ${rss} kB`,
    'Pss:                    0 kB',
    `Anonymous:           ${anon} kB`,
    'VmFlags: rd ex mr mw me sd',
  ].join('\n');

describe('cleanMappings', () => {
  it('takes read-only mappings of a file that hold only clean resident pages', () => {
    const smaps = [
      entry('7f0000000000-7f0000200000', 'r-xp', '/app/node_modules/@chdb/lib/libchdb.so', 1800, 0),
      entry('7f0000200000-7f0000300000', 'r--p', '/app/node_modules/@chdb/lib/libchdb.so', 900, 0),
      entry('7f0000300000-7f0000310000', 'r--s', '/usr/share/zoneinfo/UTC', 4, 0),
    ].join('\n');
    expect(cleanMappings(smaps)).toEqual([
      {
        start: 0x7f0000000000n,
        end: 0x7f0000200000n,
        path: '/app/node_modules/@chdb/lib/libchdb.so',
        rssKb: 1800,
      },
      {
        start: 0x7f0000200000n,
        end: 0x7f0000300000n,
        path: '/app/node_modules/@chdb/lib/libchdb.so',
        rssKb: 900,
      },
      { start: 0x7f0000300000n, end: 0x7f0000310000n, path: '/usr/share/zoneinfo/UTC', rssKb: 4 },
    ]);
  });

  it('leaves what may hold a private page, what is not a file and what holds nothing', () => {
    const smaps = [
      // relocated data, read-only since the loader finished with it: its private copies would be lost
      entry('7f0000000000-7f0000010000', 'r--p', '/app/libchdb.so', 64, 12),
      entry('7f0000010000-7f0000020000', 'rw-p', '/app/libchdb.so', 64, 0),
      entry('7f0000020000-7f0000030000', 'rw-s', '/data/spool/segment', 64, 0),
      entry('7f0000030000-7f0000040000', 'rw-p', '[heap]', 64, 64),
      entry('7f0000040000-7f0000050000', 'r--p', '', 64, 64),
      entry('7f0000050000-7f0000060000', 'r-xp', '/memfd:jit (deleted)', 64, 0),
      entry('7f0000060000-7f0000070000', 'r-xp', '/tmp/old.so (deleted)', 64, 0),
      entry('7f0000070000-7f0000080000', 'r-xp', '/app/cold.so', 0, 0),
      entry('7ffd00000000-7ffd00001000', 'r-xp', '[vdso]', 4, 0),
    ].join('\n');
    expect(cleanMappings(smaps)).toEqual([]);
  });

  it('reads nothing from an empty text', () => {
    expect(cleanMappings('')).toEqual([]);
  });
});
