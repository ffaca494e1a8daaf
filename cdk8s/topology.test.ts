// remote_servers, macros and raft membership for several topologies.

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

const host = (s: number, r: number) => `demo-ch-${s}-${r}-0.demo-ch-headless.ns.svc.cluster.local`;
const keeperHost = (i: number) => `demo-keeper-${i}.demo-keeper-headless.ns.svc.cluster.local`;

function clusterFile(shards: number, replicas: number, keepers = 1, s = 0, r = 0) {
  const tc = cluster({ clickhouse: { shards, replicas }, keeper: { replicas: keepers } });
  return parse(json(find(renderCluster(tc).objects, 'ConfigMap', `demo-ch-${s}-${r}`)).data['cluster.yaml']);
}

describe.each([
  [1, 1],
  [2, 2],
  [3, 1],
  [1, 3],
])('%i shard(s) x %i replica(s)', (shards, replicas) => {
  it('remote_servers lists every host of every shard, with internal replication and the secret', () => {
    const rs = clusterFile(shards, replicas).remote_servers.tracker;
    expect(rs.secret).toEqual({ '@from_env': 'TRACKER_INTERSERVER_SECRET' });
    expect(rs.shard).toEqual(
      Array.from({ length: shards }, (_, s) => ({
        internal_replication: true,
        replica: Array.from({ length: replicas }, (_, r) => ({ host: host(s, r), port: 9000 })),
      })),
    );
  });

  it('macros are unique per replica and name the cluster and the shard', () => {
    const seen = new Set<string>();
    for (let s = 0; s < shards; s++) {
      for (let r = 0; r < replicas; r++) {
        const m = clusterFile(shards, replicas, 1, s, r).macros;
        expect(m).toEqual({ cluster: 'tracker', shard: String(s), replica: `demo-ch-${s}-${r}` });
        seen.add(`${m.shard}/${m.replica}`);
      }
    }
    expect(seen.size).toBe(shards * replicas);
  });

  it('one PDB per shard allowing one replica down', () => {
    const { objects } = renderCluster(cluster({ clickhouse: { shards, replicas } }));
    const pdbs = objects.filter(
      (o) =>
        o.kind === 'PodDisruptionBudget' &&
        o.metadata.labels?.['app.kubernetes.io/component'] === 'clickhouse',
    );
    expect(pdbs.map((p) => json(p).spec)).toEqual(
      Array.from({ length: shards }, (_, s) => ({
        maxUnavailable: 1,
        selector: {
          matchLabels: {
            'app.kubernetes.io/name': 'tracker',
            'app.kubernetes.io/instance': 'demo',
            'app.kubernetes.io/component': 'clickhouse',
            'tracker.dev/shard': String(s),
          },
        },
      })),
    );
  });
});

describe.each([
  [1, 1],
  [3, 1],
  [5, 2],
])('Keeper with %i member(s)', (members, maxUnavailable) => {
  const { objects } = renderCluster(cluster({ keeper: { replicas: members } }));

  it('raft_configuration lists every member once with unique 1-based ids', () => {
    const raft = parse(json(find(objects, 'ConfigMap', 'demo-keeper')).data['raft.yaml']);
    expect(raft.keeper_server.raft_configuration.server).toEqual(
      Array.from({ length: members }, (_, i) => ({ id: i + 1, hostname: keeperHost(i), port: 9234 })),
    );
  });

  it('each pod derives its server_id from its ordinal (matching the raft ids)', () => {
    const sts = json(find(objects, 'StatefulSet', 'demo-keeper'));
    expect(sts.spec.replicas).toBe(members);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.template.spec.containers[0].command.join(' ')).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
      'KEEPER_SERVER_ID=$(( ${HOSTNAME##*-} + 1 ))',
    );
    const keeper = parse(json(find(objects, 'ConfigMap', 'demo-keeper')).data['keeper.yaml']);
    expect(keeper.keeper_server.server_id).toEqual({ '@from_env': 'KEEPER_SERVER_ID' });
  });

  it('ClickHouse talks to every Keeper member', () => {
    const zk = parse(json(find(objects, 'ConfigMap', 'demo-ch-0-0')).data['cluster.yaml']).zookeeper;
    expect(zk.node).toEqual(Array.from({ length: members }, (_, i) => ({ host: keeperHost(i), port: 2181 })));
  });

  it(`PDB keeps a quorum (maxUnavailable ${maxUnavailable})`, () => {
    expect(json(find(objects, 'PodDisruptionBudget', 'demo-keeper')).spec.maxUnavailable).toBe(
      maxUnavailable,
    );
  });
});
