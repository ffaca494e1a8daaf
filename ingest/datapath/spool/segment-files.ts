// The files of one table's log: segment names, the directory listing, recovery's read of a segment.
import { readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeRecords, zeroFrom } from './record.ts';

export const segmentFile = (id: number): string => `${String(id).padStart(16, '0')}.wal`;

export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => /^\d{16}\.wal$/.test(n))
    .map((n) => Number(n.slice(0, 16)))
    .sort((a, b) => a - b);
}

/**
 * Reads a whole segment for recovery. The records end at the first one that does not decode or is
 * older than the segment (left from the file's previous life). In the last segment, whatever follows
 * them is truncated (as a torn write always was) unless it is all zeroes (preallocated space, kept):
 * the next records are written right there, and nothing written before may ever line up after them.
 */
export async function readSegment(dir: string, id: number, isLast: boolean) {
  const path = join(dir, segmentFile(id));
  const buf = await readFile(path);
  const decoded = decodeRecords(buf, 0, id);
  if (!decoded.clean && isLast && !zeroFrom(buf, decoded.validBytes))
    await truncate(path, decoded.validBytes);
  return { ...decoded, size: decoded.validBytes };
}
