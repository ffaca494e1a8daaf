// The write-ahead log's record format. Little-endian:
//   u32 payload length | u32 crc32(type, seq, payload) | u8 type | u64 seq | payload
// A record whose length runs past the end of the data or whose CRC does not match ends the readable
// log: at the tail that is a torn write (truncated on recovery); anywhere else it is corruption.
// Segment files are preallocated (segments.ts, spare.ts): the end of the data is usually followed by
// zeroes, which never decode (a zero header's CRC does not match), or by the records of the segment
// this file held before it was recycled, which carry seqs below the segment's first and so end the
// readable log as well.
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 17;

export const RecordType = {
  /** Rows for the table: payload = JSONEachRow lines. */
  Data: 1,
  /** A batch boundary, durable before the batch is sent: payload = {from, to} data seqs. */
  Cut: 2,
  /** Everything up to `to` is in the store: payload = {to}. */
  Commit: 3,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export interface WalRecord {
  readonly type: RecordType;
  readonly seq: number;
  readonly payload: Buffer;
  /** Byte offset of the record in its segment. */
  readonly offset: number;
  readonly size: number;
}

/**
 * The record's header; the record on disk is this header followed by `payload` unchanged, so a writer
 * hands both to one vectored write instead of copying the payload.
 */
export function encodeHeader(type: RecordType, seq: number, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeUInt8(type, 8);
  buf.writeBigUInt64LE(BigInt(seq), 9);
  buf.writeUInt32LE(crc32(payload, crc32(buf.subarray(8))), 4);
  return buf;
}

export function encodeRecord(type: RecordType, seq: number, payload: Buffer): Buffer {
  return Buffer.concat([encodeHeader(type, seq, payload), payload]);
}

export interface DecodeResult {
  readonly records: WalRecord[];
  /** Bytes that decoded cleanly; anything after is torn or corrupt. */
  readonly validBytes: number;
  readonly clean: boolean;
}

/**
 * Decodes records from `buf` (which starts at segment offset `base`). With `minSeq` (the segment's
 * id, when reading a whole segment) a record with a lower seq ends the log: it is left over from the
 * file's previous life as another, older segment.
 */
export function decodeRecords(buf: Buffer, base = 0, minSeq = 0): DecodeResult {
  const records: WalRecord[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= buf.length) {
    const length = buf.readUInt32LE(at);
    const end = at + HEADER_BYTES + length;
    if (end > buf.length) break;
    if (crc32(buf.subarray(at + 8, end)) !== buf.readUInt32LE(at + 4)) break;
    const type = buf.readUInt8(at + 8) as RecordType;
    const seq = Number(buf.readBigUInt64LE(at + 9));
    if (seq < minSeq) break;
    records.push({
      type,
      seq,
      payload: buf.subarray(at + HEADER_BYTES, end),
      offset: base + at,
      size: end - at,
    });
    at = end;
  }
  return { records, validBytes: at, clean: at === buf.length };
}

/** True when every byte of `buf` from `from` on is zero (a preallocated tail nothing was written to). */
export function zeroFrom(buf: Buffer, from: number): boolean {
  for (let at = from; at < buf.length; at += 65_536) {
    const end = Math.min(buf.length, at + 65_536);
    if (!buf.subarray(at, end).equals(ZEROES.subarray(0, end - at))) return false;
  }
  return true;
}
const ZEROES = Buffer.alloc(65_536);

export const jsonPayload = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
export const parsePayload = <T>(payload: Buffer): T => JSON.parse(payload.toString('utf8')) as T;
