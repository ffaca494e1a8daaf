// The events row shape (the Go tracker's events columns) and how each input key is treated. One table drives
// normalisation so the rules are explicit and reviewable in one place: only ENUM fields are lower-cased; URLs, messages, ids and dates keep their case; every key that
// is not a column goes losslessly into params.

export type FieldKind = 'uuid' | 'enum' | 'text' | 'int' | 'bits' | 'float' | 'json' | 'country';

export const EVENT_FIELDS: Readonly<Record<string, FieldKind>> = {
  // identities (UUID columns; an invalid value is kept in params under its own key instead)
  vid: 'uuid',
  sid: 'uuid',
  uid: 'uuid',
  oid: 'uuid',
  tid: 'uuid',
  auth_id: 'uuid',
  invoice_id: 'uuid',
  rid: 'uuid',
  ref: 'uuid',
  // enum-like: trimmed and lower-cased
  app: 'enum',
  rel: 'enum',
  ptyp: 'enum',
  ename: 'enum',
  etyp: 'enum',
  sink: 'enum',
  source: 'enum',
  medium: 'enum',
  campaign: 'enum',
  content: 'enum',
  term: 'enum',
  split: 'enum',
  relation: 'enum',
  device: 'enum',
  os: 'enum',
  aff: 'enum',
  rcode: 'enum',
  // free text: kept exactly as sent
  org: 'text',
  last: 'text',
  url: 'text',
  xid: 'text',
  region: 'text',
  city: 'text',
  zip: 'text',
  arm_id: 'text',
  mcid: 'text',
  culture: 'text',
  tz: 'text',
  gaid: 'text',
  idfa: 'text',
  msid: 'text',
  fbid: 'text',
  referrer: 'text',
  // ad click ids, from the event or from its page url's query string
  gclid: 'text',
  fbclid: 'text',
  msclkid: 'text',
  // the consent bitmask: a negative number would read as every bit set (two's complement), so it is no mask
  cflags: 'bits',
  // numbers
  duration: 'int',
  ver: 'int',
  vp_w: 'int',
  vp_h: 'int',
  lat: 'float',
  lon: 'float',
  score: 'float',
  // structured
  targets: 'json',
  country: 'country',
};

/** Keys that are never copied to params: server-derived columns, raw PII and transport noise. */
export const NEVER_IN_PARAMS = new Set([
  'eid',
  'params',
  'hhash',
  'iphash',
  'bhash',
  'ip',
  'ja4h',
  'browser',
  'created_at',
  'email',
  'cell',
  'uname',
  'igqp',
  'ack',
  'site_key',
  'browser_version',
  'os_version',
  'bot',
  'client_eid',
  // the _fbp/_fbc cookies: kept only as match keys (the ad_match column), and only with consent
  '_fbp',
  '_fbc',
]);

/** Inputs the match keys for ad platforms are made of (destinations/capture.ts decides if they are kept). */
export const MATCH_INPUTS = new Set(['email', 'cell', 'fbp', 'fbc', '_fbp', '_fbc']);

/** Input aliases the Go tracker's clients send (w/h for the viewport; utm_content-as-ename is handled separately). */
export const ALIASES: Readonly<Record<string, string>> = {
  w: 'vp_w',
  h: 'vp_h',
  first: 'first',
  referer: 'referrer',
  // UTM parameters sent as body keys (the query string strips the utm_ prefix before this)
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'campaign',
  utm_content: 'content',
  utm_term: 'term',
};

/** Columns read from the page url's query string when the event does not carry them itself. */
export const FROM_PAGE_URL: Readonly<Record<string, string>> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'campaign',
  utm_content: 'content',
  utm_term: 'term',
  gclid: 'gclid',
  fbclid: 'fbclid',
  msclkid: 'msclkid',
};

/** Keys a client may use for its own timestamp (ISO 8601 string or epoch milliseconds). */
export const CLIENT_TIME_KEYS = ['created_at', 'created', 'time', 'ts'] as const;

/** PII keys hashed with the keyed HMAC, and the hash key each lands under (in params). */
export const PII_HASHES: Readonly<Record<string, string>> = { email: 'ehash', cell: 'chash', uname: 'uhash' };
