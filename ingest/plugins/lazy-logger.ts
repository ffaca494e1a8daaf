// Fastify gives every request a child logger (bound to its request id). Building one costs more than
// the rest of a small tracking request's bookkeeping, and almost every request logs nothing (requests are
// counted by metrics; failures are logged by the error handler). So a request's child logger is built
// the first time the request logs, with the same bindings and options it would have had.
//
// It is the app's logger whose `child` is lazy, not a `childLoggerFactory` option: Fastify checks every
// logger a factory of the app's returns (seven method lookups, two arrays and a closure per request) and
// skips that check only for its own factory, which calls `child` of the app's logger.
import type { FastifyBaseLogger } from 'fastify';

type Log = (...args: unknown[]) => void;
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

type Child = (this: FastifyBaseLogger, bindings: Bindings, options?: ChildOptions) => FastifyBaseLogger;

class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #build: Child;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, build: Child, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#build = build;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#build.call(this.#parent, this.#bindings, this.#options);
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

/**
 * Makes the children of `log` (the app's logger: Fastify's default factory builds each request's from it)
 * built on their first use. Only for a real logger: Fastify's stand-in when logging is off is one shared
 * object whose children are itself, and Fastify then builds no child at all. pino's children inherit
 * `child` from their parent, so the lazy `child` builds under whichever logger it is called on (`this`).
 */
export function lazyChildren(log: FastifyBaseLogger): void {
  const eager = log.child as Child;
  log.child = function lazyChild(this: FastifyBaseLogger, bindings: Bindings, options?: ChildOptions) {
    return new LazyChildLogger(this, eager, bindings, options) as unknown as FastifyBaseLogger;
  } as FastifyBaseLogger['child'];
}
