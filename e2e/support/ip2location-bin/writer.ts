// Writes small IP2Location BIN files (DB11 layout: country, region, city, latitude, longitude, zip, time
// zone) so tests run the real `ip2location-nodejs` reader against known ranges. Layout, as documented by
// IP2Location and read by the library:
//   header (64 bytes): dbType u8, dbColumn u8, year u8, month u8, day u8, ipv4 count u32, ipv4 base u32,
//     ipv6 count u32, ipv6 base u32, ipv4 index base u32, ipv6 index base u32, productCode u8 (1),
//     productType u8, fileSize u32 — all little-endian; addresses are 1-based file offsets.
//   index: 65,536 [low,high] u32 row-number pairs per family, bucketed by the top 16 bits of the address.
//   rows: ipFrom (u32 / u128) then one u32 per column; strings are pointers to [len u8][bytes];
//     lat/lon are float32. Each family ends with a sentinel row whose ipFrom is the family's maximum, so
//     the "next row's ipFrom" is the current row's exclusive upper bound.
import { isIP } from 'node:net';

export interface BinRange {
  /** First and last address of the range (inclusive), both of the same family. */
  from: string;
  to: string;
  country: string;
  countryName?: string;
  region?: string;
  city?: string;
  lat?: number;
  lon?: number;
  zip?: string;
  tz?: string;
}

const DB_TYPE = 11;
const COLUMNS = 8; // ipFrom + country, region, city, lat, lon, zip, tz
const MAX_INDEX = 65_536;
const HEADER = 64;
const V4_MAX = 2n ** 32n - 1n;
const V6_MAX = 2n ** 128n - 1n;

