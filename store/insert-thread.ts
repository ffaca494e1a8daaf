// The embedded store's inserts run on a thread of their own, below the event loop's priority. chdb's
// async calls run on libuv's pool, and an insert's whole pipeline (parsing, the materialized views, the
// parts written) runs mostly on the thread that called it: lowering that thread lowered the pool, which
// also runs the spool's writes and fdatasyncs that every acknowledgement waits for. And a call waiting for
// its connection (one statement at a time each) holds a pool thread: four tables' inserts at once held
// all four, and the spool's syncs waited for an insert to end. Here a worker thread holds a connection of
// its own to the store's data directory and runs each insert synchronously; engine-priority.ts lowers it
// with the engine's threads (those it starts inherit its priority), and the pool keeps the process's.
// Its inserts run one after another: chdb runs one statement per connection at a time anyway.
// One such thread per process, started with the first store and kept until the process ends: a worker
// that loaded chdb and ended left the engine's async calls from every other thread unanswered (measured
// with chdb 3.4), so stores open and close connections on it instead.
// This module is both the stores' side (InsertThread) and the worker's entry point (it starts itself).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

type Request =
  | {
      readonly id: number;
      readonly connection: number;
      readonly open: { path: string; connectionArgs: string[] };
    }
  | { readonly id: number; readonly connection: number; readonly sql: string }
  | { readonly id: number; readonly close: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request's end: done, or the engine's error. */
interface Reply {
  readonly id: number;
  readonly error?: EngineFailure;
}

/** An engine error as it crosses threads: what the data path's error classification reads. */
interface EngineFailure {
  readonly name: string;
  readonly message: string;
  readonly code?: unknown;
  readonly clickhouseCode?: unknown;
}

/**
 * The insert thread could not run the statement: it ended, or the connection is closed. The insert did
 * not run and its rows stay in the spool. It carries no ClickHouse code: the data path retries it.
 */
export class InsertThreadError extends Error {
  override readonly name = 'InsertThreadError';
}

function failure(err: unknown): EngineFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<EngineFailure>;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.clickhouseCode === undefined ? {} : { clickhouseCode: e.clickhouseCode }),
  };
}

/** The engine's error again, on the store's side, with its name, message and codes. */
function engineError(f: EngineFailure): Error {
  const err = new Error(f.message);
  err.name = f.name;
  return Object.assign(err, {
    ...(f.code === undefined ? {} : { code: f.code }),
    ...(f.clickhouseCode === undefined ? {} : { clickhouseCode: f.clickhouseCode }),
  });
}

/** The process's insert thread, seen from the stores: requests in flight and their answers. */
class Thread {
  readonly #worker = new Worker(new URL(import.meta.url), { workerData: { insertThread: true } });
  readonly #pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  #next = 0;
  #gone: InsertThreadError | undefined;

  constructor() {
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => this.#reply(reply));
    this.#worker.on('error', (err) => this.#end(`failed: ${err.message}`));
    this.#worker.on('exit', (code) => this.#end(`ended (exit code ${code})`));
  }

  /** Sends one request; a request in flight keeps the process alive, as chdb's async calls do. */
  request(body: DistributiveOmit<Request, 'id'>): Promise<void> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#next++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...body, id });
    });
  }

  #reply(reply: Reply): void {
    const waiting = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error === undefined) waiting?.resolve();
    else waiting?.reject(engineError(reply.error));
  }

  #end(why: string): void {
    this.#gone ??= new InsertThreadError(`the engine's insert thread ${why}`);
    for (const waiting of this.#pending.values()) waiting.reject(this.#gone);
    this.#pending.clear();
  }
}

let thread: Thread | undefined;
let connections = 0;

/** One connection on the process's insert thread: its statements run one after another, there. */
export class InsertThread {
  readonly #thread: Thread;
  readonly #connection: number;
  #closed = false;

  private constructor(thread: Thread, connection: number) {
    this.#thread = thread;
    this.#connection = connection;
  }

  /** Opens a connection on `path` (a directory this process's engine holds), on the insert thread. */
  static async open(path: string, connectionArgs: readonly string[]): Promise<InsertThread> {
    thread ??= new Thread();
    const connection = connections++;
    const open = { path, connectionArgs: [...connectionArgs] };
    await thread.request({ open, connection });
    return new InsertThread(thread, connection);
  }

  /** Runs one statement (an insert) and resolves when the engine has answered. */
  run(sql: string): Promise<void> {
    if (this.#closed) return Promise.reject(new InsertThreadError('the insert connection is closed'));
    return this.#thread.request({ connection: this.#connection, sql });
  }

  /** Closes the connection once the statements sent before have answered. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#thread.request({ close: this.#connection }).catch(() => undefined);
  }
}

type Session = import('chdb').Session;

/** The worker: opens connections, runs each statement as it comes, one at a time. */
function serve(): void {
  const port = parentPort;
  if (port === null) return;
  const sessions = new Map<number, Session>();
  const handle = async (msg: Request): Promise<void> => {
    if ('open' in msg) {
      const { Session } = await import('chdb');
      const { path, connectionArgs } = msg.open;
      sessions.set(msg.connection, new Session(path, { connectionArgs }));
      return;
    }
    if ('close' in msg) {
      sessions.get(msg.close)?.close();
      sessions.delete(msg.close);
      return;
    }
    const session = sessions.get(msg.connection);
    if (session === undefined) throw new InsertThreadError('the insert connection is closed');
    try {
      session.query(msg.sql, 'Null');
    } catch (err) {
      // chdb hands a failed statement's partial output to the connection's next result: take it now
      try {
        session.query('SELECT 1', 'Null');
      } catch {
        // the statement's own error is the one to report
      }
      throw err;
    }
  };
  let queue = Promise.resolve();
  port.on('message', (msg: Request) => {
    queue = queue.then(() =>
      handle(msg).then(
        () => port.postMessage({ id: msg.id } satisfies Reply),
        (err: unknown) => port.postMessage({ id: msg.id, error: failure(err) } satisfies Reply),
      ),
    );
  });
}

if (!isMainThread && (workerData as { insertThread?: boolean } | null)?.insertThread === true) serve();
