// WebSocket frame decoding. Text frame = JSON event; binary frame = 4-byte little-endian uncompressed size
// + LZ4 block (the Go tracker's browser client's format). The declared size is checked against the limit
// BEFORE anything is allocated: trusting it, a 5-byte frame could make the process allocate ~2 GB.
import { uncompressSync } from 'lz4-napi';
import { IngestError } from '../../errors.ts';
import { JsonTextError, parseJsonText } from '../../model/json-text.ts';

export function decodeFrame(data: Buffer, isBinary: boolean, maxDecompressed: number): unknown {
  const text = isBinary ? inflate(data, maxDecompressed) : data.toString('utf8');
  try {
    return parseJsonText(text);
  } catch (err) {
    const tooDeep = err instanceof JsonTextError && err.reason === 'depth';
    throw new IngestError('INVALID_FRAME', tooDeep ? err.message : 'frame is not valid JSON');
  }
}

function inflate(data: Buffer, maxDecompressed: number): string {
  if (data.length < 5)
    throw new IngestError('INVALID_FRAME', 'binary frame shorter than its 4-byte size header');
  const declared = data.readUInt32LE(0);
  if (declared > maxDecompressed) {
    throw new IngestError('BODY_TOO_LARGE', `declared size ${declared} exceeds ${maxDecompressed} bytes`);
  }
  // LZ4 expands at most ~255x; a declared size far beyond that is a lie, refuse before decoding.
  if (declared > data.length * 255 + 16)
    throw new IngestError('INVALID_FRAME', 'declared size is impossible');
  try {
    return uncompressSync(data).toString('utf8');
  } catch {
    throw new IngestError('INVALID_FRAME', 'binary frame is not a valid LZ4 block of its declared size');
  }
}
