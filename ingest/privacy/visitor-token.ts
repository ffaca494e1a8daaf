// The proof that a caller is the visitor it names. A visitor id is not a secret (it travels in URLs,
// logs and client-side cookies), so erasing "my" data by presenting a vid would let anyone who learnt one
// erase that visitor. The token is a keyed HMAC of the vid, issued by this service only for a visitor id
// it generated itself (so nobody can obtain one for an id they merely know), in an HttpOnly cookie.
import { timingSafeEqual } from 'node:crypto';
import type { Hasher } from './hash.ts';

export const TOKEN_COOKIE = 'vtok';

export const visitorToken = (hasher: Hasher, vid: string): string => hasher.hash('visitor-token', vid);

export function validVisitorToken(hasher: Hasher, vid: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  const want = Buffer.from(visitorToken(hasher, vid));
  const got = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}
