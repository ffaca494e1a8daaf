// The address range an IP2Location BIN file answers an address from: the first and last address of its
// row. The reader library finds that row but does not tell its bounds, so they are read from the file
// here, the way the library searches it (the file's documented layout):
//   header: dbColumn u8 at 1; then u32 LE: IPv4 row count at 5, IPv4 rows at 9, IPv6 row count at 13,
//     IPv6 rows at 17, IPv4 index at 21, IPv6 index at 25 (addresses 1-based, 0 = none)
//   rows: sorted by their first address (u32 for IPv4, u128 LE for IPv6), then 4 bytes per other column;
//     a row ends where the next begins (the last one is followed by a sentinel row)
//   index: per family, 65,536 [low, high] u32 row numbers, bucketed by the top 16 bits of the address
// Only the ppi/geoip route asks for ranges (a dozen small reads at most, on the libuv pool): events never do.
import { type FileHandle, open } from 'node:fs/promises';
import { isIP } from 'node:net';

/** First and last address (both included) of a row, as numbers of its family. */
export interface IpRange {
  readonly start: bigint;
  readonly end: bigint;
}

export interface RangeReader {
  /** The range of the row the address falls in; undefined for what is not an address of the file. */
  range(ip: string): Promise<IpRange | undefined>;
  close(): Promise<void>;
}

interface Table {
  /** File offset of the first row. */
  readonly rows: number;
  readonly count: number;
  /** File offset of the family's index; undefined when the file has none. */
  readonly index: number | undefined;
  readonly addressBytes: 4 | 16;
  readonly rowBytes: number;
  /** The family's last address (the library searches for one below it instead). */
  readonly max: bigint;
}

const V4_MAX = 2n ** 32n - 1n;
const V6_MAX = 2n ** 128n - 1n;

export async function openRanges(file: string): Promise<RangeReader> {
  const fh = await open(file, 'r');
  const tables = await readAt(fh, 29, 0).then(tablesOf, async (err: unknown) => {
    await fh.close();
    throw err;
  });
  return {
    async range(ip) {
      const address = addressOf(ip);
      if (address === undefined) return undefined;
      const table = address.family === 4 ? tables.v4 : tables.v6;
      return table.count === 0 ? undefined : search(fh, table, address.n);
    },
    close: () => fh.close(),
  };
}

/** Where each family's rows and index are, from the file's header. */
function tablesOf(header: Buffer): { v4: Table; v6: Table } {
  const columns = header.readUInt8(1);
  const offset = (at: number) => header.readUInt32LE(at) - 1;
  const index = (at: number) => (header.readUInt32LE(at) === 0 ? undefined : offset(at));
  return {
    v4: {
      count: header.readUInt32LE(5),
      rows: offset(9),
      index: index(21),
      addressBytes: 4,
      rowBytes: columns * 4,
      max: V4_MAX,
    },
    v6: {
      count: header.readUInt32LE(13),
      rows: offset(17),
      index: index(25),
      addressBytes: 16,
      rowBytes: 16 + (columns - 1) * 4,
      max: V6_MAX,
    },
  };
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead < length) throw new Error('GeoIP file: a read ends past the end of the file');
  return buf;
}

/** Binary search of the rows the address's index bucket names (all rows without an index). */
async function search(fh: FileHandle, t: Table, address: bigint): Promise<IpRange | undefined> {
  const n = address >= t.max ? t.max - 1n : address;
  let [low, high] = await bucket(fh, t, n);
  while (low <= high) {
    const mid = Math.trunc((low + high) / 2);
    const bounds = await readAt(fh, t.rowBytes + t.addressBytes, t.rows + mid * t.rowBytes);
    const from = readAddress(bounds, 0, t.addressBytes);
    const next = readAddress(bounds, t.rowBytes, t.addressBytes);
    // the sentinel after the last row starts at the family's last address, which that row covers too
    if (from <= n && n < next) return { start: from, end: next === t.max ? t.max : next - 1n };
    if (from > n) high = mid - 1;
    else low = mid + 1;
  }
  return undefined;
}

async function bucket(fh: FileHandle, t: Table, n: bigint): Promise<[number, number]> {
  if (t.index === undefined) return [0, t.count - 1];
  const key = Number(n >> BigInt(t.addressBytes * 8 - 16));
  const pair = await readAt(fh, 8, t.index + key * 8);
  return [pair.readUInt32LE(0), pair.readUInt32LE(4)];
}

function readAddress(buf: Buffer, at: number, bytes: 4 | 16): bigint {
  if (bytes === 4) return BigInt(buf.readUInt32LE(at));
  return (buf.readBigUInt64LE(at + 8) << 64n) | buf.readBigUInt64LE(at);
}

// IPv6 ranges whose addresses carry an IPv4 address: the library answers them from the IPv4 rows.
const MAPPED = { from: 0xffff_0000_0000n, to: 0xffff_ffff_ffffn };
const SIX_TO_FOUR = { from: 0x2002n << 112n, to: (0x2003n << 112n) - 1n };
const TEREDO = { from: 0x2001_0000n << 96n, to: (0x2001_0001n << 96n) - 1n };
const LOW_32 = 0xffff_ffffn;

/** The address as the library searches it: the family of the rows, and its number there. */
export function addressOf(ip: string): { family: 4 | 6; n: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, n: v4Number(ip) };
  if (family !== 6) return undefined;
  const n = v6Number(ip);
  if (n >= MAPPED.from && n <= MAPPED.to) return { family: 4, n: n - MAPPED.from };
  if (n >= SIX_TO_FOUR.from && n <= SIX_TO_FOUR.to) return { family: 4, n: (n >> 80n) & LOW_32 };
  if (n >= TEREDO.from && n <= TEREDO.to) return { family: 4, n: ~n & LOW_32 };
  return { family: 6, n };
}

const v4Number = (ip: string): bigint => ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);

/** A valid IPv6 address (isIP said so) as its number, with or without an IPv4 tail or a zone. */
function v6Number(ip: string): bigint {
  let text = ip.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const n = v4Number(dotted);
    text = `${text.slice(0, -dotted.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}
