// TEST FIXTURE for one integration-test file: the CRD, a fresh namespace, the PV-binder test double, one
// ClickHouse-HTTP test double process per replica host the file will need, and an in-process operator behind
// the counting proxy, on the shared real control plane. The file creates its TrackerCluster itself.
import { inject } from 'vitest';
import { namesOf } from '../../cdk8s/names.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../../crds/testing/kube.ts';
import type { KubeRest } from '../../kube/rest.ts';
import type { OperatorConfig } from '../config.ts';
import { type DoubleOptions, startDoubles } from './clickhouse-doubles.ts';
import {
  type DeepPartial,
  type ProxiedOperator,
  restFor,
  startProxiedOperator,
  testConfig,
} from './harness.ts';
import { startVolumeBinder } from './volume-binder.ts';

export type FixtureOptions = {
  /** Namespace prefix. */
  readonly prefix: string;
  readonly name: string;
  /** Shards and replicas per shard to start ClickHouse test doubles for (the most the file scales to). */
  readonly hosts: { readonly shards: number; readonly replicas: number };
  readonly doubles?: DoubleOptions;
  /** Operator configuration on top of testConfig(); `clickhouse.endpoints` is filled in. */
  readonly config?: DeepPartial<OperatorConfig>;
};

export type Fixture = Awaited<ReturnType<typeof startFixture>>;

export async function startFixture(opts: FixtureOptions) {
  const kubeconfig = inject('kubeconfig');
  installCrd(kubeconfig);
  const rest: KubeRest = restFor(kubeconfig);
  const ns = createNamespace(kubeconfig, opts.prefix);
  const names = namesOf(cluster({}, { name: opts.name, namespace: ns }));
  const binder = startVolumeBinder(rest, ns);
  const hosts = Array.from({ length: opts.hosts.shards }, (_, s) =>
    Array.from({ length: opts.hosts.replicas }, (_, r) => names.replicaHost(s, r)),
  ).flat();
  const doubles = await startDoubles(hosts, opts.doubles);
  const config = opts.config ?? {};
  const op: ProxiedOperator = await startProxiedOperator(
    { apiserverUrl: inject('apiserverUrl'), caFile: inject('apiserverCaFile'), token: inject('adminToken') },
    testConfig({
      ...config,
      namespace: ns,
      clickhouse: { ...config.clickhouse, endpoints: doubles.endpoints },
    }),
  );
  /** The test double standing in for replica `r` of shard `s`. */
  const double = (s: number, r: number) => doubles.doubles[s * opts.hosts.replicas + r]!;
  return {
    kubeconfig,
    rest,
    ns,
    name: opts.name,
    names,
    op,
    double,
    async stop() {
      await op.operator.stop();
      await op.proxy.close();
      await binder.stop();
      await doubles.stop();
      await rest.close();
    },
  };
}