export function ipToBigInt(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  if (isIP(ip) !== 6) throw new Error(`not an IP: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = ip.includes('::') && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

interface Row {
  from: bigint;
  r?: BinRange;
}

/** Fill gaps with empty rows so the table covers the family's whole space, then add the sentinel. */
function rowsFor(ranges: BinRange[], max: bigint): Row[] {
  const sorted = [...ranges].sort((a, b) => (ipToBigInt(a.from) < ipToBigInt(b.from) ? -1 : 1));
  const rows: Row[] = [];
  let next = 0n;
  for (const r of sorted) {
    const from = ipToBigInt(r.from);
    if (from > next) rows.push({ from: next });
    rows.push({ from, r });
    next = ipToBigInt(r.to) + 1n;
  }
  if (next <= max) rows.push({ from: next });
  return [...rows, { from: max }];
}

class Strings {
  readonly chunks: Buffer[] = [];
  private readonly seen = new Map<string, number>();
  private size = 0;
  private readonly base: number;
  constructor(base: number) {
    this.base = base;
  }
  ptr(s: string): number {
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    const bytes = Buffer.from(s, 'utf8').subarray(0, 255);
    const at = this.base + this.size;
    this.chunks.push(Buffer.from([bytes.length]), bytes);
    this.size += 1 + bytes.length;
    this.seen.set(s, at);
    return at;
  }
  /** country short + long back to back: the reader takes the long name at short + 3, so short fills 3 bytes. */
  country(short: string, long: string): number {
    const key = `\u0000cc:${short}:${long}`;
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    const at = this.base + this.size;
    const s = Buffer.from(short, 'utf8').subarray(0, 2);
    const l = Buffer.from(long, 'utf8').subarray(0, 255);
    const chunk = Buffer.concat([
      Buffer.from([s.length]),
      s,
      Buffer.alloc(2 - s.length),
      Buffer.from([l.length]),
      l,
    ]);
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.seen.set(key, at);
    return at;
  }
}

function writeRow(buf: Buffer, off: number, row: Row, v6: boolean, strings: Strings): number {
  if (v6) {
    for (let i = 0; i < 16; i++) buf[off + i] = Number((row.from >> BigInt(8 * i)) & 0xffn);
  } else buf.writeUInt32LE(Number(row.from), off);
  const p = off + (v6 ? 16 : 4);
  const r = row.r;
  const str = (s: string | undefined) => strings.ptr(s ?? '-');
  buf.writeUInt32LE(
    r ? strings.country(r.country, r.countryName ?? r.country) : strings.country('-', '-'),
    p,
  );
  buf.writeUInt32LE(str(r?.region), p + 4);
  buf.writeUInt32LE(str(r?.city), p + 8);
  buf.writeFloatLE(r?.lat ?? 0, p + 12);
  buf.writeFloatLE(r?.lon ?? 0, p + 16);
  buf.writeUInt32LE(str(r?.zip), p + 20);
  buf.writeUInt32LE(str(r?.tz), p + 24);
  return p + 28;
}

/** Build the BIN bytes for the given ranges (IPv4 and IPv6 may be mixed). */
export function buildBin(ranges: BinRange[], date = new Date(Date.UTC(2025, 0, 1))): Buffer {
  const v4 = rowsFor(
    ranges.filter((r) => isIP(r.from) === 4),
    V4_MAX,
  );
  const v6 = rowsFor(
    ranges.filter((r) => isIP(r.from) === 6),
    V6_MAX,
  );
  const v4Size = COLUMNS * 4;
  const v6Size = 16 + (COLUMNS - 1) * 4;
  const indexAt = HEADER;
  const v4At = indexAt + MAX_INDEX * 8 * 2;
  const v6At = v4At + v4.length * v4Size;
  const stringsAt = v6At + v6.length * v6Size;
  const strings = new Strings(stringsAt);
  const body = Buffer.alloc(stringsAt);
  let off = v4At;
  for (const row of v4) off = writeRow(body, off, row, false, strings);
  for (const row of v6) off = writeRow(body, off, row, true, strings);
  // index: each bucket names the rows its addresses fall in, as in the files IP2Location ships
  writeIndex(body, indexAt, v4, 16n);
  writeIndex(body, indexAt + MAX_INDEX * 8, v6, 112n);
  const file = Buffer.concat([body, ...strings.chunks]);
  writeHeader(file, { v4Count: v4.length - 1, v6Count: v6.length - 1, v4At, v6At, indexAt, date });
  return file;
}

/** Per bucket (the top 16 bits of an address), the first and last row its addresses fall in. */
function writeIndex(buf: Buffer, at: number, rows: Row[], shift: bigint): void {
  const rowOf = (address: bigint) => {
    let i = 0;
    while (i + 2 < rows.length && (rows[i + 1] as Row).from <= address) i++;
    return i;
  };
  for (let b = 0; b < MAX_INDEX; b++) {
    buf.writeUInt32LE(rowOf(BigInt(b) << shift), at + b * 8);
    buf.writeUInt32LE(rowOf(((BigInt(b) + 1n) << shift) - 1n), at + b * 8 + 4);
  }
}

function writeHeader(
  b: Buffer,
  h: { v4Count: number; v6Count: number; v4At: number; v6At: number; indexAt: number; date: Date },
): void {
  b.writeUInt8(DB_TYPE, 0);
  b.writeUInt8(COLUMNS, 1);
  b.writeUInt8(h.date.getUTCFullYear() % 100, 2);
  b.writeUInt8(h.date.getUTCMonth() + 1, 3);
  b.writeUInt8(h.date.getUTCDate(), 4);
  b.writeUInt32LE(h.v4Count, 5);
  b.writeUInt32LE(h.v4At + 1, 9);
  b.writeUInt32LE(h.v6Count, 13);
  b.writeUInt32LE(h.v6At + 1, 17);
  b.writeUInt32LE(h.indexAt + 1, 21);
  b.writeUInt32LE(h.indexAt + MAX_INDEX * 8 + 1, 25);
  b.writeUInt8(1, 29); // productCode 1 = IP2Location
  b.writeUInt8(1, 30);
  b.writeUInt32LE(b.length, 31);
}
