// JA4H HTTP client fingerprint (FoxIO JA4+ spec), the same value the Go tracker stored (it used go-ja4h):
//   a = method(2) + version(2) + cookie c/n + referer r/n + header count(2) + accept-language(4)
//   b = sha256(header names in order, excluding Cookie and Referer)[:12]
//   c = sha256(sorted cookie names)[:12]      d = always zeros (see below)
// JA4H's d is an unkeyed hash of the cookie values: the visitor's own id cookie, a site's session token,
// anything the tracker's domain receives. It would be a stable per-person identifier in every row (a
// cookieless visitor re-identified across days by it, a session token checkable against it), so it is
// never computed: the part is twelve zeros, as for a request without cookies.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { LRU_CALL } from '../lru.ts';

const ZERO = '000000000000';
const sha12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

// A client sends the same header names (and cookie names) in every request: their hashes are remembered
// for the last 1,024 lists (lists longer than 1 KiB are hashed each time, so the memo stays small).
const NAMES_MEMO_MAX_CHARS = 1024;
const namesMemo = new LRUCache<string, string>({ max: 1024 });
function namesHash(names: string): string {
  if (names.length > NAMES_MEMO_MAX_CHARS) return sha12(names);
  let hash = namesMemo.get(names, LRU_CALL);
  if (hash === undefined) {
    hash = sha12(names);
    namesMemo.set(names, hash, LRU_CALL);
  }
  return hash;
}

function version(httpVersion: string): string {
  if (httpVersion.startsWith('2')) return '20';
  if (httpVersion.startsWith('3')) return '30';
  return httpVersion === '1.0' ? '10' : '11';
}

function language(value: string | undefined): string {
  if (value === undefined || value === '') return '0000';
  const first = value.split(',')[0]?.split(';')[0] ?? '';
  return `${first.replaceAll('-', '').toLowerCase().slice(0, 4)}0000`.slice(0, 4);
}

/** The header is `lower` in any case: most names differ in length, and are not lower-cased (a new string). */
const named = (name: string, lower: string): boolean =>
  name.length === lower.length && name.toLowerCase() === lower;

/** rawHeaders is Node's flat [name, value, name, value, …] list in arrival order. */
export function ja4h(method: string, httpVersion: string, rawHeaders: readonly string[]): string {
  const names: string[] = [];
  let cookies: string[] | undefined; // most requests send none
  let referer = false;
  let acceptLanguage: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    if (named(name, 'cookie')) {
      const pairs = value
        .split(';')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      cookies = cookies === undefined ? pairs : [...cookies, ...pairs];
    } else if (named(name, 'referer')) referer = true;
    else {
      if (named(name, 'accept-language')) acceptLanguage ??= value;
      names.push(name);
    }
  }
  const any = cookies !== undefined && cookies.length > 0;
  const a = `${method.toLowerCase().padEnd(2, '0').slice(0, 2)}${version(httpVersion)}${any ? 'c' : 'n'}${
    referer ? 'r' : 'n'
  }${String(Math.min(names.length, 99)).padStart(2, '0')}${language(acceptLanguage)}`;
  const b = namesHash(names.join(','));
  if (cookies === undefined || !any) return `${a}_${b}_${ZERO}_${ZERO}`;
  const c = namesHash(
    cookies
      .map((cookie) => cookie.split('=')[0] ?? '')
      .sort()
      .join(','),
  );
  return `${a}_${b}_${c}_${ZERO}`;
}
