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
import { createTracking, firstEvent } from './tracking.ts';

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
    const tracked = tracking.track(raws, testRequestContext({ kind: 'server' }), (events) =>
      events.map((e) => e.eid),
    );
    // the append comes once the request's GeoIP lookup answered; WeakRefs keep their targets until the
    // job that made them ends, so the collection runs in a later one
    while (seen.length === 0) await new Promise(setImmediate);
    await new Promise(setImmediate);
    gc();
    expect(seen).toHaveLength(100);
    expect(seen.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    written();
    expect(await tracked).toHaveLength(100);
  });

  it('keeps what the answer made of a batch, made before the write, and no event object while it waits', async () => {
    const seen: WeakRef<object>[] = [];
    let written = () => {};
    const dataPath = {
      ...createDataPathDouble(),
      append: () =>
        new Promise<void>((resolve) => {
          written = resolve;
        }),
    };
    const tracking = createTracking(await testDeps(dataPath), createMetrics());
    const raws = Array.from({ length: 100 }, (_, n) => ({ ename: 'batch', n }));
    let answered = false;
    const tracked = tracking.track(raws, testRequestContext({ kind: 'server' }), (events) => {
      for (const e of events) seen.push(new WeakRef(e));
      answered = true;
      return events.map((e) => e.eid).join(',');
    });
    while (!answered) await new Promise(setImmediate);
    await new Promise(setImmediate);
    gc();
    expect(seen).toHaveLength(100);
    expect(seen.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    written();
    expect((await tracked).split(',')).toHaveLength(100);
  });

  it('answers the first event without its row (the cookie routes)', async () => {
    const tracking = createTracking(await testDeps(createDataPathDouble()), createMetrics());
    const first = await tracking.track([{ ename: 'a' }, { ename: 'b' }], testRequestContext(), firstEvent);
    expect(first).toBeDefined();
    expect(first).not.toHaveProperty('row');
    expect(Object.keys(first ?? {})).toEqual(expect.arrayContaining(['eid', 'vid', 'sid', 'newVisitor']));
    expect(await tracking.track([], testRequestContext(), firstEvent)).toBeUndefined();
  });
});
