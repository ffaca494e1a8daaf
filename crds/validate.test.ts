import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/config/problems.ts';
import { rules } from './rules.ts';
import { defaultImages, quantityFractionMessage } from './spec.ts';
import { defaultSpec, parseTrackerCluster, transitionErrors } from './validate.ts';

const tc = (spec: unknown, name = 'demo') => ({
  apiVersion: 'tracker.dev/v1alpha1',
  kind: 'TrackerCluster',
  metadata: { name, namespace: 'ns' },
  spec,
});

describe('defaulting', () => {
  const { spec, problems } = defaultSpec({});

  it('an empty spec is valid', () => expect(problems).toEqual([]));

  it.each([
    ['clickhouse.image', spec.clickhouse.image, defaultImages.clickhouse],
    ['clickhouse.shards', spec.clickhouse.shards, 1],
    ['clickhouse.replicas', spec.clickhouse.replicas, 1],
    ['clickhouse.storage.size', spec.clickhouse.storage.size, '10Gi'],
    ['keeper.replicas', spec.keeper.replicas, 1],
    ['keeper.storage.size', spec.keeper.storage.size, '2Gi'],
    ['schema.database', spec.schema.database, 'tracker'],
    [
      'schema.rollups',
      spec.schema.rollups.impressionDaily,
      { impressionEtyps: ['impression'], impressionEnames: [], conversionEnames: ['conversion'] },
    ],
    ['ingest.image', spec.ingest.image, defaultImages.ingest],
    ['ingest.replicas (unset: the renderer uses 2)', spec.ingest.replicas, undefined],
    ['ingest.serviceType', spec.ingest.serviceType, 'ClusterIP'],
    ['ingest.config', spec.ingest.config, {}],
    ['nats (absent: none)', spec.nats, undefined],
    ['clusterDomain', spec.clusterDomain, 'cluster.local'],
    ['paused', spec.paused, false],
    ['allowDataLoss', spec.allowDataLoss, false],
  ])('%s', (_field, actual, expected) => expect(actual).toEqual(expected));

  it('fills defaults inside given objects without overwriting given values', () => {
    const { spec: s } = defaultSpec({ ingest: { autoscaling: { maxReplicas: 4 } }, nats: {} });
    expect(s.ingest.autoscaling).toEqual({
      minReplicas: 2,
      maxReplicas: 4,
      targetCPUUtilizationPercentage: 70,
    });
    expect(s.nats?.replicas).toBe(3);
  });

  it('does not modify its input', () => {
    const input = { keeper: {} };
    defaultSpec(input);
    expect(input).toEqual({ keeper: {} });
  });
});

