// `tracker migrate`: wiring only. Reads the ingest configuration (the same file and TRACKER_* variables
// as the ingest: the store, the retention, the rollup rules), then applies the schema to the store: one
// server; a cluster, ON CLUSTER from the server at store.url; or each server of store.hostUrls in turn,
// each as a single node. With --dry-run it reads what is there and lists what a run would apply.
import { Command } from 'commander';
import { type Config, loadConfig, storeRendering } from '../../ingest/config.ts';
import { createStore, EmbeddedStoreLocked, missingEmbeddedData } from '../../store/index.ts';
import { classify, schemaOwned } from './errors.ts';
import { exitCode, formatReport } from './report.ts';
import { type MigrateRequest, runMigrate } from './run.ts';

type Flags = { config?: string; dryRun?: boolean; force?: boolean };

export function migrateCommand(out: (text: string) => void, setExit: (code: number) => void): Command {
  return new Command('migrate')
    .description(
      "create or update the tracker's tables on the configured store (the schema migrations, the rollup rules, the retention)",
    )
    .option('-c, --config <file>', 'ingest configuration (default: $TRACKER_CONFIG, else the defaults)')
    .option('--dry-run', 'list what would be applied and change nothing (exit 2 when something would be)')
    .option('--force', 'apply a schema the operator applies (store.schemaOwner: operator) all the same')
    .action(async (flags: Flags) => {
      // Like prune: the store's password is the one file it reads (TLS, hash key, GeoIP are the ingest's).
      const config = loadConfig(flags.config, process.env, { files: ['store.passwordFile'] });
      // Run without the ingest's --config, migrate would make an empty embedded store in this directory and
      // say it was done; the ingest creates the embedded store's tables itself anyway.
      const missing = missingEmbeddedData(config.store);
      if (missing !== undefined) throw new Error(`${missing}. Nothing was applied`);
      refuseOwned(config.store, flags);
      const request: MigrateRequest = {
        rendering: storeRendering(config.store),
        retention: config.retention,
        rollups: config.rollups,
        dryRun: flags.dryRun === true,
      };
      let code = 0;
      for (const target of storesToMigrate(config.store)) {
        const report = await migrateOne(target, request);
        out(formatReport(report));
        code = Math.max(code, exitCode(report));
      }
      setExit(code);
    });
}

/** A run that would write a schema the operator applies is refused unless forced; a dry run writes nothing. */
function refuseOwned(store: Config['store'], flags: Flags): void {
  if (store.kind !== 'clickhouse' || store.schemaOwner !== 'operator') return;
  if (flags.dryRun !== true && flags.force !== true) throw schemaOwned(store.url);
}

type Target = { readonly store: Config['store']; readonly host?: string };

/** The store, or each server of store.hostUrls (each holds its own tables; named in its report). */
function storesToMigrate(store: Config['store']): Target[] {
  if (store.kind !== 'clickhouse' || store.hostUrls === undefined) return [{ store }];
  return store.hostUrls.map((url) => ({ store: { ...store, url, hostUrls: undefined }, host: url }));
}

async function migrateOne(target: Target, request: MigrateRequest) {
  const store = await createStore(target.store).catch((err: unknown) => {
    if (err instanceof EmbeddedStoreLocked)
      throw new Error(
        `${err.message}. Nothing was applied: the ingest applies the schema itself at start on the embedded store`,
      );
    throw err;
  });
  try {
    const report = await runMigrate(store, request);
    return target.host === undefined ? report : { ...report, host: target.host };
  } catch (err) {
    if (target.store.kind !== 'clickhouse') throw err;
    const { url, username, database } = target.store;
    throw classify(err, { url, username, database }) ?? err;
  } finally {
    await store.close();
  }
}
