// The read credential: one user name and password that the SQL endpoint and the dashboard ask for. The
// password comes from a mounted Secret file when configured; otherwise (local `make run`) one is generated
// once into the state directory, where `ingest/query.ts` and the person running the server can read it.
// Credentials travel in headers only (HTTP Basic or ClickHouse's X-ClickHouse-User / X-ClickHouse-Key):
// a password in a URL ends up in access logs and browser history.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ReadCredential {
  readonly username: string;
  /** Where the password is (the configured file, or the generated one). */
  readonly passwordFile: string;
  /** Whether these headers carry this credential. */
  check(headers: CredentialHeaders): CredentialCheck;
}

export interface CredentialHeaders {
  readonly authorization?: string | undefined;
  readonly 'x-clickhouse-user'?: string | string[] | undefined;
  readonly 'x-clickhouse-key'?: string | string[] | undefined;
}

export type CredentialCheck = 'ok' | 'missing' | 'wrong';

/** The generated password's file name inside the state directory. */
export const GENERATED_PASSWORD_FILE = 'sql.password';

export function passwordFileOf(passwordFile: string | undefined, stateDir: string): string {
  return passwordFile ?? join(stateDir, GENERATED_PASSWORD_FILE);
}

/** How often at most a check looks whether the password file changed: one stat, not one per request. */
export const PASSWORD_RECHECK_MS = 1000;

/**
 * Reads the configured password file, or generates the local one on first use. A changed file (a rotated
 * Secret: a new file swapped in, or the same one rewritten) takes effect within a second, without a
 * restart; a file that is then empty or unreadable (mid-rotation) keeps the password read before.
 */
export function loadReadCredential(
  username: string,
  passwordFile: string | undefined,
  stateDir: string,
  now: () => number = Date.now,
): ReadCredential {
  const file = passwordFileOf(passwordFile, stateDir);
  if (passwordFile === undefined && !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  let seen = statSync(file);
  let password = readFileSync(file, 'utf8').trim();
  if (password === '') {
    const key = passwordFile === undefined ? 'the generated password' : 'sql.passwordFile';
    throw new Error(`${key}: ${file} is empty`);
  }
  let lookedAt = now();
  const current = (): string => {
    const t = now();
    if (t - lookedAt < PASSWORD_RECHECK_MS) return password;
    lookedAt = t;
    try {
      const stats = statSync(file);
      if (sameFile(stats, seen)) return password;
      seen = stats;
      password = readFileSync(file, 'utf8').trim() || password;
    } catch {
      // gone or unreadable for a moment while it is replaced: the password read before stays
    }
    return password;
  };
  return { username, passwordFile: file, check: (h) => checkHeaders(h, username, current()) };
}

/** The same file content as far as a stat tells: a swapped-in file has another inode, a rewrite another time or size. */
const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function presented(h: CredentialHeaders): { user: string; password: string } | undefined {
  const auth = h.authorization ?? '';
  if (/^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const key = first(h['x-clickhouse-key']);
  if (key !== undefined) return { user: first(h['x-clickhouse-user']) ?? 'default', password: key };
  return undefined;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function checkHeaders(h: CredentialHeaders, username: string, password: string): CredentialCheck {
  const given = presented(h);
  if (given === undefined) return 'missing';
  // Both compared, always: which one was wrong is not the caller's to learn.
  const userOk = same(given.user, username);
  const passwordOk = same(given.password, password);
  return userOk && passwordOk ? 'ok' : 'wrong';
}
