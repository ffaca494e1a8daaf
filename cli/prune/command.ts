// `tracker prune`: wiring only. Reads the ingest configuration (the same file and TRACKER_* variables as the
// ingest: the store to prune and the default retention), builds the request from the flags, opens the
// store, runs the plan and prints the report.
import { Command, Option } from 'commander';
import { loadConfig } from '../../ingest/config.ts';
import type { Rendering } from '../../schema/index.ts';
import { createStore, EmbeddedStoreLocked, missingEmbeddedData } from '../../store/index.ts';
import { exitCode, formatReport } from './report.ts';
import { type PruneFlags, pruneRequest } from './request.ts';
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
      const rendering: Rendering =
        config.store.kind === 'clickhouse' && config.store.cluster !== undefined
          ? { database: config.store.database, cluster: config.store.cluster }
          : { database: config.store.database };
      const missing = missingEmbeddedData(config.store);
      if (missing !== undefined) throw new Error(`${missing}. Nothing was changed`);
      const store = await createStore(config.store).catch((err: unknown) => {
        if (err instanceof EmbeddedStoreLocked) {
          throw new Error(
            `${err.message}. Nothing was changed: stop the ingest, then run tracker prune again`,
          );
        }
        throw err;
      });
      try {
        const report = await runPrune(store, rendering, request);
        out(formatReport(report));
        setExit(exitCode(report));
      } finally {
        await store.close();
      }
    });
}
