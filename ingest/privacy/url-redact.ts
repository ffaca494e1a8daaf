// URLs as stored (an event's url, last and referrer, a consent's url, and the rollups derived from them):
// pages put a person's email, a password-reset token or an OAuth access token in the query string or the
// fragment, and a referrer carries them from another site. Those values are replaced before the row is
// spooled, so no table, view, backlog or dead letter ever holds them; the page, its path and its other
// parameters (utm_*, click ids, search terms) stay as sent.

/** Query or fragment parameters whose value is a secret or a person's contact (compared lower-cased). */
export const REDACTED_PARAMS: ReadonlySet<string> = new Set([
  'email',
  'e-mail',
  'mail',
  'email_address',
  'emailaddress',
  'phone',
  'tel',
  'cell',
  'mobile',
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'auth',
  'authorization',
  'auth_token',
  'code',
  'jwt',
  'session',
  'sessionid',
  'session_id',
  'api_key',
  'apikey',
  'key',
  'otp',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

/** What a removed value is replaced with. */
export const REDACTED = 'redacted';

// An email address inside a URL, encoded or not (%40 is '@'). Every part is bounded (an address's own
// limits), so a long URL without one costs a few dozen steps per character, never a quadratic search.
const EMAIL = /[\w.!$&'*+^`{|}~-]{1,64}(?:@|%40)[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}/gi;
// scheme://user[:password]@host: credentials in the authority.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;
// Nothing to do for most URLs, those with a query too (utm_*, click ids): no '@' (or encoded '@'), no
// listed parameter name, and no name that could decode or trim to one (holding '%', '+' or a space). Checked in one pass
// so that a URL with a query costs ~0.1 µs here, not a split and a decode of every pair.
const escaped = (name: string) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const MAYBE = new RegExp(
  `@|%40|[?&#](?:${[...REDACTED_PARAMS].map(escaped).join('|')})=|[?&#][^=&#]*[%+\\s][^=&#]*=`,
  'i',
);

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

/** `a=1&email=x&b` with the sensitive values replaced; each pair otherwise byte for byte. */
function redactPairs(pairs: string): string {
  return pairs
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair.replace(EMAIL, REDACTED);
      const name = pair.slice(0, eq);
      const sensitive = REDACTED_PARAMS.has(decoded(name).trim().toLowerCase());
      return sensitive ? `${name}=${REDACTED}` : `${name}=${pair.slice(eq + 1).replace(EMAIL, REDACTED)}`;
    })
    .join('&');
}

/** The URL without credentials, emails or secret parameter values; unchanged when it holds none. */
export function redactUrl(url: string): string {
  return MAYBE.test(url) ? redactEveryPart(url) : url;
}

/** redactUrl's whole pass, without its quick check (exported for the test that holds the two equal). */
export function redactEveryPart(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? undefined : url.slice(hash + 1);
  const q = beforeHash.indexOf('?');
  const path = (q < 0 ? beforeHash : beforeHash.slice(0, q)).replace(USERINFO, '$1').replace(EMAIL, REDACTED);
  const query = q < 0 ? undefined : redactPairs(beforeHash.slice(q + 1));
  return `${path}${query === undefined ? '' : `?${query}`}${fragment === undefined ? '' : `#${redactPairs(fragment)}`}`;
}

/** The event columns holding URLs. */
export const URL_COLUMNS: readonly string[] = ['url', 'last', 'referrer'];

/**
 * The params keys holding URLs: `href`, the link a click or outbound event of the browser client names
 * (a password-reset link on the page, a `mailto:` address, an OAuth redirect), was stored as sent.
 */
export const URL_PARAMS: readonly string[] = ['href'];

/** The columns holding URLs, redacted in place where they are strings. */
export function redactUrlColumns(cols: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = cols[name];
    if (typeof value === 'string') cols[name] = redactUrl(value);
  }
}
