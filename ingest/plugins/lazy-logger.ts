// Fastify gives every request a child logger (bound to its request id). Building one costs more than
// the rest of a small tracking request's bookkeeping, and almost every request logs nothing (requests are
// counted by metrics; failures are logged by the error handler). So a request's child logger is built
// the first time the request logs, with the same bindings and options it would have had.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Log = (...args: unknown[]) => void;
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.#logger.fatal as Log)(...args);
  }
  error(...args: unknown[]): void {
    (this.#logger.error as Log)(...args);
  }
  warn(...args: unknown[]): void {
    (this.#logger.warn as Log)(...args);
  }
  info(...args: unknown[]): void {
    (this.#logger.info as Log)(...args);
  }
  debug(...args: unknown[]): void {
    (this.#logger.debug as Log)(...args);
  }
  trace(...args: unknown[]): void {
    (this.#logger.trace as Log)(...args);
  }
  silent(...args: unknown[]): void {
    (this.#logger.silent as Log)(...args);
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, built on its first use. */
export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
