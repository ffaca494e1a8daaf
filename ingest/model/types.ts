// What normalisation needs from the request and from the process (injected, so it is testable without HTTP).
import type { MatchCapture } from '../destinations/index.ts';
import type { GeoIp } from '../geoip/geoip.ts';
import type { ConsentBits } from '../privacy/consent.ts';
import type { Hasher } from '../privacy/hash.ts';
import type { IpMode } from '../privacy/ip.ts';
import type { SaltStore } from '../privacy/salts.ts';
import type { UserAgentParser } from './user-agent.ts';

export interface RequestContext {
  /** client: browser-originated (tr, img, ws, xrdr, short links); server: str, rdr, ltv. */
  readonly kind: 'client' | 'server';
  readonly now: number;
  /** Full client IP (after trusted-proxy resolution); never stored raw unless ipMode is keep. */
  readonly ip: string;
  readonly host: string;
  readonly userAgent: string;
  readonly acceptLanguage: string;
  readonly ja4h: string;
  /** The vid cookie value, if any: without consent it must not identify the visitor. */
  readonly cookieVid?: string;
  /** The Referer header: the referrer of a client event that sends none. */
  readonly referer?: string;
}

export interface EventDeps {
  readonly hasher: Hasher;
  readonly salts: SaltStore;
  readonly geo: GeoIp;
  readonly consentBits: ConsentBits;
  readonly analyticsBit: string;
  readonly ipMode: IpMode;
  readonly clockSkewMs: number;
  readonly userAgent: UserAgentParser;
  /** Match keys for ad platforms (the ad_match column), when a destination needs them and consent allows. */
  readonly matchCapture?: MatchCapture;
}
