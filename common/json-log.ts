// One log format per long-running process. Each process has a logger that writes JSON lines (the ingest's
// Fastify logger, pino; the operator's own): every other line it writes, a start-up failure, what the
// runtime reports beside the answers, a process warning, goes out in the same shape. A line of plain text
// among them broke every JSON log pipeline reading the container's output (Loki, Fluent Bit,
// `kubectl logs | jq`): the line failed to parse and lost its fields, and a crash-looping pod's last line,
// its start-up failure, was exactly such a line.
import { hostname } from 'node:os';

export type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** A process's log level (LOG_LEVEL): the least severe level it writes, or silent for none. */
export type Threshold = LevelName | 'silent';
export type Fields = Readonly<Record<string, unknown>>;

/** A process logger's line for a level, a message and fields (the line ends in a newline). */
export type LineFormat = (level: LevelName, msg: string, fields?: Fields) => string;

const PINO_LEVELS: Record<LevelName, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/**
 * Whether a line at `level` is written under the process's log level: every line a process writes honours
 * the one level its logger does (LOG_LEVEL=error left the warn and info lines written beside the logger).
 */
export function shows(threshold: Threshold, level: LevelName): boolean {
  return threshold !== 'silent' && PINO_LEVELS[level] >= PINO_LEVELS[threshold];
}

/**
 * The ingest's lines, as its Fastify logger (pino) writes them: numeric level, epoch milliseconds, pid,
 * hostname, the fields, then msg.
 */
export const pinoLine: LineFormat = (level, msg, fields = {}) =>
  `${JSON.stringify({
    level: PINO_LEVELS[level],
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    ...fields,
    msg,
  })}\n`;

/**
 * The operator's lines: ISO time, level by name (its logger knows no fatal or trace: error and debug), msg,
 * then the fields. An Error anywhere in the fields is written as its message.
 */
export const isoLine: LineFormat = (level, msg, fields = {}) => {
  const named = level === 'fatal' ? 'error' : level === 'trace' ? 'debug' : level;
  return `${JSON.stringify({ time: new Date().toISOString(), level: named, msg, ...fields }, errorMessage)}\n`;
};

function errorMessage(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** The error's stable code when it has one: a system error's (ENOSPC), a coded error's, a warning's. */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** An error as a log field, the way pino's serializer writes it: its type, message, stack and code. */
export function errField(err: unknown): Fields {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const code = codeOf(err);
  const cause = err.cause === undefined ? {} : { cause: errField(err.cause) };
  return {
    type: err.name,
    message: err.message,
    ...(code === undefined ? {} : { code }),
    ...(err.stack === undefined ? {} : { stack: err.stack }),
    ...cause,
  };
}

/** The fields for a line about an error: its code (when it has one) and the error itself. */
export function errorFields(err: unknown): Fields {
  if (err === undefined) return {};
  const code = codeOf(err);
  return { ...(code === undefined ? {} : { code }), err: errField(err) };
}

/**
 * Node's own lines as the process's log lines: a warning (a deprecation, one the process emits) instead of
 * its plain `(node:1) Warning: …` text, and an uncaught error (a bug) instead of a bare stack over many
 * lines, after which the process exits 1 as Node would. A warning is written under the process's log level
 * (`threshold`, asked at each warning: the level is known once the configuration is read); the uncaught
 * error always, as the start-up failure is: it is why the process stopped.
 */
export function logProcessWarnings(
  format: LineFormat,
  write: (line: string) => void = (l) => process.stderr.write(l),
  threshold: () => Threshold = () => 'info',
): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (shows(threshold(), 'warn')) write(format('warn', `${w.name}: ${w.message}`, errorFields(w)));
  });
  process.on('uncaughtException', (err, origin) => {
    const what = err instanceof Error ? err.message : String(err);
    write(
      format(
        'fatal',
        `${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught error'}: ${what}`,
        errorFields(err),
      ),
    );
    process.exit(1);
  });
}
