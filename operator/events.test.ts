// Event reasons come from ONE module (crds/conditions.ts), so none is spelled twice: transitions use
// condition reasons, actions use EventReason; the two sets must not overlap and both are CamelCase.
import { describe, expect, it } from 'vitest';
import { ConditionReason, EventReason } from '../crds/conditions.ts';
import * as events from './events.ts';

describe('event reasons', () => {
  it('are CamelCase and distinct from condition reasons', () => {
    const actions = Object.values(EventReason);
    for (const r of actions) expect(r).toMatch(/^[A-Z][A-Za-z]+$/);
    const conditions = new Set<string>(Object.values(ConditionReason));
    expect(actions.filter((r) => conditions.has(r))).toEqual([]);
  });

  it('are not defined a second time in operator/events.ts', () => {
    expect(Object.keys(events)).not.toContain('EventReason');
  });
});
