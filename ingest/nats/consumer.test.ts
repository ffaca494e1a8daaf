// The rows the NATS subjects become: a time their column cannot hold falls back to the receive time, as
// an unreadable one does, instead of a row the engine refuses (or a format error that drops the message).
import { describe, expect, it } from 'vitest';
import { createHasher } from '../privacy/hash.ts';
import { type ConsumerOptions, rowFor } from './consumer.ts';

const NOW = Date.UTC(2025, 4, 1, 12, 0, 0);
const options = {
  ipMode: 'truncate',
  hasher: createHasher(Buffer.alloc(32, 7)),
} as unknown as ConsumerOptions;

describe('rowFor', () => {
  it.each([
    ['1700000000123456789', '2023-11-14 22:13:20.123456789'],
    ['9223372036853999999', '2262-04-11 23:47:16.853999999'],
    // at the end of 2262's April 11th the engine's DateTime64(9) overflows and refuses the insert
    ['9223372036854000000', '2025-05-01 12:00:00.000'],
    ['9223372036854775808', '2025-05-01 12:00:00.000'],
    ['99999999999999999999', '2025-05-01 12:00:00.000'],
    ['soon', '2025-05-01 12:00:00.000'],
  ])('a log whose ltimenss is %s has ltime %s', (ltimenss, ltime) => {
    const [table, row] = rowFor('log', 'app.log', { msg: 'm', ltimenss }, NOW, options);
    expect(table).toBe('logs');
    expect(row.ltime).toBe(ltime);
  });

  it.each([
    ['1700000000000', '2023-11-14 22:13:20.000'],
    // past 2299 (DateTime64(3)), and past what a JavaScript Date formats at all
    ['10413792000000', '2025-05-01 12:00:00.000'],
    ['9999999999999999', '2025-05-01 12:00:00.000'],
  ])('an update sent at %s has updated_at %s', (updated, updatedAt) => {
    const [table, row] = rowFor('update', 'cfg', { id: 'cfg', msg: 'v', updated }, NOW, options);
    expect(table).toBe('updates');
    expect(row.updated_at).toBe(updatedAt);
  });
});
