// What the runtime reports beside the answers (the data path's failed inserts, a destination that does not
// accept, shared limits or NATS unavailable, a GeoIP file that could not be reloaded): a log line in the
// shape of the Fastify logger's (common/json-log.ts), level error with an error and warn without one
// unless the caller says, the error's code as `code` and the error under `err`. These lines were plain
// text (`message: Error: … at …`, a stack over several lines) among the logger's JSON: a JSON log
// pipeline failed on each and lost what it said.
import {
  errorFields,
  type Fields,
  type LevelName,
  type LineFormat,
  pinoLine,
  shows,
  type Threshold,
} from '../common/json-log.ts';
import { StartupError } from '../common/startup-error.ts';

export type RuntimeLevel = Extract<LevelName, 'error' | 'warn' | 'info'>;
export type RuntimeLog = (msg: string, err?: unknown, level?: RuntimeLevel) => void;

/**
 * An error that says how its repeats are told apart: `repeatKey` is what is the same each time it repeats
 * (a failed insert's table and the store's code, not its attempt number), `fields` what its line carries
 * beside the error (the attempt number).
 */
export interface Repeating {
  readonly repeatKey?: string;
  readonly fields?: Fields;
}

const fieldsOf = (err: unknown): Fields => (err as Repeating | undefined)?.fields ?? {};

/**
 * The runtime's reports as log lines on stderr (the ingest's: pino's shape), those below the process's log
 * level (LOG_LEVEL) left out.
 */
export const jsonLog =
  (
    format: LineFormat = pinoLine,
    write: (line: string) => void = (line) => process.stderr.write(line),
    threshold: Threshold = 'info',
  ): RuntimeLog =>
  (msg, err, level) => {
    const at = level ?? (err === undefined ? 'warn' : 'error');
    if (shows(threshold, at)) write(format(at, msg, { ...fieldsOf(err), ...errorFields(err) }));
  };

/**
 * Per key, whether to report now: the first time, then at most once every `everyMs`. A report gets the
 * number of times the key was held back since the one before (0: none); a held-back time gets undefined.
 * Keys not reported for an interval are let go once there are more than 100.
 */
export function reportGate(everyMs: number, now: () => number = Date.now) {
  const runs = new Map<string, { last: number; since: number }>();
  return (key: string): number | undefined => {
    const run = runs.get(key) ?? { last: Number.NEGATIVE_INFINITY, since: 0 };
    runs.set(key, run);
    const t = now();
    if (t - run.last < everyMs) {
      run.since++;
      return undefined;
    }
    const heldBack = run.since;
    run.last = t;
    run.since = 0;
    if (runs.size > 100) for (const [k, r] of runs) if (t - r.last >= everyMs) runs.delete(k);
    return heldBack;
  };
}

/**
 * One report at most every `everyMs` for a failure that can repeat on every request (the shared rate
 * limits with NATS frozen: a line per request at thousands a second): the first, then one per interval
 * saying how many it stood for.
 */
export function throttled(log: RuntimeLog, msg: string, everyMs: number, now: () => number = Date.now) {
  const gate = reportGate(everyMs, now);
  return (err?: unknown): void => {
    const heldBack = gate('');
    if (heldBack === undefined) return;
    log(heldBack > 0 ? `${msg} (${heldBack + 1} times since the last report)` : msg, err);
  };
}

/** What is the same each time a failure repeats: the error's `repeatKey`, else its text. */
const repeatKeyOf = (err: unknown): string =>
  (err as Repeating | undefined)?.repeatKey ?? (err instanceof Error ? err.message : String(err));

/**
 * The same failure (message and the error's repeatKey, else its text) reported at most once every
 * `everyMs`, then with how many times it stood for; a different failure is reported at once. The data path
 * retries a failing flush every second per table: with the disk full, each retry printed the same stack,
 * for as long as it stayed full, onto the disk that was full. A failed insert's text holds its attempt
 * number, different each time: keyed on the text, no retry was ever held back.
 */
export function repeatsQuiet(log: RuntimeLog, everyMs: number, now: () => number = Date.now): RuntimeLog {
  const gate = reportGate(everyMs, now);
  return (msg, err, level) => {
    const heldBack = gate(`${msg}\0${repeatKeyOf(err)}`);
    if (heldBack === undefined) return;
    log(heldBack > 0 ? `${msg} (${heldBack} more times since the last report)` : msg, err, level);
  };
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The log level `LOG_LEVEL` names (default info), or a StartupError naming the variable: the logger's own
 * refusal ("default level:warning must be included in custom levels") came after the engine had opened,
 * named no variable and exited 1.
 */
export function logLevel(env: NodeJS.ProcessEnv = process.env): (typeof LEVELS)[number] {
  const level = env.LOG_LEVEL ?? 'info';
  const known = LEVELS.find((l) => l === level);
  if (known !== undefined) return known;
  throw new StartupError(
    `LOG_LEVEL: ${JSON.stringify(level)} is not a log level; use one of ${LEVELS.join(', ')}`,
  );
}
