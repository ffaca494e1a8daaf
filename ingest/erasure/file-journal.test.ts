// The erasure journal on a real directory: what is written reads back whole, removal removes, and a file
// that is not a good entry is reported and left alone without costing any other entry.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from './contract.ts';
import { openFileJournal } from './file-journal.ts';

const ID = '5d7c0a4e-1111-4aaa-8bbb-000000000001';
const OTHER = '5d7c0a4e-1111-4aaa-8bbb-000000000002';
const VID = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
const OID = '0b6b1b6e-0000-4000-8000-000000000001';

const entry = (requestId: string, askedAt: number, target: JournalEntry['target'] = { vid: VID }) => ({
  requestId,
  target,
  askedAt,
});

async function journal() {
  const dir = join(mkdtempSync(join(tmpdir(), 'journal-')), 'erasures');
  return { dir, journal: await openFileJournal(dir) };
}

/** Every report, as `file: problem`. */
function reports() {
  const seen: string[] = [];
  return { seen, report: (file: string, problem: string) => seen.push(`${file}: ${problem}`) };
}

describe('the erasure journal', () => {
  it('is a directory only its user can read, made on open', async () => {
    const { dir } = await journal();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('writes an entry whole under its request id, readable by its user only, no temporary file left', async () => {
    const { dir, journal: j } = await journal();
    const target = { vid: VID, uid: VID, ehash: 'aGFzaA', oid: OID };
    await j.add(entry(ID, 1_700_000_000_000, target));
    expect(readdirSync(dir)).toEqual([`${ID}.json`]);
    expect(statSync(join(dir, `${ID}.json`)).mode & 0o777).toBe(0o600);
    const { seen, report } = reports();
    expect(await j.entries(report)).toEqual([entry(ID, 1_700_000_000_000, target)]);
    expect(seen).toEqual([]);
  });

  it('answers entries oldest first', async () => {
    const { journal: j } = await journal();
    await j.add(entry(ID, 2_000));
    await j.add(entry(OTHER, 1_000));
    expect((await j.entries(() => {})).map((e) => e.requestId)).toEqual([OTHER, ID]);
  });

  it('removes an entry; removing one already gone is no error', async () => {
    const { dir, journal: j } = await journal();
    await j.add(entry(ID, 1_000));
    await j.add(entry(OTHER, 1_000));
    await j.remove(ID);
    await j.remove(ID);
    expect(readdirSync(dir)).toEqual([`${OTHER}.json`]);
  });

  const LINKED = { vids: [OTHER], uids: [VID], ips: ['198.51.100.7', '2001:db8::1'] };

  it("records a request's lookup by replacing its entry whole, and reads it back", async () => {
    const { dir, journal: j } = await journal();
    await j.add(entry(ID, 1_000));
    await j.update({ ...entry(ID, 1_000), linked: LINKED });
    expect(readdirSync(dir)).toEqual([`${ID}.json`]);
    expect(statSync(join(dir, `${ID}.json`)).mode & 0o777).toBe(0o600);
    expect(await j.entries(() => {})).toEqual([{ ...entry(ID, 1_000), linked: LINKED }]);
  });

  it('refuses to record a lookup for an entry that is gone (its request finished)', async () => {
    const { dir, journal: j } = await journal();
    await j.add(entry(ID, 1_000));
    await j.remove(ID);
    await expect(j.update({ ...entry(ID, 1_000), linked: LINKED })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  // Entries written before the lookup was recorded have no `linked`: they must still resume.
  it('reads an entry an older version wrote, without a recorded lookup', async () => {
    const { dir, journal: j } = await journal();
    const old = { v: 1, request_id: ID, asked_at: 1_000, target: { ehash: 'aGFzaA' } };
    writeFileSync(join(dir, `${ID}.json`), JSON.stringify(old));
    expect(await j.entries(() => {})).toEqual([entry(ID, 1_000, { ehash: 'aGFzaA' })]);
  });

  it('rejects a write it could not make (the directory is gone)', async () => {
    const { dir, journal: j } = await journal();
    rmSync(dir, { recursive: true });
    await expect(j.add(entry(ID, 1_000))).rejects.toThrow(/ENOENT/);
  });

  it('removes an unfinished write (a crash before the rename) and reports it', async () => {
    const { dir, journal: j } = await journal();
    await j.add(entry(ID, 1_000));
    writeFileSync(join(dir, `${OTHER}.json.tmp`), '{"v":1,"request_id":');
    const { seen, report } = reports();
    expect((await j.entries(report)).map((e) => e.requestId)).toEqual([ID]);
    expect(seen).toEqual([
      `${OTHER}.json.tmp: an unfinished write (its request was never answered): removed`,
    ]);
    expect(readdirSync(dir)).toEqual([`${ID}.json`]);
  });

  const good = { v: 1, request_id: OTHER, asked_at: 1_000, target: { vid: VID } };
  it.each([
    ['not JSON', '{"v":1,', 'not JSON'],
    ['another version', { ...good, v: 2 }, 'version 2 is not 1'],
    ['a name that is not its id', { ...good, request_id: ID }, 'its name is not its request id'],
    ['no time', { ...good, asked_at: 'yesterday' }, 'no asked_at'],
    ['a target naming nobody', { ...good, target: { oid: OID } }, 'target names nobody'],
    ['a vid that is not a UUID', { ...good, target: { vid: 'x' } }, 'target vid is not a UUID'],
    ['an unknown field', { ...good, target: { vid: VID, email: 'a@b' } }, 'unknown target fields email'],
    ['a recorded lookup that is not one', { ...good, linked: [VID] }, 'linked is not an object'],
    [
      'a recorded vid that is not a UUID',
      { ...good, linked: { vids: ['x'], uids: [], ips: [] } },
      'linked vids is not a list of UUIDs',
    ],
    [
      'recorded IPs that are not strings',
      { ...good, linked: { vids: [], uids: [], ips: [7] } },
      'linked ips is not a list of strings',
    ],
    [
      'an unknown recorded field',
      { ...good, linked: { vids: [], uids: [], ips: [], emails: [] } },
      'unknown linked fields emails',
    ],
  ])(
    'reports an entry with %s, leaves it in place, and reads the others',
    async (_what, content, problem) => {
      const { dir, journal: j } = await journal();
      await j.add(entry(ID, 1_000));
      const text = typeof content === 'string' ? content : JSON.stringify(content);
      writeFileSync(join(dir, `${OTHER}.json`), text);
      const { seen, report } = reports();
      expect((await j.entries(report)).map((e) => e.requestId)).toEqual([ID]);
      expect(seen).toEqual([`${OTHER}.json: ${problem}: left in place, not resumed`]);
      expect(readFileSync(join(dir, `${OTHER}.json`), 'utf8')).toBe(text);
    },
  );

  it('ignores, and reports, a file that is not an entry', async () => {
    const { dir, journal: j } = await journal();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const { seen, report } = reports();
    expect(await j.entries(report)).toEqual([]);
    expect(seen).toEqual(['notes.txt: not a journal entry: ignored']);
  });

  it('rejects listing a directory that is gone (the caller logs it; nothing crashes)', async () => {
    const { dir, journal: j } = await journal();
    rmSync(dir, { recursive: true });
    await expect(j.entries(() => {})).rejects.toThrow(/ENOENT/);
  });
});
