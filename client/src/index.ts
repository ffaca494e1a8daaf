// The ESM entry of the browser client.
export { createTracker } from './tracker.ts';
export type { Consent, Json, Props, Tracker, TrackerOptions } from './types.ts';
