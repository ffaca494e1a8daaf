// TEST DOUBLE: "clickhouse-client" in the stand-in image, for the one use the end-to-end suite makes of the
// real one: `clickhouse-client [--password P] [--user U] -q "SQL"` against the server in the same pod. It
// sends the statement over HTTP to the stand-in server (http_port from config.d) and prints the result as
// TabSeparated, like the real client. Anything else exits 2.
import { parseArgs } from 'node:util';
import { at, readMerged } from './config.ts';

const { values } = parseArgs({
  options: {
    query: { type: 'string', short: 'q' },
    password: { type: 'string' },
    user: { type: 'string', short: 'u', default: 'default' },
  },
});
if (values.query === undefined) {
  console.error('clickhouse-client stand-in: only -q/--query SQL is supported');
  process.exit(2);
}
const config = readMerged([], ['/etc/clickhouse-server/config.d']);
const port = Number(at(config, 'http_port') ?? 8123);
const res = await fetch(`http://127.0.0.1:${port}/?default_format=TabSeparated`, {
  method: 'POST',
  headers: { 'X-ClickHouse-User': values.user, 'X-ClickHouse-Key': values.password ?? '' },
  body: values.query,
});
const text = await res.text();
if (!res.ok) {
  process.stderr.write(text);
  process.exit(1);
}
process.stdout.write(text);
