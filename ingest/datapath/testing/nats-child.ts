// Child process of spool/nats-crash.int.test.ts: the real data path with the JetStream spool and the
// embedded store, reporting progress on stdout as JSON lines (like disk-child.ts for the disk spool).
//   node nats-child.ts ingest <dir> <natsUrl> <stream> <total>
//   node nats-child.ts tear <dir> <natsUrl> <stream> <total>   append <total> rows (acked), cut them
//       into one batch, and SIGKILL itself the moment the engine has inserted it (before the commit)
//   node nats-child.ts count <dir>
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EmbeddedStore } from '../../../store/index.ts';
import { parseConfig } from '../../config.ts';
import { createDataPath, type DataPathConfig } from '../datapath.ts';
import { reportStored, row, say, stored } from './crash-rows.ts';

const [mode, dir = '', url = '', stream = '', totalArg = '0'] = process.argv.slice(2);

const config = (events: object): DataPathConfig =>
  parseConfig({
    store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
    spool: {
      kind: 'nats',
      dir: join(dir, 'spool'),
      // Subjects are lower case (the configuration schema's pattern); stream names need not be.
      nats: { url, stream, subjectPrefix: `crash.${stream.toLowerCase()}` },
    },
    batching: { tables: { events } },
  });

/** Waits until the stream is empty: every row a previous run left (acknowledged or not) is stored. */
async function drained(): Promise<void> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  while ((await jsm.streams.info(stream).catch(() => undefined))?.state.messages !== 0)
    await new Promise((r) => setTimeout(r, 20));
  await nc.close();
}

async function ingest(): Promise<void> {
  const total = Number(totalArg);
  const dp = await createDataPath(config({ strategy: 'hybrid', maxRows: 50, maxDelayMs: 20 }));
  await drained();
  const { max } = await stored(dp.store);
  say({ resume: max });
  for (let i = max + 1; i < total; i += 10) {
    await dp.append(
      'events',
      Array.from({ length: Math.min(10, total - i) }, (_v, k) => row(i + k)),
    );
    say({ ack: Math.min(i + 9, total - 1) });
  }
  await dp.close(30_000);
  say({ done: true });
}

async function tear(): Promise<void> {
  const total = Number(totalArg);
  const store = await EmbeddedStore.open({ path: join(dir, 'chdb'), database: 'tracker' });
  const insert = store.insertJsonLines.bind(store);
  store.insertJsonLines = async (table, lines, opts) => {
    await insert(table, lines, opts);
    process.kill(process.pid, 'SIGKILL');
  };
  // one batch of all the rows: cut when the last of them is appended, never earlier
  const dp = await createDataPath(config({ strategy: 'hybrid', maxRows: total, maxDelayMs: 600_000 }), {
    store,
    migrate: true,
  });
  for (let i = 0; i < total; i += 10) {
    await dp.append(
      'events',
      Array.from({ length: Math.min(10, total - i) }, (_v, k) => row(i + k)),
    );
    say({ ack: Math.min(i + 9, total - 1) });
  }
}

const modes: Record<string, () => Promise<void>> = { ingest, tear, count: () => reportStored(dir) };
await modes[mode as string]?.();
