// The TrackerCluster CRD on the real kube-apiserver: accepted, defaults like the TypeScript code, serves the
// examples, and rejects invalid objects with the messages of rules.ts (and the same ones `tracker render` gives).
import { readdirSync, readFileSync } from 'node:fs';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlOk } from '../e2e/env/kubectl.ts';
import { rules } from './rules.ts';
import { quantityFractionMessage } from './spec.ts';
import { createNamespace, installCrd } from './testing/kube.ts';
import { apiVersion, group, kind, plural, version } from './trackercluster.ts';
import { defaultSpec } from './validate.ts';

const kubeconfig = inject('kubeconfig');
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const api = kc.makeApiClient(CustomObjectsApi);
let namespace = '';
// Every file in examples/, so that a new one is held to the CRD as soon as it is added.
const EXAMPLES = readdirSync('examples')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

type Tc = { metadata: { name: string; resourceVersion?: string }; spec: Record<string, unknown> };
const target = () => ({ group, version, plural, namespace });
const tc = (name: string, spec: unknown) => ({ apiVersion, kind, metadata: { name }, spec });

const create = (body: unknown) =>
  api.createNamespacedCustomObject({ ...target(), body, fieldValidation: 'Strict' }) as Promise<Tc>;
const get = (name: string) => api.getNamespacedCustomObject({ ...target(), name }) as Promise<Tc>;
const update = async (name: string, change: (spec: Record<string, unknown>) => void) => {
  const current = await get(name);
  change(current.spec);
  return api.replaceNamespacedCustomObject({ ...target(), name, body: current }) as Promise<Tc>;
};

/** The apiserver's error message of a rejected request ('' when it was accepted). */
async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return '';
  } catch (err) {
    const body = (err as { body?: unknown }).body;
    if (typeof body !== 'string') return String(err);
    try {
      return String((JSON.parse(body) as { message?: unknown }).message);
    } catch {
      return body;
    }
  }
}

beforeAll(() => {
  installCrd(kubeconfig);
  namespace = createNamespace(kubeconfig, 'crd-it');
});

