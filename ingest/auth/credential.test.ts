// The read credential: generated once (owner-only) when no file is configured, read from the configured
// file otherwise, and checked from HTTP Basic or the X-ClickHouse headers.
import { mkdtempSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReadCredential, PASSWORD_RECHECK_MS } from './credential.ts';

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

  // Regression: the file was read only at start, so a rotated Secret took effect only after a restart.
  describe('a rotated password file', () => {
    function rotating() {
      const dir = mkdtempSync(join(tmpdir(), 'credential-'));
      const file = join(dir, 'secret');
      writeFileSync(file, 'old\n');
      let clock = 1_000_000;
      const c = loadReadCredential('reader', file, dir, () => clock);
      const check = (password: string) => c.check({ authorization: basic('reader', password) });
      return { dir, file, check, tick: () => (clock += PASSWORD_RECHECK_MS) };
    }

    it('takes effect within a second when a new file is swapped in, as a Secret mount does', () => {
      const { dir, file, check, tick } = rotating();
      writeFileSync(join(dir, 'next'), 'new\n');
      renameSync(join(dir, 'next'), file);
      // looked at no more than once a second: not on the next request
      expect(check('old')).toBe('ok');
      tick();
      expect(check('new')).toBe('ok');
      expect(check('old')).toBe('wrong');
    });

    it('takes effect when the file is rewritten in place', () => {
      const { file, check, tick } = rotating();
      writeFileSync(file, 'fresh\n');
      utimesSync(file, new Date(), new Date(Date.now() + 5000)); // another mtime whatever the clock's grain
      tick();
      expect(check('fresh')).toBe('ok');
    });

    it('keeps the password it has while the file is empty or gone', () => {
      const { file, check, tick } = rotating();
      writeFileSync(file, '');
      tick();
      expect(check('old')).toBe('ok');
      renameSync(file, `${file}.gone`);
      tick();
      expect(check('old')).toBe('ok');
    });
  });
});
