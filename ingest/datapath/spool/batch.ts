// A SpoolBatch from the records a log cut: the pieces are kept as they are (never joined on the way to
// the store); `lines`, for the readers that parse the batch, joins them when read.
import { joinedLines } from '../../../store/index.ts';
import type { SpoolBatch } from '../contract.ts';

export function spoolBatch(
  fields: Omit<SpoolBatch, 'chunks' | 'lines'>,
  chunks: readonly Buffer[],
): SpoolBatch {
  return {
    ...fields,
    chunks,
    get lines() {
      return joinedLines(chunks);
    },
  };
}
