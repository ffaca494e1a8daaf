// An erase request and the data path's own dead letters (spool.deadLetterFile: rows the store refused,
// kept as they were spooled). The request used to say done while that file still held the person's rows:
// the store's deletes never reach it. It is now rewritten without them before done, and the rows of
// other persons stay. Real HTTP, real data path, chdb; the refused rows are spooled as an older version
// whose validation let a bad value through would have left them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskSpool } from '../datapath/spool/disk.ts';
import { testEvent } from '../datapath/testing/rows.ts';
import { visitorToken } from '../privacy/visitor-token.ts';
import { forgetVisitor, statusOf } from '../testing/erase-http.ts';
import { type Live, startLive } from '../testing/live.ts';

const ERASED = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
const KEPT = '5d7c0a4e-2222-4aaa-8bbb-00000000000b';
const POLL = { timeout: 20_000, interval: 50 };

const dir = mkdtempSync(join(tmpdir(), 'erase-dead-letters-'));
const deadLetterFile = join(dir, 'refused.jsonl');
let live: Live;

/** Two events the store refuses (an eid that is not a UUID), one per visitor, left in the spool. */
async function spoolRefusedRows(): Promise<void> {
  const spool = await DiskSpool.open({
    dir: join(dir, 'spool'),
    maxBytes: 1 << 24,
    segmentBytes: 1 << 20,
    fsyncIntervalMs: 1,
    memoryBytes: 1 << 20,
    retryAfterSeconds: 5,
  });
  const rows = [ERASED, KEPT].map((vid, i) => testEvent(i, { vid, eid: `not-a-uuid-${i}` }));
  await (await spool.log('events')).append(
    Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join('')),
    rows.length,
  );
  await spool.close();
}

/** The vids of the rows in the data path's dead-letter file. */
const letteredVids = (): string[] =>
  readFileSync(deadLetterFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse((JSON.parse(l) as { row: string }).row) as { vid: string }).vid);

beforeAll(async () => {
  await spoolRefusedRows();
  live = await startLive({ spool: { dir: join(dir, 'spool'), deadLetterFile } }, dir);
});
afterAll(() => live.close());

describe("an erase request and the data path's dead letters", () => {
  it('is done only once the file holds no row of the person, and keeps the others', async () => {
    await expect.poll(() => live.runtime.deps.dataPath.status().deadLetters, POLL).toBe(2);
    expect(letteredVids().sort()).toEqual([ERASED, KEPT]);

    const vtok = visitorToken(live.runtime.deps.hasher, ERASED);
    const request_id = await forgetVisitor(live.url, { vid: ERASED, vtok });
    await expect.poll(() => statusOf(live.url, request_id), POLL).toBe('done');

    expect(letteredVids()).toEqual([KEPT]);
    expect(live.runtime.deps.dataPath.status().deadLetters).toBe(1);
    expect(readFileSync(deadLetterFile, 'utf8')).not.toContain(ERASED);
  });
});
