import { describe, expect, it } from 'vitest';
import { ConditionReason, ConditionType } from '../../crds/conditions.ts';
import type { KubeObject } from '../../kube/object.ts';
import { newState } from '../reconcile/runner.ts';
import { parse } from './parse.ts';

const live = (spec: unknown) =>
  ({
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name: 'demo', namespace: 'ns' },
    spec,
  }) as KubeObject;

describe('parse step', () => {
  // Regression: retention for a misspelt table passed the CRD and was ignored by the TTLs and the prune.
  it('refuses retention for a table without an age as SpecInvalid', async () => {
    const state = newState(
      live({ schema: { prune: { schedule: '@daily', retention: { tables: { lgos: 7 } } } } }),
    );
    expect(await parse.run(state, undefined as never)).toBe('stop');
    const ready = state.conditions.get(ConditionType.Ready);
    expect(ready).toMatchObject({ status: 'False', reason: ConditionReason.SpecInvalid });
    expect(ready?.message).toMatch(/^spec\.schema\.prune\.retention\.tables\.lgos: no table with an age/);
  });

  // Regression: a batching override for a misspelt table was rendered, and the new ingest pods refused to
  // start on it ("no such table") while the cluster said Ready.
  it('refuses a batching override for a table the ingest does not write as SpecInvalid', async () => {
    const config = { batching: { tables: { evnts: { maxRows: 10 }, events: { maxRows: 5000 } } } };
    const state = newState(live({ ingest: { config } }));
    expect(await parse.run(state, undefined as never)).toBe('stop');
    const ready = state.conditions.get(ConditionType.Ready);
    expect(ready).toMatchObject({ status: 'False', reason: ConditionReason.SpecInvalid });
    expect(ready?.message).toMatch(
      /^spec\.ingest\.config\.batching\.tables\.evnts: no such table \(one of .*events/,
    );
  });

  // Regression: a typo in a running cluster's spec set ClickHouseReady=False "Waiting for a Keeper quorum"
  // (and every other component condition to its initial value) while everything ran, and flipped them all
  // back with an Event each once fixed.
  it('keeps the component conditions last observed when the spec is invalid', async () => {
    const observed = [
      { type: 'KeeperReady', status: 'True', reason: 'Available', message: '1/1 Keeper members ready' },
      { type: 'ClickHouseReady', status: 'True', reason: 'Available', message: '1/1 ClickHouse hosts ready' },
      { type: 'SchemaReady', status: 'True', reason: 'Available', message: 'Schema version 12 verified' },
      { type: 'IngestReady', status: 'True', reason: 'Available', message: '1/1 ingest pods ready' },
      { type: 'Ready', status: 'True', reason: 'Available', message: 'All components are ready' },
    ];
    const invalid = { ...live({ keeper: { replicas: 2 } }), status: { conditions: observed } };
    const state = newState(invalid as KubeObject);
    expect(await parse.run(state, undefined as never)).toBe('stop');
    for (const c of observed.slice(0, 4))
      expect(state.conditions.get(c.type as ConditionType)).toMatchObject(c);
    expect(state.conditions.get(ConditionType.Ready)).toMatchObject({ reason: ConditionReason.SpecInvalid });
  });

  it('continues with a valid retention', async () => {
    const state = newState(live({ schema: { retention: { tables: { logs: 30 } } } }));
    expect(await parse.run(state, undefined as never)).toBe('continue');
    expect(state.tc?.spec.schema.retention.tables).toEqual({ logs: 30 });
  });
});
