// Drift by field ownership, on field sets in the apiserver's fieldsV1 format: what changed hands is drift,
// values are never compared (so defaults and normalised quantities cannot look like a change).
import { describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { driftedFields, oncePerPair, ownersOf } from './drift.ts';

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'ns', labels: { app: 'x' }, annotations: { 'tracker.dev/h': '1' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: 'ingest',
            image: 'i:1',
            args: ['--a', '--b'],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { memory: '1073741824' } },
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
};

/**
 * The field set server-side apply records for `desired` (ports keyed with the defaulted protocol). A map
 * list's field (`f:env`) is only a prefix of its items: with no item left it is not in the set at all,
 * while an atomic list's field (`f:args`) is a member itself.
 */
const ownedFields = () => ({
  'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:annotations': { 'f:tracker.dev/h': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"ingest"}': {
            '.': {},
            'f:name': {},
            'f:image': {},
            'f:args': {},
            'f:env': {
              'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
              'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} },
            },
            'f:ports': {
              'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:containerPort': {} },
            },
            'f:resources': { 'f:requests': { 'f:memory': {} } },
          },
        },
        'f:volumes': { 'k:{"name":"tmp"}': { '.': {}, 'f:name': {}, 'f:emptyDir': {} } },
      },
    },
  },
});

type Fields = Record<string, unknown>;
const live = (ours: Fields, others: { manager: string; fields: Fields; subresource?: string }[] = []) =>
  ({
    ...desired,
    metadata: {
      ...desired.metadata,
      managedFields: [
        { manager: 'tracker-operator', operation: 'Apply', fieldsV1: ours },
        ...others.map((o) => ({
          manager: o.manager,
          operation: 'Update',
          fieldsV1: o.fields,
          subresource: o.subresource,
        })),
      ],
    },
  }) as unknown as KubeObject;

/**
 * The field set with one path removed, as an update by someone else removes it from ours. A node left
 * without children goes too: a prefix with no member below it is not part of a field set.
 */
function without(path: string[]): Fields {
  const fields = ownedFields() as Fields;
  const nodes = [fields];
  for (const key of path.slice(0, -1)) nodes.push(nodes.at(-1)?.[key] as Fields);
  for (let i = path.length - 1; i >= 0; i--) {
    delete nodes[i]?.[path[i] as string];
    if (Object.keys(nodes[i] ?? {}).length > 0) break;
  }
  return fields;
}

const paths = (obj: KubeObject) => driftedFields(desired, obj, 'tracker-operator').map((d) => d.path);
const container = ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"ingest"}'];

describe('driftedFields', () => {
  it('finds nothing when the operator still owns every field it applies', () => {
    expect(paths(live(ownedFields()))).toEqual([]);
  });

  it.each([
    ['spec.replicas (kubectl scale)', ['f:spec', 'f:replicas'], 'spec.replicas'],
    ['an env value (kubectl set env)', [...container, 'f:env', 'k:{"name":"A"}', 'f:value'], 'value'],
    ['a whole env item (removed)', [...container, 'f:env', 'k:{"name":"A"}'], 'env[A]'],
    ['a port (matched without its defaulted protocol)', [...container, 'f:ports'], 'ports'],
    ['an atomic list (args)', [...container, 'f:args'], 'args'],
    [
      'its only annotation (seen one level up)',
      ['f:metadata', 'f:annotations', 'f:tracker.dev/h'],
      'annotations',
    ],
  ])('finds %s', (_what, path, expected) => {
    const found = paths(live(without(path)));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('treats a node without children as owned whole (atomic selector, ownerReference, secretKeyRef)', () => {
    const atomic = {
      ...desired,
      spec: {
        selector: { matchLabels: { app: 'x' } },
        env: [{ valueFrom: { secretKeyRef: { name: 's' } } }],
      },
    } as KubeObject;
    const fields = { ...ownedFields(), 'f:spec': { 'f:selector': {}, 'f:env': {} } };
    expect(driftedFields(atomic, live(fields), 'tracker-operator')).toEqual([]);
  });

  it('ignores fields only others own (an annotation a user added, replicas under an HPA)', () => {
    const user = {
      manager: 'kubectl-annotate',
      fields: { 'f:metadata': { 'f:annotations': { 'f:x': {} } } },
    };
    const hpa = { manager: 'kube-controller-manager', fields: { 'f:spec': { 'f:replicas': {} } } };
    const withoutReplicas = { ...desired, spec: { ...(desired.spec as object), replicas: undefined } };
    const obj = live(without(['f:spec', 'f:replicas']), [user, hpa]);
    expect(driftedFields(withoutReplicas as KubeObject, obj, 'tracker-operator')).toEqual([]);
  });

  it('names the manager that took a field over, including a subresource', () => {
    const scale = { manager: 'kubectl', subresource: 'scale', fields: { 'f:spec': { 'f:replicas': {} } } };
    const obj = live(without(['f:spec', 'f:replicas']), [scale]);
    const [drift] = driftedFields(desired, obj, 'tracker-operator');
    expect(drift && ownersOf(obj, drift)).toEqual(['kubectl (scale)']);
  });

  it('treats an object the manager never applied as drifted entirely', () => {
    const obj = { ...desired, metadata: { ...desired.metadata, managedFields: [] } } as KubeObject;
    expect(paths(obj)).toHaveLength(1);
  });
});

describe('oncePerPair', () => {
  const setup = () => ({ once: oncePerPair<number>(), compute: vi.fn(() => 42) });
  const liveCopy = (): KubeObject => ({ ...desired, metadata: { ...desired.metadata } });

  it('computes once for the same frozen rendering and live object', () => {
    const { once, compute } = setup();
    const rendered = Object.freeze({ ...desired });
    const live = liveCopy();
    expect(once(rendered, live, compute)).toBe(42);
    expect(once(rendered, live, compute)).toBe(42);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('computes again for a new version of the live object or another rendering', () => {
    const { once, compute } = setup();
    const rendered = Object.freeze({ ...desired });
    const live = liveCopy();
    once(rendered, live, compute);
    once(rendered, liveCopy(), compute);
    once(Object.freeze({ ...desired }), live, compute);
    expect(compute).toHaveBeenCalledTimes(3);
  });

  it('computes every time for a rendering that is not frozen (it may have changed)', () => {
    const { once, compute } = setup();
    const rendered = { ...desired };
    const live = liveCopy();
    once(rendered, live, compute);
    once(rendered, live, compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });
});
