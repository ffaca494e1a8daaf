// /status of an ingest whose spool is a JetStream stream: it said `"nats": null`, as if nothing ran on NATS,
// and nothing told the spool's kind or whether its connection was up. It now tells both, up and then down.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNats } from '../../../e2e/env/nats.ts';
import { startLive } from '../../testing/live.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

interface Status {
  dataPath: { spool: unknown };
  nats: unknown;
}

describe('/status with the NATS spool', () => {
  it("names the spool and tells its connection's state", async () => {
    const nats = await startNats(mkdtempSync(join(tmpdir(), 'status-nats-')));
    stops.push(() => nats.process.stop());
    const live = await startLive({
      spool: { kind: 'nats', nats: { url: nats.url, stream: 'STATUS_SPOOL', subjectPrefix: 'status' } },
    });
    stops.push(() => live.close());
    const status = async () => (await (await fetch(`${live.opsUrl}/status`)).json()) as Status;

    const up = await status();
    expect(up.dataPath.spool).toEqual({ kind: 'nats', connected: true });
    expect(up.nats).toEqual({ spool: { connected: true }, publish: null });

    await nats.process.stop();
    await expect
      .poll(async () => (await status()).nats, { timeout: 10_000 })
      .toEqual({
        spool: { connected: false },
        publish: null,
      });
  });
});
