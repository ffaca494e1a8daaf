// Child process of torn-inserts.int.test.ts: one embedded engine per process (chdb binds one data directory
// per process and keeps it until the process ends), so each "run" of the engine is a process of its own.
//   node engine-child.ts <dir> <steps as JSON>
// Steps run in order: {insert: x, token} inserts the row {x} with that deduplication token; {merge: true}
// merges the table's parts; {kill: true} ends the process with SIGKILL (the engine's files as a crash
// leaves them). Prints {torn, xs} (the inserts forgotten at open, the rows stored) before a kill or exit.
import { EmbeddedStore } from '../embedded.ts';

type Step = { insert: number; token: string } | { merge: true } | { kill: true };

const [dir = '', stepsArg = '[]'] = process.argv.slice(2);
const store = await EmbeddedStore.open({ path: dir, database: 'torn' });
await store.command(
  'CREATE TABLE IF NOT EXISTS rows (x UInt64) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100',
);
const report = async () => {
  const rows = await store.query<{ x: string }>('SELECT x FROM rows ORDER BY x');
  process.stdout.write(`${JSON.stringify({ torn: store.tornInserts, xs: rows.map((r) => Number(r.x)) })}\n`);
};
for (const step of JSON.parse(stepsArg) as Step[]) {
  if ('insert' in step) await store.insert('rows', [{ x: step.insert }], { dedupToken: step.token });
  else if ('merge' in step) await store.command('OPTIMIZE TABLE rows FINAL');
  else {
    await report();
    process.kill(process.pid, 'SIGKILL');
  }
}
await report();
await store.close();
