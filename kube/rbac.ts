// The RBAC rules the operator needs, derived from the registry of managed kinds (kinds.ts): one rule per API
// group and verb set, in registry order, subresources after their kind. scripts/generate.ts writes them into
// the Helm chart (templates/_rules.tpl); charts/chart.int.test.ts checks the rendered chart grants exactly these.
import { allKinds, type Grant, type ManagedKind, type Verb } from './kinds.ts';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly Verb[];
}

function resourceRules(k: ManagedKind): PolicyRule[] {
  const own: PolicyRule[] =
    k.verbs.length > 0 ? [{ apiGroups: [k.group], resources: [k.plural], verbs: k.verbs }] : [];
  const subs = Object.entries(k.subresources).map(([sub, verbs]) => ({
    apiGroups: [k.group],
    resources: [`${k.plural}/${sub}`],
    verbs,
  }));
  return [...own, ...subs];
}

/** The rules for one grant: rules of the same group and verbs are merged into one. */
export function rbacRules(grant: Grant, kinds: readonly ManagedKind[] = allKinds): PolicyRule[] {
  const merged = new Map<string, { apiGroups: string[]; resources: string[]; verbs: readonly Verb[] }>();
  for (const rule of kinds.filter((k) => k.grants.includes(grant)).flatMap(resourceRules)) {
    const id = JSON.stringify([rule.apiGroups, rule.verbs]);
    const existing = merged.get(id);
    if (existing) existing.resources.push(...rule.resources);
    else
      merged.set(id, { apiGroups: [...rule.apiGroups], resources: [...rule.resources], verbs: rule.verbs });
  }
  return [...merged.values()];
}
