// TEST SUPPORT: the real ingest process (real configuration, runtime, data path and NATS) with its request
// clock frozen at one instant, so a test can count exactly what a rate limit lets through in that instant
// without racing the wall clock. `node ingest/testing/frozen-clock-server.ts <config file> <epoch ms>`;
// prints {"url": …} once listening, drains and exits on SIGTERM like ingest/server.ts.
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createRuntime } from '../runtime.ts';

const [file, at] = process.argv.slice(2);
const config = loadConfig(file);
const runtime = await createRuntime(config, { log: (msg, err) => console.error(msg, err) });
const app = await buildApp({ ...runtime.deps, now: () => Number(at) });
await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }));
process.on('SIGTERM', async () => {
  await app.close();
  await runtime.close(5000);
  process.exit(0);
});
