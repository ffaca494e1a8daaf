// Whether an IP2Location BIN file is all there, from its header (the layout ranges.ts describes; at 31 a
// u32 with the file's own size, 0 in files older than 2021): a file being copied in place is a valid header
// over a body that ends early, and the reader library opens it and answers from whatever bytes are there
// (nothing, or another row's place) without a word.
import type { FileHandle } from 'node:fs/promises';

const HEADER = 64;
const INDEX_BYTES = 65_536 * 8;

/** A GeoIP file not (yet) usable: its code says why, for the log line a pipeline matches on. */
export class GeoIpFileError extends Error {
  override readonly name = 'GeoIpFileError';
  readonly code: 'GEOIP_FILE_INCOMPLETE' | 'GEOIP_FILE_CHANGING' | 'GEOIP_FILE_INVALID';
  constructor(code: GeoIpFileError['code'], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** The end (exclusive) of the last byte the header's tables reach. */
function tablesEnd(h: Buffer): number {
  const columns = h.readUInt8(1);
  const at = (o: number) => h.readUInt32LE(o) - 1;
  const ends = [
    // each family's rows plus the next row's address (the search reads it: a sentinel follows the last)
    h.readUInt32LE(9) === 0 ? 0 : at(9) + h.readUInt32LE(5) * columns * 4 + 4,
    h.readUInt32LE(17) === 0 ? 0 : at(17) + h.readUInt32LE(13) * (16 + (columns - 1) * 4) + 16,
    h.readUInt32LE(21) === 0 ? 0 : at(21) + INDEX_BYTES,
    h.readUInt32LE(25) === 0 ? 0 : at(25) + INDEX_BYTES,
  ];
  return Math.max(HEADER, ...ends);
}

/**
 * Refuses a file that is not whole: shorter than its header, of no database type, of another size than
 * its header says, or ending before the tables its header places.
 */
export async function checkWhole(fh: FileHandle, file: string): Promise<void> {
  const { size } = await fh.stat();
  const incomplete = (what: string) =>
    new GeoIpFileError('GEOIP_FILE_INCOMPLETE', `${file}: ${what} (still being written?)`);
  if (size < HEADER) throw incomplete(`${size} bytes, shorter than an IP2Location header`);
  const h = Buffer.alloc(HEADER);
  await fh.read(h, 0, HEADER, 0);
  const type = h.readUInt8(0);
  if (!(type >= 1 && type <= 26))
    throw new GeoIpFileError('GEOIP_FILE_INVALID', `${file} is not an IP2Location BIN file`);
  const declared = h.readUInt32LE(31);
  // the field is 32 bits: a file of 4 GiB or more is compared on its low 32 bits
  if (declared !== 0 && declared !== size % 2 ** 32)
    throw incomplete(`${size} bytes where its header says ${declared}`);
  const end = tablesEnd(h);
  if (size < end) throw incomplete(`${size} bytes where its tables reach byte ${end}`);
}
