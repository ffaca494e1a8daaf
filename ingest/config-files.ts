// The configured files a start cannot do without, each failure with a code of its own: missing, unreadable,
// or holding something unusable. They were all STARTUP_INVALID, like a misspelt key, and the line said what
// was wrong but not what to do; a pipeline or a script watching a crash-looping pod could not tell a GeoIP
// volume not mounted from a TLS Secret with the wrong key. Each line names the key, the path and the remedy.
import { resolve } from 'node:path';
import { StartupError } from '../common/startup-error.ts';

export type CodedFileKey =
  | 'geoip.file'
  | 'server.tls.certFile'
  | 'server.tls.keyFile'
  | 'privacy.hashKeyFile';

/** What a coded file is: its codes' prefix, what it holds, and how to start without it. */
interface FileKind {
  readonly prefix: 'GEOIP_FILE' | 'TLS_FILE' | 'HASH_KEY_FILE';
  readonly holds: string;
  readonly without: string;
}

const KINDS: Record<CodedFileKey, FileKind> = {
  'geoip.file': {
    prefix: 'GEOIP_FILE',
    holds: 'the IP2Location BIN file',
    without: 'unset geoip.file to run without GeoIP',
  },
  'server.tls.certFile': {
    prefix: 'TLS_FILE',
    holds: 'the PEM certificate (chain)',
    without: 'unset server.tls to serve plain HTTP behind a TLS proxy',
  },
  'server.tls.keyFile': {
    prefix: 'TLS_FILE',
    holds: "the certificate's PEM private key",
    without: 'unset server.tls to serve plain HTTP behind a TLS proxy',
  },
  'privacy.hashKeyFile': {
    prefix: 'HASH_KEY_FILE',
    holds:
      "the deployment's hash key (the one its stored hashes were made with: a new key changes every hash)",
    without: 'unset privacy.hashKeyFile for a key generated in server.stateDir (one instance only)',
  },
};

/** Every code a coded file's failure can carry, for the documentation's list. */
export const CONFIGURED_FILE_CODES: readonly string[] = [
  ...new Set(Object.values(KINDS).map((k) => k.prefix)),
].flatMap((p) => [`${p}_MISSING`, `${p}_UNREADABLE`, `${p}_INVALID`]);

export const isCodedFileKey = (key: string): key is CodedFileKey => key in KINDS;

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
};

/** A refusal a write gets, not a read: the directory's to say (data-dirs.ts), not the file's. */
const WRITES = new Set(['EROFS', 'ENOSPC', 'EDQUOT']);

/** A problem with a configured file: its one line and its code. */
export interface FileProblem {
  readonly line: string;
  readonly code: string;
}

/**
 * The system refused to open or read `path`, the file `key` names: no such file (`_MISSING`), or one that
 * cannot be read (`_UNREADABLE`: permissions, a directory). Undefined for what is no system call's
 * refusal (Node's own ERR_* codes), a refused write (the directory's to say), or one about another path
 * (the state directory's copy of it).
 */
export function fileRefusal(key: CodedFileKey, path: string, err: unknown): FileProblem | undefined {
  const code = readRefusal(path, err);
  if (code === undefined) return undefined;
  const { prefix, holds } = KINDS[key];
  if (code === 'ENOENT')
    return {
      code: `${prefix}_MISSING`,
      line: `${key}: no such file: ${path}; put ${holds} there (on Kubernetes: mount its volume or Secret) or set ${key} to where it is`,
    };
  return {
    code: `${prefix}_UNREADABLE`,
    line: `${key}: cannot read ${path}: ${REASONS[code] ?? code} (${code}); make it a file the ingest's user can read (on Kubernetes: the volume's defaultMode or fsGroup) or set ${key} to one that is`,
  };
}

/** The system's code for its refusal to open or read `path` (see fileRefusal), else undefined. */
function readRefusal(path: string, err: unknown): string | undefined {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown } | null;
  const code = typeof e?.code === 'string' && typeof e.syscall === 'string' ? e.code : undefined;
  if (code === undefined || WRITES.has(code)) return undefined;
  // a read of an open file (a directory's EISDIR) names no path: the caller's is the one it read
  if (typeof e?.path === 'string' && resolve(e.path) !== resolve(path)) return undefined;
  return code;
}

