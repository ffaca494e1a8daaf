// TEST FIXTURE for one integration-test file: the CRD, a fresh namespace, the PV-binder test double, one
// ClickHouse-HTTP test double process per replica host the file will need, and an in-process operator behind
// the counting proxy, on the shared real control plane. The file creates its TrackerCluster itself.
import { inject } from 'vitest';
import { macros } from '../../cdk8s/clickhouse-config.ts';
import { clickhouseClusterName, namesOf } from '../../cdk8s/names.ts';
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
  /**
   * `cluster`: each double plays its host of the TrackerCluster's ClickHouse cluster, with the macros the
   * real configuration renders for it; every double shares the Keeper stand-in, and `remoteServers()` says
   * which of them ON CLUSTER reaches (none until called).
   */
  readonly doubles?: Omit<DoubleOptions, 'cluster'> & { readonly cluster?: boolean };
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
  const ids = Array.from({ length: opts.hosts.shards }, (_, shard) =>
    Array.from({ length: opts.hosts.replicas }, (_, replica) => ({ shard, replica })),
  ).flat();
  const hosts = ids.map((id) => names.replicaHost(id.shard, id.replica));
  const { cluster: playCluster, ...doubleOptions } = opts.doubles ?? {};
  const doubles = await startDoubles(hosts, (i) => ({
    ...doubleOptions,
    ...(playCluster ? { cluster: { name: clickhouseClusterName, macros: macros(names, ids[i]!) } } : {}),
  }));
  const urls = doubles.doubles.map((d) => d.url);
  /** What remote_servers lists for this topology: the doubles ON CLUSTER runs on from now on. */
  const remoteServers = async (shards: number, replicas: number) => {
    const listed = ids.flatMap((id, i) => (id.shard < shards && id.replica < replicas ? [urls[i]!] : []));
    await Promise.all(doubles.doubles.map((d) => d.setTopology({ hosts: listed, peers: urls })));
  };
  if (playCluster) await remoteServers(0, 0);
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
    remoteServers,
    async stop() {
      await op.operator.stop();
      await op.proxy.close();
      await binder.stop();
      await doubles.stop();
      await rest.close();
    },
  };
}
