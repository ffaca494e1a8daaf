// TEST DOUBLE: "clickhouse-keeper" for kind clusters where no registry serves the real image. It coordinates
// nothing: it reads keeper_config.yaml (+ keeper_config.d/) as the operator renders it and answers what the
// operator's probes ask, the readiness endpoint of http_control and TCP on the client port (four-letter
// `ruok` → `imok`). ClickHouse stand-ins do not use Keeper, so nothing depends on more.
//   clickhouse-keeper --config-file=/etc/clickhouse-keeper/keeper_config.yaml
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { dirname, join } from 'node:path';
import { at, configFileArg, readMerged } from './config.ts';

const file = configFileArg(process.argv.slice(2)) ?? '/etc/clickhouse-keeper/keeper_config.yaml';
const config = readMerged([file], [join(dirname(file), 'keeper_config.d')]);
const host = String(at(config, 'listen_host') ?? '0.0.0.0');
const clientPort = Number(at(config, 'keeper_server', 'tcp_port') ?? 9181);
const controlPort = Number(at(config, 'keeper_server', 'http_control', 'port') ?? 9182);
const readiness = String(at(config, 'keeper_server', 'http_control', 'readiness', 'endpoint') ?? '/ready');

const tcp = createTcp((socket) => {
  socket.once('data', (d) => socket.end(d.toString().startsWith('ruok') ? 'imok' : ''));
  socket.on('error', () => socket.destroy());
});
const http = createHttp((req, res) => {
  const ok = req.url === readiness;
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
  res.end(ok ? '{"status":"ok","details":{"role":"leader","hasLeader":true}}' : '{}');
});
tcp.listen(clientPort, host);
http.listen(controlPort, host);
console.log(
  `clickhouse-keeper TEST DOUBLE: client port ${clientPort}, readiness ${readiness} on ${controlPort}`,
);
const stop = () => {
  tcp.close();
  http.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
