// Spares written full of zeroes: every one from the same buffer of zeroes, never a fresh one per spare.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { SPARE_FILE, Spare } from './spare.ts';

afterEach(() => vi.restoreAllMocks());

/** A spare prepared in a fresh directory, waited for. */
async function prepared(bytes: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'spool-spare-'));
  const spare = await Spare.open(dir, bytes);
  spare.prepare();
  // written in the background, renamed into place once whole
  await vi.waitFor(() => expect(existsSync(join(dir, SPARE_FILE))).toBe(true));
  await spare.close();
  return readFileSync(join(dir, SPARE_FILE));
}

it('zero-fills every spare, of any size, from one shared buffer of zeroes', async () => {
  const alloc = vi.spyOn(Buffer, 'alloc');
  const sizes = [3 * 1024 * 1024 + 100, 64 * 1024, 2 * 1024 * 1024];
  const spares = [];
  for (const bytes of sizes) spares.push(await prepared(bytes));
  // at most the shared one, made by the first spare this process prepared
  const made = alloc.mock.calls.filter(([size]) => size >= 64 * 1024).length;
  alloc.mockRestore();
  expect(made).toBeLessThanOrEqual(1);
  expect(spares.map((s) => s.length)).toEqual(sizes);
  for (const s of spares) expect(s.equals(Buffer.alloc(s.length))).toBe(true);
});
