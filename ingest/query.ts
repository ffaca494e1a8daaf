// Query what the ingest stored: `node ingest/query.ts [--config file] "SELECT …"`. Uses the same
// configuration as the server. The embedded engine (chdb) allows one process per data directory, so for
// the default embedded store stop the server first (Ctrl-C drains everything into the store); a
// clickhouse store can be queried while the server runs.
import { parseArgs } from 'node:util';
import { ConfigError } from '../common/config/problems.ts';
import { createStore } from '../store/index.ts';
import { loadConfig } from './config.ts';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const sql =
    positionals.join(' ').trim() ||
    'SELECT created_at, ename, etyp, vid, url FROM events ORDER BY created_at DESC LIMIT 20';
  const config = loadConfig(values.config);
  const store = await createStore(config.store);
  try {
    const rows = await store.query(sql);
    if (values.json) for (const r of rows) console.log(JSON.stringify(r));
    else console.table(rows);
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `query failed: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
