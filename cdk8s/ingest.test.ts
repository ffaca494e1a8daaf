import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { IngestConfig } from '../common/config/ingest.ts';
import type { KubeObject } from '../kube/object.ts';
import { annotations, renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

const render = (ingest: unknown, extra: Record<string, unknown> = {}) =>
  renderCluster(cluster({ ingest, ...extra }));
const deploymentSpec = (ingest: unknown) =>
  json(find(render(ingest).objects, 'Deployment', 'demo-ingest')).spec;
const config = (ingest: unknown, extra: Record<string, unknown> = {}) =>
  JSON.parse(json(find(render(ingest, extra).objects, 'ConfigMap', 'demo-ingest')).data['config.json']);

describe('ingest: replicas vs HPA', () => {
  it.each([
    ['neither: 2 replicas, no HPA', {}, 2, false],
    ['fixed replicas', { replicas: 4 }, 4, false],
    [
      'autoscaling: no replicas field at all',
      { autoscaling: { minReplicas: 3, maxReplicas: 9 } },
      undefined,
      true,
    ],
  ])('%s', (_name, ingest, replicas, hasHpa) => {
    const { objects } = render(ingest);
    const spec = json(find(objects, 'Deployment', 'demo-ingest')).spec;
    expect(spec.replicas).toBe(replicas);
    expect('replicas' in spec).toBe(replicas !== undefined);
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(hasHpa);
  });

  it('HPA targets the Deployment with the CPU target', () => {
    const hpa = json(
      find(
        render({ autoscaling: { minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 55 } })
          .objects,
        'HorizontalPodAutoscaler',
        'demo-ingest',
      ),
    );
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-ingest' },
      minReplicas: 3,
      maxReplicas: 9,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } },
        },
      ],
    });
  });
});

