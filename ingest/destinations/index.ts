// The destinations stage's public surface: what the rest of the ingest imports.
export { type MatchCapture, type MatchInput, matchCapture } from './capture.ts';
export type { ErasedRequest } from './erased/marks.ts';
export { createDestinations, type DestinationStatus, type DestinationsStage } from './stage.ts';
