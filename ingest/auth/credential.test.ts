// The read credential: generated once (owner-only) when no file is configured, read from the configured
// file otherwise, and checked from HTTP Basic or the X-ClickHouse headers.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReadCredential } from './credential.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('read credential', () => {
  it('generates a password once into the state directory, readable by the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credential-'));
    const first = loadReadCredential('default', undefined, dir);
    expect(first.passwordFile).toBe(join(dir, 'sql.password'));
    expect(statSync(first.passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(first.passwordFile, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(24);
    loadReadCredential('default', undefined, dir);
    expect(readFileSync(first.passwordFile, 'utf8').trim()).toBe(password);
  });

  it('checks HTTP Basic and X-ClickHouse-User/-Key against the configured file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credential-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 's3cret:with:colons\n');
    const c = loadReadCredential('reader', file, join(dir, 'state'));
    expect(c.check({ authorization: basic('reader', 's3cret:with:colons') })).toBe('ok');
    expect(c.check({ 'x-clickhouse-user': 'reader', 'x-clickhouse-key': 's3cret:with:colons' })).toBe('ok');
    expect(c.check({ authorization: basic('reader', 'nope') })).toBe('wrong');
    expect(c.check({ authorization: basic('default', 's3cret:with:colons') })).toBe('wrong');
    expect(c.check({ 'x-clickhouse-key': 's3cret:with:colons' })).toBe('wrong'); // user defaults to "default"
    expect(c.check({ authorization: 'Bearer abc' })).toBe('missing');
    expect(c.check({})).toBe('missing');
  });

  it('refuses an empty password file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credential-'));
    writeFileSync(join(dir, 'empty'), '\n');
    // named by its key: the start said only "<file>: the password file is empty"
    expect(() => loadReadCredential('default', join(dir, 'empty'), dir)).toThrow(
      `sql.passwordFile: ${join(dir, 'empty')} is empty`,
    );
  });
});
