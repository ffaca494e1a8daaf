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

  it('continues with a valid retention', async () => {
    const state = newState(live({ schema: { retention: { tables: { logs: 30 } } } }));
    expect(await parse.run(state, undefined as never)).toBe('continue');
    expect(state.tc?.spec.schema.retention.tables).toEqual({ logs: 30 });
  });
});
