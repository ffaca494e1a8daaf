// Runs the ClickHouse HTTP test double as its own process (for tests that must stop it hard or that
// already hold a chdb directory in their own process):
//   node e2e/support/clickhouse-http/main.ts --dir <chdb dir> [--port N] [--password P] [--record]
//     [--replication] [--cluster <name> --macro shard=0 --macro replica=<name> …]
// Prints one line `{"url": ...}` once it listens; exits on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startClickHouseHttp } from './server.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '0' },
    password: { type: 'string' },
    record: { type: 'boolean', default: false },
    replication: { type: 'boolean', default: false },
    cluster: { type: 'string' },
    macro: { type: 'string', multiple: true, default: [] },
  },
});
if (!values.dir) {
  console.error('usage: main.ts --dir <chdb dir> [--port N] [--password P] [--record] [--replication]');
  process.exit(2);
}
const server = await startClickHouseHttp({
  dir: values.dir,
  port: Number(values.port),
  password: values.password,
  record: values.record,
  replication: values.replication,
  ...(values.cluster
    ? {
        cluster: {
          name: values.cluster,
          macros: Object.fromEntries(values.macro.map((m) => m.split('=', 2))),
        },
      }
    : {}),
});
console.log(JSON.stringify({ url: server.url, port: server.port }));
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