describe('ingest config', () => {
  it('passes the ingest schema and points the store at this cluster', () => {
    const c = config({}, { schema: { database: 'analytics', retention: { defaultDays: 30 } } });
    expect(Value.Check(IngestConfig, c)).toBe(true);
    expect(c.store).toEqual({
      kind: 'clickhouse',
      url: 'http://demo-clickhouse.ns.svc.cluster.local:8123',
      database: 'analytics',
      username: 'default',
      passwordFile: '/etc/tracker/clickhouse/password',
      cluster: 'tracker',
      requestTimeoutMs: 30_000,
    });
    expect(c.retention).toEqual({ defaultDays: 30, tables: {} });
  });

  it('renders the rollup rules from spec.schema.rollups, with their defaults', () => {
    expect(config({}).rollups).toEqual({
      impressionDaily: {
        impressionEtyps: ['impression'],
        impressionEnames: [],
        conversionEnames: ['conversion'],
      },
    });
    const rollups = { impressionDaily: { impressionEnames: ['promo_view'] } };
    expect(config({}, { schema: { rollups } }).rollups?.impressionDaily.impressionEnames).toEqual([
      'promo_view',
    ]);
  });

  it('keeps user settings and overrides container paths', () => {
    const c = config({ config: { rateLimits: { burst: 20 }, spool: { dir: '/elsewhere' } } });
    expect(c.rateLimits.burst).toBe(20);
    expect(c.spool.dir).toBe('/var/lib/tracker/spool');
  });

  it.each([
    ['secretName', { secretName: 'my-tls' }, 'my-tls', false],
    ['issuerRef', { issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } }, 'demo-ingest-tls', true],
  ])('TLS from %s: mounted Secret, config paths, HTTPS probes', (_name, tls, secretName, hasCertificate) => {
    const { objects } = render({ tls });
    const pod = json(find(objects, 'Deployment', 'demo-ingest')).spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName } });
    expect(pod.containers[0].readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(config({ tls }).server.tls).toEqual({
      certFile: '/etc/tracker/tls/tls.crt',
      keyFile: '/etc/tracker/tls/tls.key',
    });
    expect(objects.some((o) => o.kind === 'Certificate')).toBe(hasCertificate);
    expect(json(find(objects, 'Service', 'demo-ingest')).spec.ports[0].port).toBe(443);
  });

  // Each pod generated its own key into its emptyDir: hashed emails, cookieless visitor ids and the keys of
  // the shared rate limits differed from pod to pod, so nothing keyed by them was shared.
  it('every replica reads one hash key: the generated <name>-hash-key Secret, mounted', () => {
    expect(config({}).privacy.hashKeyFile).toBe('/etc/tracker/hash-key/key');
    const pod = deploymentSpec({}).template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'hash-key',
      secret: { secretName: 'demo-hash-key', items: [{ key: 'hash-key', path: 'key' }] },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'hash-key',
      mountPath: '/etc/tracker/hash-key',
      readOnly: true,
    });
  });

  it('uses the in-cluster NATS when spec.nats is set', () => {
    expect(config({}, { nats: {} }).nats.url).toBe('nats://demo-nats.ns.svc.cluster.local:4222');
  });

  // Regression: only nats.url was filled in, so an ingest with spool.kind nats on the in-cluster NATS
  // (examples/production.yaml) had no spool.nats and could not start.
  it.each([
    [1, 1],
    [3, 3],
    [5, 3],
  ])('a JetStream spool on %i in-cluster NATS servers keeps %i copies', (servers, copies) => {
    const spool = config({ config: { spool: { kind: 'nats' } } }, { nats: { replicas: servers } }).spool;
    expect(spool.nats).toMatchObject({ url: 'nats://demo-nats.ns.svc.cluster.local:4222', replicas: copies });
  });

  // Regression: the salts bucket was made with one copy even on three NATS servers, so losing one NATS
  // volume changed every cookieless visitor's id for the rest of the day.
  it.each([
    [1, 1],
    [3, 3],
    [5, 3],
  ])('the KV buckets on %i in-cluster NATS servers keep %i copies, as the spool does', (servers, copies) => {
    const nats = config({ config: { privacy: { salts: 'nats' } } }, { nats: { replicas: servers } }).nats;
    expect(nats).toMatchObject({ url: 'nats://demo-nats.ns.svc.cluster.local:4222', replicas: copies });
  });

  it.each([
    ['a replica count the user set', { replicas: 1 }, { replicas: 1 }],
    ['a server the user named, with its default', { url: 'nats://elsewhere:4222' }, { replicas: 1 }],
  ])('the KV buckets keep %s', (_name, nats, expected) => {
    expect(config({ config: { nats } }, { nats: { replicas: 3 } }).nats).toMatchObject(expected);
  });

  // Regression: store.cluster was rendered in every schema mode, so on servers given the single-node schema
  // (per-replica mode, no Keeper) erasure and the prune job sent ON CLUSTER mutations of `X_local` tables
  // that do not exist there, through a queue no Keeper runs.
  it('cluster schema mode: the store names the cluster (mutations ON CLUSTER reach every replica)', () => {
    const store = JSON.parse(
      json(
        find(
          renderCluster(cluster({ clickhouse: { shards: 2, replicas: 2 } })).objects,
          'ConfigMap',
          'demo-ingest',
        ),
      ).data['config.json'],
    ).store;
    expect(store).toMatchObject({
      kind: 'clickhouse',
      url: 'http://demo-clickhouse.ns.svc.cluster.local:8123',
      cluster: 'tracker',
    });
    expect(store.hostUrls).toBeUndefined();
  });

  it('per-replica schema mode: no cluster, and every server named (each holds its own tables)', () => {
    const rendered = renderCluster(cluster({ clickhouse: { shards: 2, replicas: 2 } }), {
      schemaMode: 'per-replica',
    });
    const store = JSON.parse(
      json(find(rendered.objects, 'ConfigMap', 'demo-ingest')).data['config.json'],
    ).store;
    expect(store.cluster).toBeUndefined();
    expect(store.url).toBe('http://demo-clickhouse.ns.svc.cluster.local:8123');
    expect(store.hostUrls).toEqual(
      ['0-0', '0-1', '1-0', '1-1'].map(
        (id) => `http://demo-ch-${id}-0.demo-ch-headless.ns.svc.cluster.local:8123`,
      ),
    );
  });

  it('a JetStream spool keeps the server the user named', () => {
    const own = { url: 'nats://elsewhere:4222', replicas: 1 };
    const spool = config({ config: { spool: { kind: 'nats', nats: own } } }, { nats: {} }).spool;
    expect(spool.nats).toMatchObject(own);
  });

  it('the config-hash annotation follows the config, nothing else', () => {
    const hash = (ingest: unknown) =>
      deploymentSpec(ingest).template.metadata.annotations[annotations.configHash];
    expect(hash({ config: { rateLimits: { burst: 5 } } })).not.toBe(hash({}));
    expect(hash({ replicas: 7 })).toBe(hash({}));
  });

  it('sets only TRACKER_CONFIG in the environment (other TRACKER_* are config overrides)', () => {
    expect(deploymentSpec({}).template.spec.containers[0].env).toEqual([
      { name: 'TRACKER_CONFIG', value: '/etc/tracker/config/config.json' },
    ]);
  });

  // Regression: /metrics and /status were on the public port, which the NetworkPolicy opened to every
  // source and the Service (a LoadBalancer in the production example) exposed to the internet.
  describe('the operations port (/metrics, /status)', () => {
    const ingress = (objects: readonly KubeObject[]) =>
      json(find(objects, 'NetworkPolicy', 'demo-ingest')).spec.ingress;

    it('admits anyone to the HTTP port, and only Prometheus (namespace monitoring by default) to the operations port', () => {
      const { objects } = render({ config: { server: { port: 9090, opsPort: 9100 } } });
      expect(ingress(objects)).toEqual([
        { ports: [{ protocol: 'TCP', port: 9090 }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ protocol: 'TCP', port: 9100 }],
        },
      ]);
    });

    it('admits the pods the installation names as Prometheus', () => {
      const prometheus = {
        namespaceLabels: { team: 'obs' },
        podLabels: { 'app.kubernetes.io/name': 'prometheus' },
      };
      const { objects } = renderCluster(cluster({}), { prometheus });
      expect(ingress(objects)[1].from).toEqual([
        {
          namespaceSelector: { matchLabels: { team: 'obs' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ]);
    });

    // The ingest keeps its operations listener on loopback unless told otherwise; a pod rendered without
    // saying so could not be scraped by Prometheus on its pod IP.
    it.each([
      ['left out: every address', {}, '0.0.0.0'],
      ['the public listen address when only that is set', { host: '::' }, '::'],
      ['as the user set it', { host: '0.0.0.0', opsHost: '::' }, '::'],
    ])('listens on the pod IP: %s', (_what, server, opsHost) => {
      expect(config({ config: { server } }).server.opsHost).toBe(opsHost);
    });

    it('is a named container port no Service exposes; the probes stay on the HTTP port', () => {
      const { objects } = render({ serviceType: 'LoadBalancer' });
      const container = json(find(objects, 'Deployment', 'demo-ingest')).spec.template.spec.containers[0];
      expect(container.ports).toEqual([
        { name: 'http', containerPort: 8080 },
        { name: 'ops', containerPort: 9464 },
      ]);
      expect(container.readinessProbe.httpGet.port).toBe('http');
      expect(container.livenessProbe.httpGet.port).toBe('http');
      const services = objects.filter(
        (o) => o.kind === 'Service' && o.metadata.name.startsWith('demo-ingest'),
      );
      expect(
        services.flatMap((s) => json(s).spec.ports.map((p: { targetPort: string }) => p.targetPort)),
      ).toEqual(['http']);
    });
  });
});

