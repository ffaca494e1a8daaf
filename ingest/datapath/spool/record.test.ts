import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeHeader, encodeHeaderInto, HEADER_BYTES, RecordType } from './record.ts';

/** The header as the format defines it, written the plain way (a u64 seq, the CRC over a view). */
function reference(type: RecordType, seq: number, payload: Buffer): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeUInt8(type, 8);
  buf.writeBigUInt64LE(BigInt(seq), 9);
  buf.writeUInt32LE(crc32(payload, crc32(buf.subarray(8))), 4);
  return buf;
}

describe('a record header', () => {
  it.each([
    [RecordType.Data, 1, '{"i":1}\n'],
    [RecordType.Cut, 4_294_967_295, '{"from":1,"to":2}'],
    [RecordType.Commit, 4_294_967_296, '{"to":2}'],
    [RecordType.Data, 2 ** 53 - 1, ''],
    [RecordType.Data, 123_456_789_012, 'x'.repeat(1000)],
  ])('type %i, seq %i: the bytes of a u64 seq and its CRC', (type, seq, text) => {
    const payload = Buffer.from(text);
    expect(encodeHeader(type, seq, payload)).toEqual(reference(type, seq, payload));
  });

  it('written into a shared buffer at an offset, each reads back as its record', () => {
    const payloads = ['{"a":1}\n', '{"b":2}\n{"c":3}\n', '{"d":4}\n'].map((t) => Buffer.from(t));
    const headers = Buffer.alloc(HEADER_BYTES * payloads.length);
    payloads.forEach((p, i) => {
      encodeHeaderInto(headers, i * HEADER_BYTES, RecordType.Data, 7 + i, p);
    });
    const file = Buffer.concat(
      payloads.flatMap((p, i) => [headers.subarray(i * HEADER_BYTES, (i + 1) * HEADER_BYTES), p]),
    );
    const { records, clean } = decodeRecords(file);
    expect(clean).toBe(true);
    expect(records.map((r) => [r.seq, r.payload.toString()])).toEqual(
      payloads.map((p, i) => [7 + i, p.toString()]),
    );
  });
});
