// Start the real ingest in-process for functional tests: real config parsing, the REAL data path (spool
// + batching) on the embedded chdb engine in a temp directory, real HTTP listeners on free ports: the public
// one and the operations one (/metrics, /status).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createStore, type Row, type Store } from '../../store/index.ts';
import { buildApps } from '../app.ts';
import { type Config, parseConfig } from '../config.ts';
import { createDataPath, type DataPath } from '../datapath/index.ts';
import { createRuntime, type Runtime } from '../runtime.ts';

const FAST_TABLES = [
  'payments',
  'ltv',
  'agreed',
  'redirects',
  'redirect_history',
  'mthreads',
  'mstore',
  'mtriage',
  'erasures',
  'logs',
  'counters',
  'updates',
];

export interface Live {
  readonly url: string;
  /** The operations listener: /metrics and /status. */
  readonly opsUrl: string;
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  /** The directory holding the store, spool and state: pass it to startLive to restart. */
  readonly dir: string;
  rows<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** POSTs `body` as JSON to `path` over real HTTP (redirects are answered, not followed). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Stops the server, then the data path: what is not delivered within the deadline stays spooled. */
  close(deadlineMs?: number): Promise<void>;
}

/** `dir` reuses the state of an earlier instance (a restart); by default a fresh temp directory. */
export async function startLive(
  config: Record<string, unknown> = {},
  dir: string = mkdtempSync(join(tmpdir(), 'ingest-live-')),
  /** What the runtime reports (a failed insert, retried); nothing by default. */
  log?: (msg: string, err?: unknown) => void,
  /** The data path delivers to what this makes of the real store (e.g. one that holds an insert). */
  wrapStore?: (store: Store) => Store,
): Promise<Live> {
  const tables = Object.fromEntries(FAST_TABLES.map((t) => [t, { strategy: 'immediate' }]));
  const cfg = parseConfig({
    server: { host: '127.0.0.1', port: 0, stateDir: join(dir, 'state'), trustedProxies: ['127.0.0.1'] },
    store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
    spool: { dir: join(dir, 'spool') },
    batching: { tables: { events: { strategy: 'time', maxDelayMs: 25 }, ...tables } },
    ...config,
  });
  const dataPath = wrapStore === undefined ? undefined : await wrappedDataPath(cfg, wrapStore);
  const runtime = await createRuntime(cfg, {
    ...(log === undefined ? {} : { log }),
    ...(dataPath === undefined ? {} : { dataPath }),
  });
  const { app, ops } = await buildApps(runtime.deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  await ops.listen({ host: '127.0.0.1', port: 0 });
  const urlOf = (a: FastifyInstance) => `http://127.0.0.1:${(a.server.address() as { port: number }).port}`;
  const url = urlOf(app);
  const store = runtime.deps.dataPath.store;
  return {
    url,
    opsUrl: urlOf(ops),
    store,
    app,
    runtime,
    dir,
    rows: (sql, params) => store.query(sql, params),
    post: (path, body, headers = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        redirect: 'manual',
      }),
    async close(deadlineMs = 5000) {
      await app.close();
      await runtime.close(deadlineMs);
      await ops.close();
    },
  };
}

/** The configured data path, delivering to the wrapped real store (migrated as the runtime would). */
async function wrappedDataPath(cfg: Config, wrap: (store: Store) => Store): Promise<DataPath> {
  const { store, spool, batching, retention, rollups } = cfg;
  const real = await createStore(store);
  return createDataPath({ store, spool, batching, retention, rollups }, { store: wrap(real), migrate: true });
}

/** The cookies a response sets, by name (their values only). */
export const setCookies = (res: Response): Record<string, string> =>
  Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]?.split('=') ?? []));
