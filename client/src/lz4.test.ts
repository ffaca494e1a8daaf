// The block encoder against the real decoder the ingest uses (lz4-napi) and against the ingest's own
// WebSocket frame decoding: whatever the client sends, the ingest reads back byte for byte.
import fc from 'fast-check';
import { uncompressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../ingest/routes/ws/frames.ts';
import { lz4Frame } from './lz4.ts';

const roundTrip = (b: Uint8Array) => new Uint8Array(uncompressSync(Buffer.from(lz4Frame(b))));

describe('lz4Frame', () => {
  it('round-trips arbitrary bytes through the real LZ4 decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (b) => {
        expect(roundTrip(b)).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips repetitive input (long matches, overlapping copies, long literal runs)', () => {
    const runs = fc.array(fc.tuple(fc.constantFrom(...'ab{}":,'), fc.integer({ min: 1, max: 700 })), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(runs, (parts) => {
        const b = new TextEncoder().encode(parts.map(([c, n]) => c.repeat(n)).join(''));
        expect(roundTrip(b)).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['just under the last-match limit', 12],
    ['at the last-match limit', 13],
    ['above the 64 KiB match window', 200_000],
  ])('handles %s input (%i bytes)', (_name, n) => {
    const b = new TextEncoder().encode('ab'.repeat(n).slice(0, n));
    expect(roundTrip(b)).toEqual(b);
  });

  it('writes the uncompressed size as a little-endian u32 and compresses repetitive JSON', () => {
    const json = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ ename: 'page_view', n: i })));
    const bytes = new TextEncoder().encode(json);
    const frame = lz4Frame(bytes);
    expect(Buffer.from(frame).readUInt32LE(0)).toBe(bytes.length);
    expect(frame.length).toBeLessThan(bytes.length / 2);
  });

  it('is decoded by the ingest as the JSON the client encoded', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 20 }), (events) => {
        const frame = Buffer.from(lz4Frame(new TextEncoder().encode(JSON.stringify(events))));
        expect(decodeFrame(frame, true, 1_048_576)).toEqual(JSON.parse(JSON.stringify(events)));
      }),
      { numRuns: 200 },
    );
  });
});
