// The marks of erase requests on the disk: recorded durably and applied at once, found again by the next
// start, removed only once no backlog can hold an event they cover; and the dead-letter rewrite.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHasher } from '../../privacy/hash.ts';
import { DeadLetters } from '../letters.ts';
import { ErasedIds, KEEP_MS } from './erased.ts';
import { openFileMarks } from './file-marks.ts';

const hasher = createHasher(randomBytes(32));
const VID = '0190a3b4-0000-7000-8000-000000000001';
const OTHER = '0190a3b4-0000-7000-8000-000000000003';
const RID = '0190a3b4-0000-7000-8000-0000000000f1';

async function opened(dir: string, log: (msg: string) => void = () => undefined) {
  return ErasedIds.open(await openFileMarks(dir), hasher, log);
}

describe('the marks of erase requests', () => {
  it('are durable and applied at once, and found again by the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'erased-'));
    const ids = await opened(dir);
    await ids.record({ requestId: RID, askedAt: 1000, target: { vid: VID } });
    expect(ids.matches({ vid: VID })).toBe(true);
    expect(readdirSync(dir)).toEqual([`${RID}.json`]);
    expect(statSync(join(dir, `${RID}.json`)).mode & 0o777).toBe(0o600);
    const again = await opened(dir);
    expect(again.matches({ vid: VID })).toBe(true);
    expect(again.matches({ vid: OTHER })).toBe(false);
  });

  it('report a damaged mark and leave it in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'erased-'));
    writeFileSync(join(dir, `${RID}.json`), '{not json');
    const logged: string[] = [];
    const ids = await opened(dir, (m) => logged.push(m));
    expect(ids.size).toBe(0);
    expect(logged).toEqual([expect.stringContaining(`${RID}.json: not JSON: left in place`)]);
    expect(readdirSync(dir)).toEqual([`${RID}.json`]);
  });

  it.each<[string, number, (number | undefined)[], boolean]>([
    ['younger than KEEP_MS, every backlog drained since', KEEP_MS - 1, [KEEP_MS * 2], false],
    ['older, one backlog never found empty', KEEP_MS * 2, [KEEP_MS * 2, undefined], false],
    ['older, one backlog last empty before KEEP_MS', KEEP_MS * 2, [KEEP_MS * 2, KEEP_MS / 2], false],
    ['older, every backlog found empty since KEEP_MS', KEEP_MS * 2, [KEEP_MS + 1, KEEP_MS * 2], true],
  ])('are kept or removed: %s', async (_name, now, emptyAt, removed) => {
    const dir = mkdtempSync(join(tmpdir(), 'erased-'));
    const ids = await opened(dir);
    await ids.record({ requestId: RID, askedAt: 0, target: { vid: VID } });
    expect(await ids.prune(now, emptyAt)).toBe(removed ? 1 : 0);
    expect(ids.matches({ vid: VID })).toBe(!removed);
    expect(readdirSync(dir)).toEqual(removed ? [] : [`${RID}.json`]);
  });
});

describe('dead letters and an erase request', () => {
  it('are rewritten without the erased events, and never record one again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'erased-letters-'));
    const ids = await opened(join(dir, 'marks'));
    const letters = new DeadLetters(join(dir, 'dead-letters.jsonl'), 'd', ids.matches);
    await letters.refused(
      [
        { eid: 'e1', vid: VID },
        { eid: 'e2', vid: OTHER },
      ],
      'HTTP 400',
    );
    await letters.dropped([{ eid: 'e3', vid: VID }], 'not queued: full');
    expect(await letters.erase(ids.matches)).toBe(0);
    await ids.record({ requestId: RID, askedAt: 1, target: { vid: VID } });
    expect(await letters.erase(ids.matches)).toBe(1);
    await letters.refused([{ eid: 'e4', vid: VID }], 'HTTP 400');
    const left = readFileSync(letters.path, 'utf8');
    expect(left).not.toContain(VID);
    // the count of a batch not queued names no person, and stays
    expect(
      left
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event?.eid ?? JSON.parse(l).firstEid),
    ).toEqual(['e2', 'e3']);
  });
});
