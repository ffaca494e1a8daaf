// LZ4 block encoder and the ingest's WebSocket frame: a 4-byte little-endian uncompressed size, then one
// LZ4 block (the format lz4-napi's uncompressSync reads). Written here rather than imported because no
// maintained pure-JS block encoder exists: lz4js last changed in 2017 and bundles its frame format and
// xxhash, lz4-wasm needs a 25 KB WebAssembly module. A greedy single-probe encoder is all small JSON
// frames need; its output is checked against the real decoder in the tests.

const MIN_MATCH = 4;
// Block rules: the last 5 bytes are always literals, and the last match starts at least 12 bytes before
// the end (decoders rely on both to copy in wide words without bounds checks).
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const HASH_LOG = 12;
const MAX_OFFSET = 65_535;

const read32 = (b: Uint8Array, i: number) =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** Writes an LZ4 length continuation: 255 bytes while the rest is ≥ 255, then the remainder. */
function writeLength(out: Uint8Array, op: number, rest: number): number {
  let n = rest;
  while (n >= 255) {
    out[op++] = 255;
    n -= 255;
  }
  out[op++] = n;
  return op;
}

/** One sequence: token, literals, and (unless it is the last) the match offset and length. */
function writeSequence(
  out: Uint8Array,
  op: number,
  src: Uint8Array,
  lit: [start: number, end: number],
  match?: [offset: number, length: number],
): number {
  const litLen = lit[1] - lit[0];
  const ml = match === undefined ? 0 : match[1] - MIN_MATCH;
  out[op++] = (Math.min(litLen, 15) << 4) | Math.min(ml, 15);
  if (litLen >= 15) op = writeLength(out, op, litLen - 15);
  out.set(src.subarray(lit[0], lit[1]), op);
  op += litLen;
  if (match === undefined) return op;
  out[op++] = match[0] & 255;
  out[op++] = match[0] >> 8;
  return ml >= 15 ? writeLength(out, op, ml - 15) : op;
}

/** Compresses `src` into one LZ4 block. */
export function compressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16);
  // positions + 1, so 0 means "empty"
  const table = new Int32Array(1 << HASH_LOG);
  let op = 0;
  let anchor = 0;
  let ip = 0;
  while (ip < n - MF_LIMIT) {
    const seq = read32(src, ip);
    const h = Math.imul(seq, 2_654_435_761) >>> (32 - HASH_LOG);
    const ref = table[h]! - 1;
    table[h] = ip + 1;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    const maxLen = n - LAST_LITERALS - ip;
    while (len < maxLen && src[ip + len] === src[ref + len]) len++;
    op = writeSequence(out, op, src, [anchor, ip], [ip - ref, len]);
    ip += len;
    anchor = ip;
  }
  op = writeSequence(out, op, src, [anchor, n]);
  return out.subarray(0, op);
}

/** A binary WebSocket frame for the ingest: uncompressed size (u32 LE) + LZ4 block. */
export function lz4Frame(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const block = compressBlock(bytes);
  const frame = new Uint8Array(4 + block.length);
  new DataView(frame.buffer).setUint32(0, bytes.length, true);
  frame.set(block, 4);
  return frame;
}