// Regression: a LoadBalancer (or NodePort) Service forwarded connections between nodes with the node's
// address as their source, so every visitor had the same few addresses: one rate limit for everybody,
// one cookieless visitor id per browser, and the node's place in every row.
describe('ingest Service', () => {
  it.each([
    ['LoadBalancer', 'Local'],
    ['NodePort', 'Local'],
    ['ClusterIP', undefined],
  ])("a %s Service keeps the client's address (externalTrafficPolicy %s)", (serviceType, policy) => {
    const spec = json(find(render({ serviceType }).objects, 'Service', 'demo-ingest')).spec;
    expect(spec.type).toBe(serviceType);
    expect(spec.externalTrafficPolicy).toBe(policy);
  });
});

describe('ingest destinations', () => {
  const destinations = {
    facebook: [{ name: 'shop_fb', pixelId: '123', accessTokenSecretRef: { name: 'fb-capi' } }],
    webhooks: [
      {
        name: 'crm',
        url: 'https://crm.example/in',
        signingSecretRef: { name: 'hooks', key: 'crm' },
        consent: [],
      },
    ],
  };

  it('mounts each credential from its Secret and renders its file into the config', () => {
    const c = config({ destinations });
    expect(Value.Check(IngestConfig, c)).toBe(true);
    expect(c.destinations.dir).toBe('/var/lib/tracker/destinations');
    expect(c.destinations.facebook[0]).toMatchObject({
      name: 'shop_fb',
      accessTokenFile: '/etc/tracker/destinations/shop_fb/token',
      graphApiVersion: 'v27.0',
    });
    expect(c.destinations.facebook[0].accessTokenSecretRef).toBeUndefined();
    expect(c.destinations.webhooks[0].signingSecretFile).toBe('/etc/tracker/destinations/crm/secret');
    const spec = deploymentSpec({ destinations }).template.spec;
    expect(spec.volumes).toEqual(
      expect.arrayContaining([
        {
          name: 'destination-shop-fb',
          secret: { secretName: 'fb-capi', items: [{ key: 'token', path: 'token' }] },
        },
        { name: 'destination-crm', secret: { secretName: 'hooks', items: [{ key: 'crm', path: 'secret' }] } },
        { name: 'destinations', emptyDir: {} },
      ]),
    );
    expect(spec.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'destination-shop-fb', mountPath: '/etc/tracker/destinations/shop_fb', readOnly: true },
        { name: 'destination-crm', mountPath: '/etc/tracker/destinations/crm', readOnly: true },
        { name: 'destinations', mountPath: '/var/lib/tracker/destinations' },
      ]),
    );
  });

  it('never puts a credential into the ConfigMap', () => {
    const text = json(find(render({ destinations }).objects, 'ConfigMap', 'demo-ingest')).data['config.json'];
    expect(text).not.toMatch(/SecretRef|"fb-capi"|"hooks"/);
  });
});

describe('ingest: the rendered config', () => {
  it('is refused when a map key is outside its pattern, as the ingest would refuse it', () => {
    const tc = structuredClone(cluster({}));
    (tc.spec.ingest.config as Record<string, unknown>).privacy = { consentBits: { Marketing: 2 } };
    expect(() => renderCluster(tc)).toThrow(/\/privacy\/consentBits\/Marketing: must match pattern/);
  });
});
