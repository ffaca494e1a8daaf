// Test control routes of the ClickHouse-HTTP test double, under /_double/ (no ClickHouse path starts so):
//   GET /_double/statements    every statement received, in order ({sql, at}); needs `record`
//   GET /_double/replication   the replication stand-in's state (replication.ts); needs `replication`
//   PUT /_double/replication   replace that state (JSON body)
// and, with the cluster stand-in (cluster.ts):
//   GET  /_double/cluster            its name, macros, topology and the Replicated tables it holds
//   PUT  /_double/cluster            set the topology ({hosts, peers})
//   POST /_double/cluster/local      run a statement on this host alone (what the ON CLUSTER fan-out sends)
//   POST /_double/cluster/replicate  run an insert another replica received (nothing is forwarded again)
//   GET  /_double/cluster/rows?database=&table=   a table's rows in the Native format (what a new replica fetches)
import type { ClusterStandIn, Exec, Topology } from './cluster.ts';
import { handedOver } from './peers.ts';
import type { Output } from './protocol.ts';
import type { ReplicationStandIn, ReplicationState } from './replication.ts';
import { internal } from './structure.ts';

export type StatementLog = { sql: string; at: number }[];

type Reply = { status: number; body: string };

export function controlRoute(
  method: string,
  path: string,
  body: Buffer,
  ctx: { readonly log: StatementLog | undefined; readonly replication: ReplicationStandIn | undefined },
): Reply | undefined {
  if (!path.startsWith('/_double/')) return undefined;
  if (path === '/_double/statements' && method === 'GET' && ctx.log) return ok(ctx.log);
  if (path === '/_double/replication' && ctx.replication) {
    if (method === 'GET') return ok(ctx.replication.state);
    if (method === 'PUT') {
      ctx.replication.state = JSON.parse(body.toString('utf8')) as ReplicationState;
      return ok(ctx.replication.state);
    }
  }
  return { status: 404, body: JSON.stringify({ error: `${method} ${path}: not a control route here` }) };
}

const ok = (value: unknown): Reply => ({ status: 200, body: JSON.stringify(value) });

/** The cluster stand-in's routes; undefined for any other path. */
export async function clusterRoute(
  method: string,
  url: URL,
  body: Buffer,
  cluster: ClusterStandIn,
  exec: Exec,
  log: StatementLog | undefined,
): Promise<Output | undefined> {
  const json = (value: unknown): Output => ({
    body: Buffer.from(JSON.stringify(value)),
    format: 'JSON',
    summary: {},
  });
  const route = `${method} ${url.pathname}`;
  if (route === 'GET /_double/cluster') return json(cluster.state);
  if (route === 'PUT /_double/cluster') {
    cluster.topology = JSON.parse(body.toString('utf8')) as Topology;
    return json(cluster.state);
  }
  if (route === 'POST /_double/cluster/local') {
    const request = handedOver(body);
    log?.push({ sql: request.sql, at: Date.now() });
    return cluster.local(request, exec);
  }
  if (route === 'POST /_double/cluster/replicate') return exec(handedOver(body));
  if (route === 'GET /_double/cluster/rows') {
    const name = (key: string) => `\`${(url.searchParams.get(key) ?? '').replaceAll('`', '')}\``;
    return exec(internal(`SELECT * FROM ${name('database')}.${name('table')} FORMAT Native`));
  }
  return undefined;
}
