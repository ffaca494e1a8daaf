// TEST DOUBLE of the data path (ingest/datapath/contract.ts) for fast route tests through inject().
// It records appended rows in memory and can be told to fail; its store answers every query with [].
// Functional tests that assert stored data use the real data path and chdb instead (*.int.test.ts).
import type { Row, Store } from '../../store/index.ts';
import type { DataPath, DataPathStatus } from '../datapath/contract.ts';
import type { TableValidator } from '../datapath/validate.ts';

export interface DataPathDouble extends DataPath {
  readonly rows: Map<string, Row[]>;
  /** Make the next appends reject with this error (e.g. an OVERLOADED IngestError). */
  failWith(err: unknown): void;
  table(name: string): Row[];
}

export interface DataPathDoubleOptions {
  /**
   * The real data path's validators (compileValidators): an append they refuse is refused here the same
   * way (INVALID_EVENT, nothing recorded), so a route answers what it would answer in production.
   */
  readonly validators?: ReadonlyMap<string, TableValidator>;
}

export function createDataPathDouble(options: DataPathDoubleOptions = {}): DataPathDouble {
  const rows = new Map<string, Row[]>();
  let failure: unknown;
  const store: Store = {
    kind: 'embedded',
    insert: async () => {},
    insertJsonLines: async () => {},
    query: async () => [],
    command: async () => {},
    ping: async () => true,
    close: async () => {},
  };
  const status: DataPathStatus = {
    ready: true,
    draining: false,
    breaker: 'closed',
    spoolBytes: 0,
    spool: { kind: 'disk' },
    queues: {},
    deadLetters: 0,
  };
  return {
    rows,
    store,
    failWith: (err) => {
      failure = err;
    },
    table: (name) => rows.get(name) ?? [],
    async append(table, newRows) {
      if (failure !== undefined) throw failure;
      options.validators?.get(table)?.(newRows);
      rows.set(table, [...(rows.get(table) ?? []), ...structuredClone(newRows)]);
    },
    status: () => status,
    recovered: async () => {},
    // appends are "in the store" the moment they are recorded
    settled: async () => {},
    // nothing is ever refused: there are no dead letters to rewrite
    eraseDeadLetters: async () => 0,
    close: async () => {},
  };
}

/** A data path double whose first append waits for `release`; `firstInFlight` resolves once it waits. */
export function heldDataPath(): {
  dataPath: DataPathDouble;
  firstInFlight: Promise<void>;
  release: () => void;
} {
  const dataPath = createDataPathDouble();
  const append = dataPath.append.bind(dataPath);
  const entered = Promise.withResolvers<void>();
  const held = Promise.withResolvers<void>();
  let calls = 0;
  dataPath.append = async (table, rows) => {
    calls += 1;
    if (calls === 1) {
      entered.resolve();
      await held.promise;
    }
    return append(table, rows);
  };
  return { dataPath, firstInFlight: entered.promise, release: () => held.resolve() };
}
