// How recorded apiserver requests read as RBAC uses, and which grants they leave unused (the rbac-used
// test relies on both).
import { describe, expect, it } from 'vitest';
import type { ChartDoc } from './install.ts';
import { grantsOf, unusedGrants, usesOf, usesOfRequest } from './rbac-usage.ts';

describe('usesOfRequest', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/secrets/s', 200, 'a', '/secrets get'],
    ['GET', '/api/v1/namespaces/a/configmaps?labelSelector=x', 200, 'a', '/configmaps list'],
    ['GET', '/api/v1/configmaps?watch=true&resourceVersion=5', 200, undefined, '/configmaps watch'],
    ['GET', '/apis/apps/v1/namespaces/a/statefulsets?watch=1', 200, 'a', 'apps/statefulsets watch'],
    ['POST', '/api/v1/namespaces/a/events', 201, 'a', '/events create'],
    [
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/s/leases/l',
      200,
      's',
      'coordination.k8s.io/leases update',
    ],
    [
      'PATCH',
      '/apis/tracker.dev/v1alpha1/namespaces/a/trackerclusters/t/status',
      200,
      'a',
      'tracker.dev/trackerclusters/status patch',
    ],
    ['PATCH', '/api/v1/namespaces/a/services/s?fieldManager=m', 200, 'a', '/services patch'],
    ['DELETE', '/apis/batch/v1/namespaces/a/cronjobs/c', 200, 'a', 'batch/cronjobs delete'],
  ])('%s %s (%i) → in %s: %s', (method, path, status, namespace, rule) => {
    expect(usesOfRequest(method, path, status)).toEqual([{ namespace, rule }]);
  });

  it('reads a server-side apply that created its object as patch and create', () => {
    expect(usesOfRequest('PATCH', '/api/v1/namespaces/a/services/s', 201).map((u) => u.rule)).toEqual([
      '/services patch',
      '/services create',
    ]);
  });

  it.each(['/apis', '/version', '/api/v1'])('reads %s as no use of a resource', (path) => {
    expect(usesOfRequest('GET', path, 200)).toEqual([]);
  });

  it('counts only what the apiserver authorised', () => {
    const req = (status: number) => ({
      method: 'GET',
      path: '/api/v1/namespaces/a/secrets/s',
      at: 0,
      status,
    });
    expect(usesOf([req(403), req(401), req(0)])).toEqual([]);
    expect(usesOf([req(404)])).toEqual([{ namespace: 'a', rule: '/secrets get' }]);
  });
});

describe('unusedGrants', () => {
  const role = (kind: string, namespace?: string): ChartDoc => ({
    kind,
    metadata: { name: 'r', ...(namespace ? { namespace } : {}) },
    rules: [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }],
  });

  it('expands every group × resource × verb of every rule in its scope', () => {
    expect(grantsOf([role('ClusterRole'), role('Role', 'sys')]).sort()).toEqual([
      '*: /events create',
      '*: /events patch',
      'sys: /events create',
      'sys: /events patch',
    ]);
  });

  it('finds a Role grant unused in its namespace even when the same rule is used elsewhere', () => {
    const uses = [{ namespace: 'apps', rule: '/events create' }];
    expect(unusedGrants([role('Role', 'apps'), role('Role', 'sys')], uses)).toEqual([
      'apps: /events patch',
      'sys: /events create',
      'sys: /events patch',
    ]);
    expect(unusedGrants([role('ClusterRole')], uses)).toEqual(['*: /events patch']);
  });
});