describe('TrackerCluster CRD on the real apiserver', () => {
  it('finds the examples', () => expect(EXAMPLES).toContain('minimal'));

  it.each(EXAMPLES)('accepts examples/%s.yaml and defaults it exactly like defaultSpec()', async (file) => {
    const example = parse(readFileSync(`examples/${file}.yaml`, 'utf8'));
    const created = await create(example);
    expect(created.spec).toEqual(JSON.parse(JSON.stringify(defaultSpec(example.spec).spec)));
  });

  it('accepts an empty spec and fills every default', async () => {
    const created = await create({ apiVersion, kind, metadata: { name: 'empty' } });
    expect(created.spec).toEqual(JSON.parse(JSON.stringify(defaultSpec({}).spec)));
  });

  it.each([
    ['an even Keeper count', { keeper: { replicas: 2 } }, rules.keeperReplicas.message],
    ['an even NATS count', { nats: { replicas: 4 } }, rules.natsReplicas.message],
    [
      'autoscaling min > max',
      { ingest: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } },
      rules.autoscalingBounds.message,
    ],
    [
      'replicas and autoscaling',
      { ingest: { replicas: 3, autoscaling: {} } },
      rules.replicasOrAutoscaling.message,
    ],
    ['TLS without a source', { ingest: { tls: {} } }, rules.tlsOneSource.message],
    [
      'TLS in the ingest config',
      { ingest: { config: { server: { tls: { certFile: 'a', keyFile: 'b' } } } } },
      rules.tlsFromSpec.message,
    ],
    [
      'a hash key file in the ingest config',
      { ingest: { config: { privacy: { hashKeyFile: '/k' } } } },
      rules.hashKeyFromOperator.message,
    ],
    [
      'a loopback listen address',
      { ingest: { config: { server: { host: '127.0.0.1' } } } },
      rules.hostIsWildcard.message,
    ],
    [
      'a loopback operations listen address',
      { ingest: { config: { server: { opsHost: '127.0.0.1' } } } },
      rules.opsHostIsWildcard.message,
    ],
    [
      'the operations port on the public one',
      { ingest: { config: { server: { opsPort: 8080 } } } },
      rules.portsFixed.message,
    ],
    [
      'a JetStream spool with no NATS',
      { ingest: { config: { spool: { kind: 'nats' } } } },
      rules.natsForSpool.message,
    ],
    [
      'shared salts with no NATS',
      { ingest: { config: { privacy: { salts: 'nats' } } } },
      rules.natsForFeatures.message,
    ],
    [
      'fan-out with no NATS',
      { ingest: { config: { nats: { consume: true } } } },
      rules.natsForFeatures.message,
    ],
    // Regression: accepted, then every apply of the Deployment failed with 422 and was retried for ever.
    [
      'a memory request above its (default) limit',
      { ingest: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } } },
      rules.requestsWithinLimits.message,
    ],
    [
      'a CPU request above its limit',
      { clickhouse: { resources: { requests: { cpu: 2 }, limits: { cpu: '1500m', memory: '4Gi' } } } },
      rules.requestsWithinLimits.message,
    ],
  ])('rejects %s with the rule message (CEL and TypeScript agree)', async (_name, spec, message) => {
    const text = await rejection(create(tc('invalid', spec)));
    expect(text).toContain(message);
    expect(defaultSpec(spec).problems.join('\n')).toContain(message);
  });

  it('accepts requests equal to their limits, and a request with no limit', async () => {
    const resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: 1, memory: '1024Mi' } };
    expect(await rejection(create(tc('at-limits', { ingest: { resources } })))).toBe('');
    const unlimited = { requests: { cpu: 4, memory: '64Gi' } };
    expect(await rejection(create(tc('no-limits', { clickhouse: { resources: unlimited } })))).toBe('');
  });

  it('accepts NATS settings whose servers the config names', async () => {
    const config = {
      spool: { kind: 'nats', nats: { url: 'nats://n:4222' } },
      nats: { url: 'nats://n:4222', publish: true },
      rateLimits: { shared: 'nats' },
    };
    expect(await rejection(create(tc('nats-named', { ingest: { config } })))).toBe('');
  });

  it.each([
    [
      'a bad enum',
      { ingest: { serviceType: 'Foo' } },
      'spec.ingest.serviceType: Unsupported value: "Foo"',
      'spec.ingest.serviceType',
    ],
    [
      'a bad enum in the ingest config',
      { ingest: { config: { privacy: { ipMode: 'scramble' } } } },
      'spec.ingest.config.privacy.ipMode: Unsupported value: "scramble"',
      'spec.ingest.config.privacy.ipMode',
    ],
    [
      'zero shards',
      { clickhouse: { shards: 0 } },
      'spec.clickhouse.shards: Invalid value: 0',
      'spec.clickhouse.shards',
    ],
    // Regression: the apiserver answered "should match '^(\+|-)?(([0-9]+…'", the quantity's regular expression.
    [
      'a bad quantity',
      { clickhouse: { storage: { size: '10 GB' } } },
      `spec.clickhouse.storage.size: Invalid value: "10 GB": ${rules.isQuantity.message}`,
      'spec.clickhouse.storage.size',
    ],
    // Regression: accepted, and the StatefulSet's apply then failed
    [
      'a negative quantity',
      { clickhouse: { storage: { size: '-10Gi' } } },
      `spec.clickhouse.storage.size: Invalid value: "-10Gi": ${rules.isQuantity.message}`,
      'spec.clickhouse.storage.size',
    ],
    [
      'a CPU that is not a quantity',
      { ingest: { resources: { requests: { cpu: 'lots' } } } },
      `spec.ingest.resources.requests.cpu: Invalid value: "lots": ${rules.isQuantity.message}`,
      'spec.ingest.resources.requests.cpu',
    ],
    [
      'an unknown field',
      { clickhouse: { shard: 2 } },
      'unknown field "spec.clickhouse.shard"',
      'spec.clickhouse',
    ],
    [
      'an unknown ingest config key',
      { ingest: { config: { nope: 1 } } },
      'unknown field "spec.ingest.config.nope"',
      'spec.ingest.config',
    ],
    [
      'a consent bit name outside its key pattern',
      { ingest: { config: { privacy: { consentBits: { analytics: 1, Marketing: 2 } } } } },
      'spec.ingest.config.privacy.consentBits: Invalid value: key "Marketing" must match pattern "^[a-z][a-z0-9_]*$"',
      'spec.ingest.config.privacy.consentBits.Marketing: key must match pattern "^[a-z][a-z0-9_]*$"',
    ],
    [
      'a retention table name outside its key pattern',
      { schema: { retention: { tables: { 'Events!': 30 } } } },
      'spec.schema.retention.tables: Invalid value: key "Events!" must match pattern',
      'spec.schema.retention.tables.Events!: key must match pattern',
    ],
  ])('rejects %s naming the field', async (_name, spec, serverText, tsPath) => {
    expect(await rejection(create(tc('invalid', spec)))).toContain(serverText);
    expect(defaultSpec(spec).problems.join('\n')).toContain(tsPath);
  });

  // A Pod takes `cpu: 0.5`; a CRD field holds an integer or a string only. The refusal was five lines, three
  // of them the anyOf below the int-or-string marker ("must validate at least one schema (anyOf)", ...).
  it('refuses a quantity given as a bare fraction once, naming the field and the types it takes', async () => {
    const spec = { ingest: { resources: { requests: { cpu: 0.5 } } } };
    const text = await rejection(create(tc('fraction', spec)));
    const field = 'spec.ingest.resources.requests.cpu';
    expect(text).toContain(
      `${field}: Invalid value: "number": ${field} in body must be of type integer,string`,
    );
    expect(text).not.toContain('anyOf');
    expect(text.split(field)).toHaveLength(3);
    expect(defaultSpec(spec).problems).toEqual([`${field}: ${quantityFractionMessage(0.5)}`]);
  });

  it('rejects a name that children cannot be named after', async () => {
    // Regression: reported against `<nil>`, naming no field.
    expect(await rejection(create(tc('a'.repeat(45), {})))).toContain(
      `metadata.name: Invalid value: ${rules.nameIsShortLabel.message}`,
    );
  });

  describe('updates', () => {
    beforeAll(async () => {
      await create(tc('grow', { clickhouse: { shards: 2 } }));
    });

    it('allows adding shards', async () => {
      const updated = await update('grow', (s) => {
        (s.clickhouse as { shards: number }).shards = 3;
      });
      expect((updated.spec.clickhouse as { shards: number }).shards).toBe(3);
    });

    it('refuses fewer shards without allowDataLoss', async () => {
      const text = await rejection(
        update('grow', (s) => {
          (s.clickhouse as { shards: number }).shards = 1;
        }),
      );
      expect(text).toContain(`spec.clickhouse.shards: Invalid value`);
      expect(text).toContain(rules.shardsMayNotDecrease.message);
    });

    it('refuses renaming the database', async () => {
      const text = await rejection(
        update('grow', (s) => {
          (s.schema as { database: string }).database = 'other';
        }),
      );
      expect(text).toContain(rules.databaseImmutable.message);
    });

    // Regression: accepted, and then not applied to the existing claims (a claim cannot shrink).
    it('refuses a smaller volume, naming the field', async () => {
      const text = await rejection(
        update('grow', (s) => {
          (s.clickhouse as { storage: { size: string } }).storage.size = '5Gi';
        }),
      );
      expect(text).toContain(
        `spec.clickhouse.storage.size: Invalid value: ${rules.storageMayNotShrink.message}`,
      );
    });

    // Regression: accepted, Ready stayed True, and no claim changed class (claim templates are kept).
    it('refuses another storage class, naming the field', async () => {
      const text = await rejection(
        update('grow', (s) => {
          (s.keeper as { storage: { storageClassName?: string } }).storage.storageClassName = 'fast';
        }),
      );
      expect(text).toContain(
        `spec.keeper.storage.storageClassName: Invalid value: ${rules.storageClassImmutable.message}`,
      );
    });

    it('allows a larger volume, and the same size spelled otherwise', async () => {
      await update('grow', (s) => {
        (s.clickhouse as { storage: { size: string | number } }).storage.size = '20Gi';
      });
      const same = await update('grow', (s) => {
        (s.clickhouse as { storage: { size: string | number } }).storage.size = 21_474_836_480;
      });
      expect((same.spec.clickhouse as { storage: { size: number } }).storage.size).toBe(21_474_836_480);
    });

    it('allows fewer shards with allowDataLoss', async () => {
      const updated = await update('grow', (s) => {
        (s.clickhouse as { shards: number }).shards = 1;
        s.allowDataLoss = true;
      });
      expect((updated.spec.clickhouse as { shards: number }).shards).toBe(1);
    });
  });

  it('has a status subresource and printer columns Ready, Reason, ClickHouse, Ingest, Schema, Age', async () => {
    await create(tc('status', { clickhouse: { shards: 2, replicas: 3 } }));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          message: 'all components ready',
          lastTransitionTime: now,
        },
      ],
      clickhouse: { replicas: 6, readyReplicas: 5, summary: '2x3 5/6' },
      ingest: { replicas: 2, readyReplicas: 2, summary: '2/2' },
      appliedSchemaVersion: 7,
    };
    const patch = JSON.stringify({ status });
    kubectlOk(kubeconfig, [
      'patch',
      'tc',
      'status',
      '-n',
      namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      patch,
    ]);
    const table = kubectlOk(kubeconfig, ['get', 'tc', 'status', '-n', namespace]);
    const [header, row] = table.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'CLICKHOUSE',
      'INGEST',
      'SCHEMA',
      'AGE',
    ]);
    expect(row?.split(/\s+/).slice(0, 7)).toEqual(['status', 'True', 'Available', '2x3', '5/6', '2/2', '7']);
  });
});
