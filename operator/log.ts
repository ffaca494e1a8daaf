// Structured JSON logs, one object per line on stdout (what log collectors parse). Kubernetes logging
// conventions: capitalised message, no trailing period, the object named in fields (kind, key). The line's
// shape is common/json-log.ts's isoLine: the operator's start-up failure and process warnings use it too.
import { isoLine } from '../common/json-log.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /**
   * A lifecycle line (started listening, shutting down), written at level info whatever the configured
   * level: at logLevel error a log still shows when the process started and stopped, and test harnesses
   * and the bench wait for the start line.
   */
  lifecycle(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  level: LogLevel,
  base: Fields = {},
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const emit = (at: LogLevel, msg: string, fields: Fields = {}, always = false) => {
    if (!always && order[at] < order[level]) return;
    write(isoLine(at, msg, { ...base, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    lifecycle: (m, f) => emit('info', m, f, true),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger('error', {}, () => undefined);
