// TEST SUPPORT: RBAC grants and uses, so a test can compare what the chart grants with what the operator
// used. A grant is a rule (`group/resource[/subresource] verb`, the core group written as '') in a scope:
// the namespace of the Role that grants it, or `*` for a ClusterRole. A use is the rule a request was
// authorised as, in the namespace of its path (none for a cluster-wide request); a request counts when the
// apiserver authorised it (anything but 401/403).
import type { Recorded } from '../../operator/testing/counting-proxy.ts';
import type { ChartDoc } from './install.ts';

export interface Use {
  /** The request's namespace; undefined for a request across namespaces (a ClusterRole's). */
  readonly namespace: string | undefined;
  readonly rule: string;
}

const ruleOf = (group: string, resource: string, verb: string) => `${group}/${resource} ${verb}`;

/** Every grant of these Roles and ClusterRoles, as `<scope>: <rule>`. */
export function grantsOf(roles: readonly ChartDoc[]): string[] {
  const out = new Set<string>();
  for (const role of roles) {
    const scope = role.kind === 'ClusterRole' ? '*' : (role.metadata.namespace ?? 'default');
    for (const r of role.rules ?? [])
      for (const group of r.apiGroups)
        for (const resource of r.resources)
          for (const verb of r.verbs) out.add(`${scope}: ${ruleOf(group, resource, verb)}`);
  }
  return [...out];
}

const RESOURCE =
  /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/;

/**
 * The RBAC verbs a request is authorised as: GET is get, list or watch (by name and `watch`), POST create,
 * PUT update, PATCH patch and, when it created the object (a server-side apply answered 201), also create,
 * DELETE delete. None for paths that are not resources (discovery, /version).
 */
export function usesOfRequest(method: string, url: string, status: number): Use[] {
  const u = new URL(url, 'http://apiserver');
  const m = RESOURCE.exec(u.pathname);
  if (!m) return [];
  const [, group = '', namespace, plural = '', name, sub] = m;
  const resource = sub ? `${plural}/${sub}` : plural;
  const watch = ['true', '1'].includes(u.searchParams.get('watch') ?? '');
  const verbs: Record<string, string[]> = {
    GET: [watch ? 'watch' : name ? 'get' : 'list'],
    POST: ['create'],
    PUT: ['update'],
    PATCH: status === 201 ? ['patch', 'create'] : ['patch'],
    DELETE: ['delete'],
  };
  return (verbs[method] ?? []).map((verb) => ({ namespace, rule: ruleOf(group, resource, verb) }));
}

/** What the recorded requests the apiserver authorised used. */
export function usesOf(requests: readonly Recorded[]): Use[] {
  return requests
    .filter((r) => r.status !== 0 && r.status !== 401 && r.status !== 403)
    .flatMap((r) => usesOfRequest(r.method, r.path, r.status));
}

/** Grants (`<scope>: <rule>`) that no use needed: a cluster-wide one by any use, a Role's in its namespace. */
export function unusedGrants(roles: readonly ChartDoc[], uses: readonly Use[]): string[] {
  const used = new Set(
    uses.flatMap((u) => [`*: ${u.rule}`, ...(u.namespace ? [`${u.namespace}: ${u.rule}`] : [])]),
  );
  return grantsOf(roles)
    .filter((g) => !used.has(g))
    .sort();
}
