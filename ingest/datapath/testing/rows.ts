// Rows the data path's tests append: ids that encode their index, so a missing or doubled row is named.
import type { Row } from '../../../store/index.ts';

/** A UUID (version 7 layout) whose last group is `i`. */
export const testEid = (i: number): string => `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`;

/** Event `i`: three visitors, one org, five pages. */
export const testEvent = (i: number, extra: Row = {}): Row => ({
  eid: testEid(i),
  vid: testEid(i % 3),
  oid: testEid(0),
  ename: 'view',
  url: `/p/${i % 5}`,
  created_at: new Date().toISOString(),
  ...extra,
});
