// A child process for the crash and SIGTERM tests: it runs the real data path (durable spool +
// embedded chdb) and reports progress on stdout, one JSON object per line.
//   node disk-child.ts ingest <dir> <total>   resume after what is already stored, append the rest in
//                                             groups of 10 (each awaited: the durable set is a prefix)
//   node disk-child.ts hold <dir> <total>     append <total> rows that the time strategy holds back,
//                                             print "ready", and on SIGTERM close (drain) before exiting
//   node disk-child.ts count <dir>            print {count, uniq, max} of the events table
import { join } from 'node:path';
import { parseConfig } from '../../config.ts';
import { createDataPath } from '../datapath.ts';
import { reportStored, row, say, stored } from './crash-rows.ts';

const [mode, dir = '', totalArg = '0'] = process.argv.slice(2);
const total = Number(totalArg);

function open(delayMs: number) {
  return createDataPath(
    parseConfig({
      store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
      // the default group commit (adaptive): the mode every deployment runs
      spool: { dir: join(dir, 'spool') },
      batching: {
        tables: {
          events:
            delayMs > 1000
              ? { strategy: 'time', maxDelayMs: delayMs }
              : { strategy: 'hybrid', maxRows: 50, maxDelayMs: delayMs },
        },
      },
    }),
  );
}

async function ingest(): Promise<void> {
  const dp = await open(20);
  // Rows recovered from the spool are replayed first; wait until they are in the store before looking at
  // it. A queue's rows drop to 0 when the last batch is cut, while its insert may still be running; the
  // spool's bytes drop to 0 only once every batch is committed and its segments deleted.
  const replaying = () => {
    const s = dp.status();
    return s.spoolBytes > 0 || Object.values(s.queues).some((q) => q.rows > 0);
  };
  while (replaying()) await new Promise((r) => setTimeout(r, 10));
  const { max } = await stored(dp.store);
  say({ resume: max });
  for (let i = max + 1; i < total; i += 10) {
    const group = Array.from({ length: Math.min(10, total - i) }, (_v, k) => row(i + k));
    await dp.append('events', group);
    say({ ack: i + group.length - 1 });
  }
  await dp.close(30_000);
  say({ done: true });
}

async function hold(): Promise<void> {
  const dp = await open(600_000);
  process.once('SIGTERM', () => {
    void dp.close(20_000).then(() => {
      say({ closed: true });
      process.exit(0);
    });
  });
  for (let i = 0; i < total; i += 10)
    await dp.append(
      'events',
      Array.from({ length: 10 }, (_v, k) => row(i + k)),
    );
  say({ ready: dp.status().queues.events?.rows });
  // Stands in for the HTTP server that keeps a real ingest process alive until it is told to stop.
  setInterval(() => undefined, 60_000);
}

const modes: Record<string, () => Promise<void>> = { ingest, hold, count: () => reportStored(dir) };
await (modes[mode ?? ''] ?? (() => Promise.reject(new Error(`unknown mode ${mode}`))))();
