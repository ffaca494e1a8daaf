import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { staleTargets } from '../scripts/generate.ts';
import { conditionTypes } from './conditions.ts';
import { crdGeneratedPath, trackerClusterCrd, trackerClusterCrdYaml } from './crd.ts';
import { rules } from './rules.ts';

type Described = {
  description?: string;
  properties?: Record<string, Described>;
  items?: Described;
  additionalProperties?: Described | boolean;
};

/**
 * Paths of the fields without a description. A list's items and a map's values are described by their
 * field, as kubectl explain shows them, unless they are objects whose own fields need describing.
 */
function undescribed(node: Described, path: string): string[] {
  const own = node.description ? [] : [path];
  const fields = Object.entries(node.properties ?? {}).flatMap(([k, f]) => undescribed(f, `${path}.${k}`));
  const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  const inner = [node.items, values].flatMap((n) =>
    n?.properties ? Object.entries(n.properties).flatMap(([k, f]) => undescribed(f, `${path}[].${k}`)) : [],
  );
  return [...own, ...fields, ...inner];
}

describe('TrackerCluster CRD', () => {
  const crd = trackerClusterCrd();
  const v = crd.spec.versions[0]!;

  it('committed YAML equals a fresh generation (run `node scripts/generate.ts` when this fails)', () => {
    expect(readFileSync(crdGeneratedPath, 'utf8')).toBe(trackerClusterCrdYaml());
    expect(staleTargets()).toEqual([]);
  });

  it('detects a stale file', () => {
    expect(staleTargets([{ path: crdGeneratedPath, render: () => 'different' }])).toEqual([crdGeneratedPath]);
  });

  it('parses back to the same object', () => {
    expect(parse(trackerClusterCrdYaml())).toEqual(JSON.parse(JSON.stringify(crd)));
  });

  it('names, scope, short name, status subresource', () => {
    expect(crd.metadata?.name).toBe('trackerclusters.tracker.dev');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.shortNames).toEqual(['tc']);
    expect(v.name).toBe('v1alpha1');
    expect(v.subresources?.status).toEqual({});
  });

  it('printer columns answer "is it working"; Keeper and the message only with -o wide', () => {
    const columns = v.additionalPrinterColumns ?? [];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Ready',
      'Reason',
      'ClickHouse',
      'Ingest',
      'Schema',
      'Age',
    ]);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['Keeper', 'Message']);
  });

  it.each(Object.entries(rules))('places CEL rule %s in the schema', (_name, rule) => {
    expect(JSON.stringify(v.schema?.openAPIV3Schema)).toContain(JSON.stringify(rule.rule));
  });

  it('documents every condition type', () => {
    const status = v.schema?.openAPIV3Schema?.properties?.status;
    const description = status?.properties?.conditions?.items?.properties?.type?.description ?? '';
    for (const t of conditionTypes) expect(description).toContain(t);
  });

  // Regression: `kubectl explain trackercluster.spec` answered <empty> for spec, and "<no description>"
  // for clickhouse, keeper, schema, ingest and about a hundred fields below them.
  it('describes every field kubectl explain shows', () => {
    const root = v.schema?.openAPIV3Schema as Described;
    expect(undescribed(root.properties?.spec as Described, 'spec')).toEqual([]);
    expect(undescribed(root.properties?.status as Described, 'status')).toEqual([]);
  });

  it('bounds strings and lists that CEL rules read (cost budget)', () => {
    const spec = v.schema?.openAPIV3Schema?.properties?.spec;
    expect(spec?.properties?.schema?.properties?.database?.maxLength).toBe(63);
    expect(spec?.properties?.ingest?.properties?.tls?.properties?.dnsNames?.maxItems).toBe(32);
  });
});
