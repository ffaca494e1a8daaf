// SIGTERM while an append waits for its JetStream PubAck: the request is answered 200 once the PubAck
// comes, and its row is stored once. The ingest closes its listener first and waits for the requests in
// flight (their appends are durable), and only then drains the data path and closes the NATS connection;
// the other order would reject the waiting publish (503) while the server may have stored the message.
// The real ingest process; a nats-server of its own, stopped (SIGSTOP) so that the publish waits.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { startNats } from '../../e2e/env/nats.ts';
import { waitFor } from '../../e2e/env/wait.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/**
 * Bytes the kernel holds for the server's end of the connection from client port `peer` to `port` (a
 * stopped server reads none). Only the spool's connection counts: the ingest has others to the same
 * server (the erasure journal's), whose traffic would pass for the publish.
 */
function unread(port: number, peer: number): number {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  let bytes = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, state, queues] = line.trim().split(/\s+/);
    if (local?.endsWith(`:${hex(port)}`) && remote?.endsWith(`:${hex(peer)}`) && state === '01')
      bytes += Number.parseInt(queues?.split(':')[1] ?? '0', 16);
  }
  return bytes;
}

/** The client port of the spool's connection, as the server's monitoring sees it (by connection name). */
async function spoolPeer(monitorUrl: string): Promise<number> {
  const connz = (await (await fetch(`${monitorUrl}/connz`)).json()) as {
    connections: { name?: string; port: number }[];
  };
  const spool = connz.connections.find((c) => c.name === 'tracker-spool');
  if (spool === undefined) throw new Error('no tracker-spool connection on the NATS server');
  return spool.port;
}

const track = (url: string) =>
  fetch(`${url}/tr/v1/tr/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'CookieConsent=3' },
    body: JSON.stringify({ ename: 'page_view' }),
  });

describe('SIGTERM while a JetStream publish waits for its PubAck', () => {
  it('answers the request 200 once the PubAck comes and stores its row once', async () => {
    const nats = await startNats(mkdtempSync(join(tmpdir(), 'sigterm-nats-')));
    stops.push(() => nats.process.stop());
    const port = Number(new URL(nats.url).port);
    const ingest = await ingestProcess({
      spool: { kind: 'nats', nats: { url: nats.url, stream: 'SIGTERM_SPOOL', subjectPrefix: 'sigterm' } },
      batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } },
    });
    stops.push(() => ingest.crash());
    await ingest.start();

    const peer = await spoolPeer(nats.monitorUrl);
    nats.process.child.kill('SIGSTOP');
    stops.push(async () => void nats.process.child.kill('SIGCONT'));
    await waitFor(async () => unread(port, peer) === 0 || undefined, {
      what: 'nothing unread',
      timeoutMs: 5_000,
    });
    const answered = track(ingest.url);
    await waitFor(async () => unread(port, peer) > 0 || undefined, {
      what: 'the publish sent',
      timeoutMs: 10_000,
    });
    const stopped = ingest.stop();
    await waitFor(async () => ingest.output().includes('draining') || undefined, { what: 'the drain' });
    nats.process.child.kill('SIGCONT');

    expect((await answered).status).toBe(200);
    await stopped;
    const [r] = await ingest.query<{ n: string; u: string }>(
      'SELECT count() AS n, uniqExact(eid) AS u FROM events',
    );
    expect({ n: Number(r?.n), u: Number(r?.u) }).toEqual({ n: 1, u: 1 });
  });
});
