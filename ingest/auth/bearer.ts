// `Authorization: Bearer <api key>`: the one reader of API keys in requests (the short-link admin API,
// erasure requests). The scheme is matched case-insensitively (HTTP authentication schemes are), one or
// more spaces or tabs separate it from the key, and the key is one run of visible characters, at most
// MAX_KEY_LENGTH long: longer input is refused before any hashing. A header with another scheme is not
// an API key (a browser that logged in to the dashboard sends its Basic credential to every path of the
// host), but a Bearer header without a usable key is refused, never ignored: a client that meant to
// authenticate learns why it was not.
import { IngestError } from '../errors.ts';
import type { ApiKeyStore, Principal } from './api-keys.ts';

export const MAX_KEY_LENGTH = 512;

const BEARER = /^bearer(?:[ \t]+(.*))?$/i;
const KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_KEY_LENGTH}}$`);

/**
 * The API key of an `Authorization` header value; undefined when there is no header or it carries another
 * scheme. Throws UNAUTHORIZED for a Bearer header whose key is empty, contains spaces or is too long.
 */
export function bearerKey(authorization: string | undefined): string | undefined {
  const m = BEARER.exec((authorization ?? '').trim());
  if (m === null) return undefined;
  const key = m[1] ?? '';
  if (!KEY.test(key))
    throw new IngestError(
      'UNAUTHORIZED',
      `Authorization: Bearer needs one API key of 1 to ${MAX_KEY_LENGTH} visible characters`,
    );
  return key;
}

/** The principal of a request's `Authorization` value; UNAUTHORIZED without a Bearer key or with one unknown. */
export async function apiKeyPrincipal(
  authorization: string | undefined,
  keys: ApiKeyStore,
): Promise<Principal> {
  const key = bearerKey(authorization);
  if (key === undefined) throw new IngestError('UNAUTHORIZED', 'Authorization: Bearer <api key> required');
  const principal = await keys.verify(key);
  if (principal === undefined) throw new IngestError('UNAUTHORIZED', 'invalid API key');
  return principal;
}
