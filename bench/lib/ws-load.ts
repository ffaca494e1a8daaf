// WebSocket load (a separate process, pinned by the caller): `connections` sockets each send a
// 100-event frame with an `ack` and wait for the ack (sent once the events are durable) before the next.
//   node bench/lib/ws-load.ts <ws url> <connections> <seconds> <events per frame>  → one JSON line
import WebSocket from 'ws';
import { loadResult } from './stats.ts';

const [url = '', connText = '16', secondsText = '5', eventsText = '100'] = process.argv.slice(2);
const events = Number(eventsText);
const end = performance.now() + Number(secondsText) * 1000;
const latencies: number[] = [];
let errors = 0;

async function connection(): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let ack = 0;
  while (performance.now() < end) {
    const id = ++ack;
    const frame = JSON.stringify(
      Array.from({ length: events }, (_, n) => ({ ...(n === 0 ? { ack: id } : {}), ename: 'bench_ws', n })),
    );
    const t0 = performance.now();
    const answer = await new Promise<{ error?: string }>((resolve) => {
      ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { error?: string }));
      ws.send(frame);
    });
    if (answer.error) errors++;
    else latencies.push(performance.now() - t0);
  }
  ws.close();
}

const t0 = performance.now();
await Promise.all(Array.from({ length: Number(connText) }, connection));
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify(loadResult(latencies, seconds, errors)));
