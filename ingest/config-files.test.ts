// The coded failures of the configured files a start cannot do without (config-files.ts): which system
// refusals each code covers, and the documentation listing every code there is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIGURED_FILE_CODES, fileRefusal, invalidFile } from './config-files.ts';

const refused = (code: string, path?: string) =>
  Object.assign(new Error(code), { code, syscall: 'open', ...(path === undefined ? {} : { path }) });

describe('a configured file the system would not let the start read', () => {
  it.each([
    ['ENOENT', 'GEOIP_FILE_MISSING', 'geoip.file: no such file: /g.bin; put the IP2Location BIN file there'],
    [
      'EACCES',
      'GEOIP_FILE_UNREADABLE',
      'geoip.file: cannot read /g.bin: permission denied (EACCES); make it',
    ],
    [
      'EISDIR',
      'GEOIP_FILE_UNREADABLE',
      'geoip.file: cannot read /g.bin: is a directory, not a file (EISDIR)',
    ],
    ['ELOOP', 'GEOIP_FILE_UNREADABLE', 'geoip.file: cannot read /g.bin: too many symbolic links (ELOOP)'],
  ])('%s is %s', (errno, code, line) => {
    const problem = fileRefusal('geoip.file', '/g.bin', refused(errno, '/g.bin'));
    expect(problem?.code).toBe(code);
    expect(problem?.line.startsWith(line)).toBe(true);
  });

  it('a read of an open file (no path in the error) is the file read', () => {
    expect(fileRefusal('privacy.hashKeyFile', '/k', refused('EISDIR'))?.code).toBe(
      'HASH_KEY_FILE_UNREADABLE',
    );
  });

  it.each([
    ['a refused write (the directory it was copied to)', refused('ENOSPC', '/g.bin')],
    ['another path (the copy in server.stateDir)', refused('EACCES', '/state/geoip/copy.bin')],
    ['an error of no system call', new Error('not a BIN file')],
    ["Node's own code", Object.assign(new Error('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' })],
  ])('is not said for %s', (_what, err) => {
    expect(fileRefusal('geoip.file', '/g.bin', err)).toBeUndefined();
  });
});

describe('a configured file holding nothing usable', () => {
  it.each([
    ['server.tls.certFile', 'TLS_FILE_INVALID', 'unset server.tls to serve plain HTTP'],
    ['privacy.hashKeyFile', 'HASH_KEY_FILE_INVALID', 'unset privacy.hashKeyFile for a key generated'],
  ] as const)('%s is %s, with what to do', (key, code, remedy) => {
    const problem = invalidFile(key, '/f', 'holds 5 bytes');
    expect(problem.code).toBe(code);
    expect(problem.line).toMatch(
      new RegExp(`^${key.replaceAll('.', '\\.')}: /f: holds 5 bytes; put .*${remedy}`),
    );
  });
});

// The start-up codes are stable API (scripts and alerts match on them): the README lists each one.
it('the ingest README lists every configured-file code', () => {
  const readme = readFileSync(new URL('README.md', import.meta.url), 'utf8');
  expect(CONFIGURED_FILE_CODES.filter((code) => !readme.includes(`\`${code}\``))).toEqual([]);
  expect(CONFIGURED_FILE_CODES).toHaveLength(9);
});
