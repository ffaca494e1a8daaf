// `tracker prune`: wiring only. Reads the ingest configuration (the same file and TRACKER_* variables as the
// ingest: the store to prune and the default retention), builds the request from the flags, opens the
// store (or each server of store.hostUrls in turn), runs the plan and prints the report.
import { Command, Option } from 'commander';
import { type Config, loadConfig, storeRendering } from '../../ingest/config.ts';
import type { Rendering } from '../../schema/index.ts';
import { createStore, EmbeddedStoreLocked, missingEmbeddedData } from '../../store/index.ts';
import { exitCode, formatReport } from './report.ts';
import { type PruneFlags, type PruneRequest, pruneRequest } from './request.ts';
import { runPrune } from './run.ts';

type Flags = PruneFlags & { config?: string };

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function pruneCommand(out: (text: string) => void, setExit: (code: number) => void): Command {
  return new Command('prune')
    .description(
      'delete or anonymise rows older than their retention, or every row of listed visitors (dry run unless --apply)',
    )
    .option('-c, --config <file>', 'ingest configuration (default: $TRACKER_CONFIG, else the defaults)')
    .addOption(new Option('--mode <mode>', 'what happens to the rows').choices(['delete', 'anonymise']))
    .option('--apply', 'change the rows (without it: count them and change nothing)')
    .option('--days <n>', 'days to keep in every table (default: retention.defaultDays)')
    .option(
      '--table <table=days>',
      'days to keep in one table (repeatable; default: retention.tables)',
      collect,
    )
    .option('--visitors <file>', 'prune the rows of these vids (one UUID per line, - for stdin), any age')
    .option('--users <file>', 'prune the rows of these uids (one UUID per line), any age')
    .option('--batch-size <n>', 'visitors per statement with --visitors/--users', '1000')
    .action(async (flags: Flags) => {
      // Prune reads the store's password and nothing else the ingest reads (TLS, hash key, GeoIP): its
      // CronJob mounts only the configuration and the password.
      const config = loadConfig(flags.config, process.env, { files: ['store.passwordFile'] });
      const request = pruneRequest(flags, config.retention);
      const missing = missingEmbeddedData(config.store);
      if (missing !== undefined) throw new Error(`${missing}. Nothing was changed`);
      let code = 0;
      // Servers that each hold their own tables (store.hostUrls) are pruned one after the other, each as
      // a single node: a mutation on one does not reach the others' rows.
      for (const target of storesToPrune(config.store)) {
        const report = await pruneOne(target, storeRendering(config.store), request);
        out(formatReport(report));
        code = Math.max(code, exitCode(report));
      }
      setExit(code);
    });
}

type Target = { readonly store: Config['store']; readonly host?: string };

/** The store to prune, or each server of store.hostUrls (named in its report). */
function storesToPrune(store: Config['store']): Target[] {
  if (store.kind !== 'clickhouse' || store.hostUrls === undefined) return [{ store }];
  return store.hostUrls.map((url) => ({ store: { ...store, url, hostUrls: undefined }, host: url }));
}

async function pruneOne(target: Target, rendering: Rendering, request: PruneRequest) {
  const store = await createStore(target.store).catch((err: unknown) => {
    if (err instanceof EmbeddedStoreLocked) {
      throw new Error(`${err.message}. Nothing was changed: stop the ingest, then run tracker prune again`);
    }
    throw err;
  });
  try {
    const report = await runPrune(store, rendering, request);
    return target.host === undefined ? report : { ...report, host: target.host };
  } finally {
    await store.close();
  }
}
