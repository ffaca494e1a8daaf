// What the ingest keeps, at request time, for the ad platforms it forwards to (the `ad_match` column of
// `events`, which only the ingest writes; ADR 0020). Facebook matches on values the ingest otherwise never stores: the email
// and phone (kept only as keyed hashes, useless to Facebook), the _fbp/_fbc cookies and the raw user agent.
//   kept only when a Facebook destination is configured AND the event's cflags carries every consent
//   bit of one of them; otherwise nothing is captured and the column stays empty
//   em, ph   Facebook-normalised SHA-256 (the raw values never reach the spool or the store)
//   fbp, fbc the event's fbp/fbc, else the _fbp/_fbc cookies, when they have Facebook's format
//   ua       the User-Agent header, which Facebook requires for website events
import type { Destinations } from '../../common/config/destinations.ts';
import type { ConsentBits } from '../privacy/consent.ts';
import { hashUserData } from './facebook/user-data.ts';
import { consented } from './select.ts';

export interface MatchInput {
  readonly email?: unknown;
  readonly cell?: unknown;
  readonly fbp?: unknown;
  readonly fbc?: unknown;
  readonly _fbp?: unknown;
  readonly _fbc?: unknown;
  readonly userAgent: string;
}

export type MatchCapture = (cflags: unknown, input: MatchInput) => Record<string, string> | undefined;

const FB_COOKIE = /^fb\.\d\.\d{1,16}\.[\w.-]{1,400}$/;
const cookie = (v: unknown): string | undefined =>
  typeof v === 'string' && FB_COOKIE.test(v) ? v : undefined;

/** The capture for this configuration; undefined when no destination needs one. */
export function matchCapture(config: Destinations, bits: ConsentBits): MatchCapture | undefined {
  const consents = config.facebook.map((d) => d.consent);
  if (consents.length === 0) return undefined;
  return (cflags, input) => {
    if (!consents.some((c) => consented({ cflags }, c, bits))) return undefined;
    const out: Record<string, string | undefined> = {
      em: hashUserData('em', input.email),
      ph: hashUserData('ph', input.cell),
      fbp: cookie(input.fbp) ?? cookie(input._fbp),
      fbc: cookie(input.fbc) ?? cookie(input._fbc),
      ua: input.userAgent === '' ? undefined : input.userAgent,
    };
    const kept = Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined);
    return kept.length === 0 ? undefined : Object.fromEntries(kept);
  };
}