/** The file `key` names was read but holds nothing usable (`_INVALID`): `what` says why, then the remedy. */
export function invalidFile(key: CodedFileKey, path: string, what: string): FileProblem {
  const { prefix, holds, without } = KINDS[key];
  return {
    code: `${prefix}_INVALID`,
    line: `${key}: ${path}: ${what}; put ${holds} there, or ${without}`,
  };
}

/** A file problem met while starting, as the start-up error the process stops with (exit 2). */
export const fileStartupError = (problem: FileProblem, cause: unknown): StartupError =>
  new StartupError(problem.line, { code: problem.code, cause });

/**
 * What reading the file `key` names at `path` failed with, as its start-up error: refused by the system
 * (fileRefusal), or read and refused by its reader (`_INVALID`, the reader's words). Undefined for a system
 * error about something else (a write into server.stateDir, said by the directory's check).
 */
export function fileFailure(key: CodedFileKey, path: string, err: unknown): StartupError | undefined {
  const refused = fileRefusal(key, path, err);
  if (refused !== undefined) return fileStartupError(refused, err);
  if (typeof (err as { syscall?: unknown } | null)?.syscall === 'string') return undefined;
  const what = err instanceof Error ? err.message : String(err);
  return fileStartupError(invalidFile(key, path, what), err);
}

// What to do about a damaged generated key: a new one would change every stored hash.
const RESTORE_KEY =
  'restore it from a backup of server.stateDir (a new key changes every stored hash: the ehash, iphash and cookieless vids of the rows stored before no longer match, and an erase request by email or phone does not find them); deleting it makes a new one';

/**
 * The hash key generated at `path` in server.stateDir (privacy.hashKeyFile unset) that a later start cannot
 * use, as its start-up error: with the configured file's codes (`HASH_KEY_FILE_UNREADABLE`, `_INVALID`),
 * a line naming the generated file, and a remedy of its own (there is no key to unset). Undefined as
 * fileFailure's is (a refused write into server.stateDir is the directory's to say).
 */
export function generatedKeyFailure(path: string, err: unknown): StartupError | undefined {
  const refused = readRefusal(path, err);
  if (refused !== undefined) {
    const line = `server.stateDir: cannot read the generated hash key ${path}: ${REASONS[refused] ?? refused} (${refused}); make it a file the ingest's user can read, or ${RESTORE_KEY}`;
    return fileStartupError({ code: 'HASH_KEY_FILE_UNREADABLE', line }, err);
  }
  if (typeof (err as { syscall?: unknown } | null)?.syscall === 'string') return undefined;
  const what = err instanceof Error ? err.message : String(err);
  const line = `server.stateDir: the generated hash key ${path} ${what}; ${RESTORE_KEY}`;
  return fileStartupError({ code: 'HASH_KEY_FILE_INVALID', line }, err);
}

/**
 * The hash key to be generated at `path` in server.stateDir (privacy.hashKeyFile unset, no key there yet)
 * that could not be written, as its start-up error: `HASH_KEY_FILE_MISSING` (there is no key), a line
 * naming the file and what to do. It said "cannot read" and to restore a key that was never made.
 * Undefined as fileFailure's is (a read-only or full file system is the directory's to say).
 */
export function generatedKeyNotWritten(path: string, err: unknown): StartupError | undefined {
  const refused = readRefusal(path, err);
  if (refused === undefined) return undefined;
  // O_EXCL meets whatever is there, a symbolic link to nowhere too (existsSync said nothing was)
  const reason =
    refused === 'EEXIST'
      ? 'something that is not a file is in the way, a broken symbolic link perhaps'
      : (REASONS[refused] ?? refused);
  const remedy =
    refused === 'EEXIST'
      ? 'remove it to have a key generated there'
      : "make server.stateDir a directory the ingest's user can write";
  const line = `server.stateDir: cannot write the generated hash key ${path}: ${reason} (${refused}); ${remedy}, or set privacy.hashKeyFile to the deployment's key file`;
  return fileStartupError({ code: 'HASH_KEY_FILE_MISSING', line }, err);
}
