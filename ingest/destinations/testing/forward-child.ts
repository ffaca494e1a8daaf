// Child process of the destinations crash tests: the real ingest runtime (data path, embedded chdb, the
// destinations stage) with a Facebook destination pointed at the parent's Graph API test double.
// It appends events with the marketing bit and reports progress as JSON lines:
//   node forward-child.ts <dir> <graphUrl> <from> <total> [<natsUrl> <id>]
//   → {ready}, then {ack: i} once events through i are durable, then {appended}; it keeps forwarding
//     until SIGTERM (graceful close) or SIGKILL (the test's crash).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../config.ts';
import { testEid as crashEid } from '../../datapath/testing/rows.ts';
import { createRuntime } from '../../runtime.ts';

const [dir = '', graphUrl = '', fromArg = '0', totalArg = '0', natsUrl, id = ''] = process.argv.slice(2);
const say = (msg: object) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const spool = natsUrl
  ? {
      kind: 'nats',
      dir: join(dir, 'spool'),
      nats: { url: natsUrl, stream: `SPOOL_${id}`, subjectPrefix: `spool.${id.toLowerCase()}` },
    }
  : { dir: join(dir, 'spool'), fsyncIntervalMs: 1 };
writeFileSync(join(dir, 'token'), 'EAAB-crash-token');
const config = parseConfig({
  server: { stateDir: join(dir, 'state') },
  store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' },
  spool,
  batching: { tables: { events: { strategy: 'hybrid', maxRows: 50, maxDelayMs: 20 } } },
  destinations: {
    dir: join(dir, 'destinations'),
    nats: { streamPrefix: `DEST_${id}`, subjectPrefix: `dest.${id.toLowerCase()}`, ackWaitMs: 2000 },
    facebook: [
      {
        name: 'fb',
        pixelId: '7',
        accessTokenFile: join(dir, 'token'),
        graphApiUrl: graphUrl,
        delivery: { maxEventsPerRequest: 20, requestsPerSecond: 200, backoffMs: 10, maxBackoffMs: 100 },
      },
    ],
  },
});

const runtime = await createRuntime(config);
process.once('SIGTERM', () => {
  void runtime.close(10_000).then(() => process.exit(0));
});
say({ ready: true });
const total = Number(totalArg);
for (let i = Number(fromArg); i < total; i += 10) {
  const n = Math.min(10, total - i);
  const rows = Array.from({ length: n }, (_v, k) => ({
    eid: crashEid(i + k),
    ename: 'purchase',
    cflags: 4, // the marketing bit (privacy.consentBits: marketing = 2)
    duration: i + k,
    created_at: new Date().toISOString(),
  }));
  await runtime.deps.dataPath.append('events', rows);
  say({ ack: i + n - 1 });
}
say({ appended: true });
// Stands in for the HTTP server that keeps a real ingest alive until it is told to stop.
setInterval(() => undefined, 60_000);
