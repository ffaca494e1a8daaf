// What a process prints when it cannot start: one line that says what is wrong and what to change, never
// a stack trace (an operator reads it in `kubectl logs` or `docker logs`). The line is a log line of the
// process, JSON in its logger's shape with a stable `code`: it is the last line of a crash-looping pod,
// the one a JSON log pipeline must not fail to parse. LOG_LEVEL=debug adds the error with its stack for
// the cases nobody anticipated.
import { resolve, sep } from 'node:path';
import { codeOf, errField, type LineFormat } from './json-log.ts';

/** A long-running process: its name in its lines, and its logger's line format. */
export interface ServerProcess {
  readonly name: string;
  readonly line: LineFormat;
}

/** A problem the user fixes by changing configuration or files; its message is the whole story. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  /**
   * The system error's code when the system refused (a file system read-only, full or over quota; an
   * address in use): the start-up line's `code`, what scripts and log pipelines match on.
   */
  readonly code: string | undefined;
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
  }
}

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

/** What a system error's code means for a file (`no such file` for ENOENT); the code itself when unknown. */
export const systemReason = (code: string): string => reasons[code] ?? code;

/** Codes only a write gets: a file opened for writing failed with "cannot read …" before. */
const WRITES = new Set(['EROFS', 'ENOSPC', 'EDQUOT']);

/** What to do about a directory its file system refuses to write to, by code. */
const remedies: Record<string, string> = {
  EROFS: 'mount it writable (a writable volume on Kubernetes) or set {key} to a writable {target}',
  ENOSPC: 'free space on its file system or set {key} to a {target} on another',
  EDQUOT: "raise the user's disk quota or set {key} to a {target} on another file system",
};

/**
 * A write under `dir` (the directory `key` configures) that its file system refused: read-only, full or
 * over quota. Not a configuration mistake: the key's value is fine, the directory is not usable, and the
 * error says which directory and what to do. Undefined for any other failure, or a path elsewhere.
 * `target` is what the key names, for the remedy: a directory, or a path (a key naming a file).
 */
export function unwritableDirectory(
  key: string,
  dir: string,
  err: unknown,
  target: 'directory' | 'path' = 'directory',
): StartupError | undefined {
  const e = err as SystemError;
  const code = e?.code ?? '';
  if (!WRITES.has(code) || e.path === undefined || !related(resolve(e.path), resolve(dir))) return undefined;
  const remedy = (remedies[code] ?? '').replace('{key}', key).replace('{target}', target);
  return new StartupError(`${key} ${dir}: cannot write ${e.path}: ${reasons[code]} (${code}); ${remedy}`, {
    code,
    cause: err,
  });
}

/** The path is the directory, inside it, or one of its parents (being created for it; `/` included). */
const related = (path: string, dir: string) => {
  const under = (p: string) => (p.endsWith(sep) ? p : `${p}${sep}`);
  return path === dir || path.startsWith(under(dir)) || dir.startsWith(under(path));
};

/** The verb of a failed file operation: `read` for an open (mostly a configured file), else the syscall. */
function verbOf(e: SystemError): string {
  if (WRITES.has(e.code ?? '')) return 'write';
  return e.syscall === 'open' || e.syscall === undefined ? 'read' : e.syscall;
}

/** One line for `err`: `<process> cannot start: <what>`. */
export function startupLine(processName: string, err: unknown): string {
  const e = err as SystemError;
  let what: string;
  if (e instanceof StartupError) what = e.message;
  else if (e?.path !== undefined && e.code !== undefined)
    what = `cannot ${verbOf(e)} ${e.path}: ${reasons[e.code] ?? e.code}`;
  else what = e instanceof Error ? e.message : String(err);
  return `${processName} cannot start: ${oneLine(what)}`;
}

/** A multi-line message (a list of problems under a heading) as one line: `heading: first; second`. */
export function oneLine(message: string): string {
  return message.replace(/:\s*\n\s*-\s*/g, ': ').replace(/\s*\n\s*(-\s*)?/g, '; ');
}

/**
 * The line's `code`: the StartupError's own (EROFS, EADDRINUSE), else the system error's (ENOENT,
 * EACCES), else STARTUP_INVALID for what the user fixes and STARTUP_FAILED for the rest.
 */
export function startupCode(err: unknown): string {
  return codeOf(err) ?? (userFixes(err) ? 'STARTUP_INVALID' : 'STARTUP_FAILED');
}

/** A StartupError or a file that cannot be read: the user's to fix (exit 2). */
const userFixes = (err: unknown) => err instanceof StartupError || (err as SystemError)?.path !== undefined;

/** The process's start-up failure as its log line: level error, the one line as msg, the code. */
export function startupLogLine(proc: ServerProcess, err: unknown, env = process.env): string {
  const debug = env.LOG_LEVEL === 'debug' && err instanceof Error;
  return proc.line('error', startupLine(proc.name, err), {
    code: startupCode(err),
    ...(debug ? { err: errField(err) } : {}),
  });
}

/**
 * Write the line on stderr and exit: 2 for what the user fixes (a StartupError, a file that cannot be
 * read), 1 otherwise.
 */
export function exitOnStartupError(proc: ServerProcess, err: unknown, env = process.env): never {
  process.stderr.write(startupLogLine(proc, err, env));
  process.exit(userFixes(err) ? 2 : 1);
}
