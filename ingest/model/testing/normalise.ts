// The shared setup of the normaliseEvent tests: the fixed clock, a visitor id, full consent, and the
// dependencies and request context of ./fixtures.ts under the short names the tests use.
import { TEST_NOW, testEventDeps, testRequestContext } from './fixtures.ts';

export const NOW = TEST_NOW;
export const VID = '11111111-2222-4333-8444-555555555555';
export const deps = testEventDeps;
export const ctx = testRequestContext;
export const CONSENT = 0b11; // necessary + analytics
