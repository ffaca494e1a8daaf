// TEST DOUBLE: "clickhouse-server" for kind clusters where no registry serves the real image. It reads the
// config.d/ and users.d/ files the operator renders, then serves ClickHouse's HTTP interface (the project's
// ClickHouse-HTTP test double) on http_port, executing every statement on the real ClickHouse engine (chdb)
// in `path`. Not modelled: the native and interserver protocols, replication, Keeper, ON CLUSTER.
//   clickhouse-server --config-file=/etc/clickhouse-server/config.xml
import { dirname, join } from 'node:path';
import { startClickHouseHttp } from '../../support/clickhouse-http/server.ts';
import { at, configFileArg, fromEnv, readMerged } from './config.ts';

const dir = dirname(configFileArg(process.argv.slice(2)) ?? '/etc/clickhouse-server/config.xml');
const config = readMerged([], [join(dir, 'config.d'), join(dir, 'users.d')]);
const port = Number(at(config, 'http_port') ?? 8123);
const path = String(at(config, 'path') ?? '/var/lib/clickhouse/');
const password = fromEnv(at(config, 'users', 'default', 'password'));
const server = await startClickHouseHttp({
  dir: path,
  port,
  host: String(at(config, 'listen_host') ?? '0.0.0.0'),
  ...(typeof password === 'string' && password !== '' ? { password } : {}),
});
console.log(`clickhouse-server TEST DOUBLE (chdb) listening on ${server.url}, data in ${path}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
