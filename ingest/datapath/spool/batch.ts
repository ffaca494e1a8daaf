// A SpoolBatch from the pieces a log cut: `pieces` reads them anew on every call (a retry sends the same
// bytes again), `lines`, for the readers that parse the batch, joins them.
import { type BodyReader, joinedLines } from '../../../store/index.ts';
import type { SpoolBatch } from '../contract.ts';

export function spoolBatch(fields: Omit<SpoolBatch, 'pieces' | 'lines'>, pieces: BodyReader): SpoolBatch {
  return { ...fields, pieces, lines: () => joinedLines(pieces()) };
}

/** Pieces held in memory (a NATS fetch, records the disk log still caches). */
export function piecesOf(chunks: readonly Buffer[]): BodyReader {
  return async function* () {
    yield* chunks;
  };
}
