// What tracking holds while a durable write waits for the disk: under batches every waiting request's
// rows were kept alive, and each young-generation collection copied them (ADR 0043).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Row } from '../store/index.ts';
import { testRequestContext } from './model/testing/fixtures.ts';
import { createMetrics } from './plugins/metrics.ts';
import { createDataPathDouble } from './testing/datapath-double.ts';
import { testDeps } from './testing/deps.ts';
import { createTracking } from './tracking.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('track', () => {
  it('holds no row of a batch while its write waits (rows are garbage once the data path took them)', async () => {
    const seen: WeakRef<Row>[] = [];
    let written = () => {};
    const dataPath = {
      ...createDataPathDouble(),
      // as the real data path: the rows are serialised before append returns, and none is kept
      append: (_table: string, rows: readonly Row[]) => {
        for (const row of rows) seen.push(new WeakRef(row));
        return new Promise<void>((resolve) => {
          written = resolve;
        });
      },
    };
    const tracking = createTracking(await testDeps(dataPath), createMetrics());
    const raws = Array.from({ length: 100 }, (_, n) => ({ ename: 'batch', n }));
    const tracked = tracking.track(raws, testRequestContext({ kind: 'server' }));
    // the append comes once the request's GeoIP lookup answered; WeakRefs keep their targets until the
    // job that made them ends, so the collection runs in a later one
    while (seen.length === 0) await new Promise(setImmediate);
    await new Promise(setImmediate);
    gc();
    expect(seen).toHaveLength(100);
    expect(seen.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    written();
    expect((await tracked).map((e) => e.eid)).toHaveLength(100);
  });
});
