// The dependencies and request context the model's unit tests build events with: fixed keys, in-memory
// salts, no GeoIP, a fixed clock. Tests override what they look at.
import { disabledGeoIp } from '../../geoip/geoip.ts';
import { createHasher } from '../../privacy/hash.ts';
import { createMemorySaltStore } from '../../privacy/salts.ts';
import type { EventDeps, RequestContext } from '../types.ts';
import { createUserAgentParser } from '../user-agent.ts';

export const TEST_NOW = Date.UTC(2025, 4, 1, 12, 0, 0);

export const testEventDeps = (over: Partial<EventDeps> = {}): EventDeps => ({
  hasher: createHasher(Buffer.alloc(32, 7)),
  salts: createMemorySaltStore(),
  geo: disabledGeoIp,
  consentBits: { necessary: 0, analytics: 1, marketing: 2 },
  analyticsBit: 'analytics',
  ipMode: 'truncate',
  clockSkewMs: 60_000,
  userAgent: createUserAgentParser({ parse: true, bots: 'flag', extraBotPatterns: [] }),
  ...over,
});

export const testRequestContext = (over: Partial<RequestContext> = {}): RequestContext => ({
  kind: 'client',
  now: TEST_NOW,
  ip: '203.0.113.77',
  host: 'shop.example',
  userAgent: 'Mozilla/5.0 Test',
  acceptLanguage: 'en-GB,en;q=0.9',
  ja4h: 'ge11nn05enus_x_y_z',
  ...over,
});