describe('validation (same messages as the CEL rules)', () => {
  it.each([
    ['even Keeper count', { keeper: { replicas: 2 } }, rules.keeperReplicas.message],
    ['even NATS count', { nats: { replicas: 4 } }, rules.natsReplicas.message],
    [
      'autoscaling min > max',
      { ingest: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } },
      rules.autoscalingBounds.message,
    ],
    [
      'replicas and autoscaling',
      { ingest: { replicas: 2, autoscaling: {} } },
      rules.replicasOrAutoscaling.message,
    ],
    ['TLS with no source', { ingest: { tls: {} } }, rules.tlsOneSource.message],
    [
      'TLS with two sources',
      { ingest: { tls: { secretName: 's', issuerRef: { name: 'i' } } } },
      rules.tlsOneSource.message,
    ],
    [
      'config.server.tls',
      { ingest: { config: { server: { tls: { certFile: 'a', keyFile: 'b' } } } } },
      rules.tlsFromSpec.message,
    ],
    [
      'config.privacy.hashKeyFile',
      { ingest: { config: { privacy: { hashKeyFile: '/k' } } } },
      rules.hashKeyFromOperator.message,
    ],
    // Regression: passed through to the ConfigMap, and no Service or probe could reach the pods.
    [
      'a loopback listen address',
      { ingest: { config: { server: { host: '127.0.0.1' } } } },
      rules.hostIsWildcard.message,
    ],
    [
      'an IPv6 loopback listen address',
      { ingest: { config: { server: { host: '::1' } } } },
      rules.hostIsWildcard.message,
    ],
    [
      'a listen address by name',
      { ingest: { config: { server: { host: 'localhost' } } } },
      rules.hostIsWildcard.message,
    ],
    // The operations listener's loopback default, written into a TrackerCluster, is out of Prometheus's reach.
    [
      'a loopback operations listen address',
      { ingest: { config: { server: { opsHost: '127.0.0.1' } } } },
      rules.opsHostIsWildcard.message,
    ],
    [
      'an ephemeral operations port',
      { ingest: { config: { server: { opsPort: 0 } } } },
      rules.portsFixed.message,
    ],
    ['an ephemeral public port', { ingest: { config: { server: { port: 0 } } } }, rules.portsFixed.message],
    ['one port for both', { ingest: { config: { server: { opsPort: 8080 } } } }, rules.portsFixed.message],
    ['bad enum', { ingest: { serviceType: 'Foo' } }, 'spec.ingest.serviceType'],
    ['unknown key', { clickhouse: { shard: 2 } }, 'spec.clickhouse'],
    ['unknown key in the ingest config', { ingest: { config: { nope: 1 } } }, 'spec.ingest.config'],
    ['out of bounds', { clickhouse: { shards: 0 } }, 'spec.clickhouse.shards'],
    // `tracker render` printed the quantity's regular expression; it says what the CRD's rule says
    [
      'bad quantity',
      { clickhouse: { storage: { size: '10 GB' } } },
      `spec.clickhouse.storage.size: ${rules.isQuantity.message}`,
    ],
    [
      'a negative quantity',
      { clickhouse: { storage: { size: '-10Gi' } } },
      `spec.clickhouse.storage.size: ${rules.isQuantity.message}`,
    ],
    // Regression: accepted, and every apply of the Deployment failed (422) and was retried for ever.
    [
      'a memory request above the default limit',
      { ingest: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } } },
      `spec.ingest.resources: ${rules.requestsWithinLimits.message}`,
    ],
    [
      'a CPU request above its limit',
      { keeper: { resources: { requests: { cpu: 2 }, limits: { cpu: '1500m' } } } },
      `spec.keeper.resources: ${rules.requestsWithinLimits.message}`,
    ],
    ['bad database name', { schema: { database: 'Bad-Name' } }, 'spec.schema.database'],
    [
      'a prune schedule that is not cron',
      { schema: { prune: { schedule: 'daily' } } },
      'spec.schema.prune.schedule',
    ],
    [
      'rollup rules in the ingest config (spec.schema owns them)',
      { ingest: { config: { rollups: {} } } },
      'spec.ingest.config',
    ],
    [
      'an upper-case ename rule (stored enames are lower case)',
      { schema: { rollups: { impressionDaily: { impressionEnames: ['Promo'] } } } },
      'spec.schema.rollups.impressionDaily.impressionEnames',
    ],
    // Regression: these rendered, and the ingest pods could not start (or kept per-pod salts).
    [
      'a JetStream spool with no NATS',
      { ingest: { config: { spool: { kind: 'nats' } } } },
      rules.natsForSpool.message,
    ],
    [
      'shared rate limits with no NATS',
      { ingest: { config: { rateLimits: { shared: 'nats' } } } },
      rules.natsForFeatures.message,
    ],
    [
      'shared salts with no NATS',
      { ingest: { config: { privacy: { salts: 'nats' } } } },
      rules.natsForFeatures.message,
    ],
    [
      'fan-out with no NATS',
      { ingest: { config: { nats: { publish: true } } } },
      rules.natsForFeatures.message,
    ],
  ])('rejects %s', (_name, spec, message) => {
    expect(() => parseTrackerCluster(tc(spec))).toThrow(ConfigError);
    expect(() => parseTrackerCluster(tc(spec))).toThrow(message);
  });

  it.each([
    [
      'the in-cluster NATS',
      { nats: {}, ingest: { config: { spool: { kind: 'nats' }, nats: { publish: true } } } },
    ],
    [
      'servers named in the config',
      {
        ingest: {
          config: {
            spool: { kind: 'nats', nats: { url: 'nats://n:4222' } },
            nats: { url: 'nats://n:4222', consume: true },
            privacy: { salts: 'nats' },
          },
        },
      },
    ],
  ])('accepts NATS settings with %s', (_name, spec) => {
    expect(defaultSpec(spec).problems).toEqual([]);
  });

  // A schema problem hid every rule's: `tracker render` named the shard count, then the Keeper count.
  it('reports the rules with the schema’s problems, except a rule reading a key the schema refused', () => {
    const spec = { clickhouse: { shards: 0 }, keeper: { replicas: 2 }, nats: { replicas: 'three' } };
    expect(defaultSpec(spec).problems).toEqual([
      'spec.clickhouse.shards: must be >= 1',
      'spec.nats.replicas: must be integer',
      `spec.keeper.replicas: ${rules.keeperReplicas.message}`,
    ]);
  });

  // `cors.origins: ["https://shop.example/"]` was rendered and matched no browser's Origin: the
  // operator says SpecInvalid instead, as the ingest would refuse to start on it.
  it('refuses host names and origins in the ingest config written another way than requests carry them', () => {
    const config = {
      cors: { origins: ['https://shop.example/'] },
      domains: { shortLinkHosts: ['https://go.example'] },
    };
    expect(defaultSpec({ ingest: { config } }).problems).toEqual([
      'spec.ingest.config.domains.shortLinkHosts.0: "https://go.example" is not a host name (no scheme, port or path); write "go.example"',
      'spec.ingest.config.cors.origins.0: "https://shop.example/" is not an origin (scheme://host[:port], no path, lower case); write "https://shop.example"',
    ]);
  });

  // `cpu: 0.5` (as a Pod takes it) was refused with "must be integer", which it is not meant to be.
  it('refuses a quantity written as a bare fraction with one line saying how to write it', () => {
    const spec = {
      ingest: { resources: { requests: { cpu: 0.5, memory: '1Gi' }, limits: { memory: 1.5 } } },
    };
    expect(defaultSpec(spec).problems).toEqual([
      `spec.ingest.resources.requests.cpu: ${quantityFractionMessage(0.5)}`,
      `spec.ingest.resources.limits.memory: ${quantityFractionMessage(1.5)}`,
    ]);
    expect(quantityFractionMessage(0.5)).toBe(
      'a number with a fraction is refused here: quote it ("0.5") or, for CPU, write millicores (500m); a TrackerCluster quantity is an integer or a string',
    );
    expect(defaultSpec({ ingest: { resources: { requests: { cpu: 2 } } } }).problems).toEqual([]);
  });

  // Regression: each was accepted and rendered, and the new ingest pods refused to start on it.
  it('refuses what the ingest would refuse to start on, in its own words', () => {
    const site = { key: 'site-key-one', oid: '00000000-0000-0000-0000-000000000001' };
    const config = {
      cors: { origins: ['*'], credentials: true },
      server: { trustedProxies: ['10.0.0.0/33'] },
      privacy: { analyticsBit: 'stats' },
      userAgent: { extraBotPatterns: ['(unclosed'] },
      sites: { keys: [site, site] },
    };
    expect(defaultSpec({ ingest: { config } }).problems).toEqual([
      'spec.ingest.config.cors.origins: "*" cannot be combined with cors.credentials (browsers reject it); list the origins',
      'spec.ingest.config.server.trustedProxies.0: "10.0.0.0/33" is not an IP or CIDR',
      'spec.ingest.config.privacy.analyticsBit: "stats" is not a key of privacy.consentBits',
      'spec.ingest.config.userAgent.extraBotPatterns.0: not a valid regular expression',
      'spec.ingest.config.sites.keys.1.key: used by an earlier entry',
    ]);
  });

  it('refuses a destination URL fetch can never request', () => {
    const webhooks = [
      { name: 'crm', url: 'https://user:pw@crm.example/in', signingSecretRef: { name: 's' }, consent: [] },
    ];
    expect(defaultSpec({ ingest: { destinations: { webhooks } } }).problems).toEqual([
      'spec.ingest.destinations.webhooks.0.url: a URL with credentials (user:password@) cannot be requested; leave them out',
    ]);
  });

  it.each([['0.0.0.0'], ['::']])('accepts the wildcard listen address %s', (host) => {
    expect(defaultSpec({ ingest: { config: { server: { host } } } }).problems).toEqual([]);
  });

  it.each([['Bad'], ['a'.repeat(41)], ['1abc'], ['a.b']])('rejects the name %s', (name) => {
    expect(() => parseTrackerCluster(tc({}, name))).toThrow(rules.nameIsShortLabel.message);
  });

  it('reports every problem at once', () => {
    const err = (() => {
      try {
        parseTrackerCluster({
          kind: 'Other',
          metadata: {},
          spec: { clickhouse: { shards: 0, replicas: 0 } },
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    [
      'shard decrease',
      { clickhouse: { shards: 3 } },
      { clickhouse: { shards: 2 } },
      [rules.shardsMayNotDecrease.message],
    ],
    [
      'shard decrease with allowDataLoss',
      { clickhouse: { shards: 3 } },
      { clickhouse: { shards: 2 }, allowDataLoss: true },
      [],
    ],
    ['shard increase', { clickhouse: { shards: 1 } }, { clickhouse: { shards: 2 } }, []],
    ['database rename', {}, { schema: { database: 'other' } }, [rules.databaseImmutable.message]],
    // Regression: a smaller size was accepted and silently not applied to the existing claims.
    [
      'a smaller volume',
      { clickhouse: { storage: { size: '20Gi' } } },
      { clickhouse: { storage: { size: '10Gi' } } },
      [rules.storageMayNotShrink.message],
    ],
    [
      'a smaller Keeper volume',
      {},
      { keeper: { storage: { size: '1Gi' } } },
      [rules.storageMayNotShrink.message],
    ],
    [
      'the same size spelled otherwise',
      { clickhouse: { storage: { size: '1Gi' } } },
      { clickhouse: { storage: { size: 1073741824 } } },
      [],
    ],
    ['a larger volume', {}, { clickhouse: { storage: { size: '20Gi' } } }, []],
    // Regression: accepted, Ready stayed True, and no claim changed class.
    [
      'another storage class',
      { keeper: { storage: { storageClassName: 'standard' } } },
      { keeper: { storage: { storageClassName: 'fast' } } },
      [rules.storageClassImmutable.message],
    ],
    [
      'a storage class where the default was used',
      {},
      { clickhouse: { storage: { storageClassName: 'fast' } } },
      [rules.storageClassImmutable.message],
    ],
    [
      'the same storage class',
      { nats: { storage: { storageClassName: 'fast' } } },
      { nats: { storage: { storageClassName: 'fast' }, replicas: 1 } },
      [],
    ],
  ])('transition: %s', (_name, before, after, messages) => {
    const errors = transitionErrors(defaultSpec(before).spec, defaultSpec(after).spec);
    expect(errors.map((e) => e.replace(/^[^:]+: /, ''))).toEqual(messages);
  });
});
