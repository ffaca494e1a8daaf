// The text `tracker prune` prints: its first line says what is pruned, in the words of the flags given.
import { describe, expect, it } from 'vitest';
import { formatReport } from './report.ts';
import type { PruneReport } from './run.ts';

const VID = '1d2c3b4a-0000-4000-8000-000000000001';
const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';

const report = (visitors: PruneReport['request']['visitors']): PruneReport => ({
  request: {
    mode: 'delete',
    apply: false,
    retention: {},
    batchSize: 100,
    now: new Date(0),
    ...(visitors ? { visitors } : {}),
  },
  rendering: { database: 'tracker' } as PruneReport['rendering'],
  tables: [],
});

const head = (r: PruneReport) => formatReport(r).split('\n')[0];

describe('tracker prune report', () => {
  // `--users uids.txt` was announced as "rows of the listed visitors"
  it.each([
    ['--visitors', { vids: [VID], uids: [] }, 'delete rows of the listed visitors (dry run)'],
    ['--users', { vids: [], uids: [UID] }, 'delete rows of the listed users (dry run)'],
    [
      '--visitors and --users',
      { vids: [VID], uids: [UID] },
      'delete rows of the listed visitors and users (dry run)',
    ],
    ['no list', undefined, 'delete rows older than their retention (dry run)'],
  ])('names what %s lists in its first line', (_flags, visitors, what) => {
    expect(head(report(visitors))).toBe(`tracker prune (database tracker): ${what}`);
  });
});
