// Test control routes of the ClickHouse-HTTP test double, under /_double/ (no ClickHouse path starts so):
//   GET /_double/statements    every statement received, in order ({sql, at}); needs `record`
//   GET /_double/replication   the replication stand-in's state (replication.ts); needs `replication`
//   PUT /_double/replication   replace that state (JSON body)
import type { ReplicationStandIn, ReplicationState } from './replication.ts';

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
