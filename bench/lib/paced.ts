// Open-loop load at a fixed rate (a separate process, pinned by the caller): requests are due every
// 1/rate seconds whether or not earlier ones were answered, and each latency is measured from when the
// request was DUE, so a stalled server is not hidden by a generator that politely waited for it.
//   node bench/lib/paced.ts <url> <rate/s> <seconds> <max connections> <body file>  → one JSON line
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadResult } from './stats.ts';

const [url = '', rateText = '100', secondsText = '5', connText = '64', bodyFile] = process.argv.slice(2);
const rate = Number(rateText);
const body = bodyFile ? readFileSync(bodyFile) : undefined;
const agent = new Agent({ keepAlive: true, maxSockets: Number(connText) });
const target = new URL(url);
const latencies: number[] = [];
let errors = 0;

function send(due: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: body ? 'POST' : 'GET',
        agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) errors++;
          else latencies.push(performance.now() - due);
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

const start = performance.now();
const end = start + Number(secondsText) * 1000;
const inflight: Promise<void>[] = [];
let sent = 0;
while (performance.now() < end) {
  const now = performance.now();
  // every request due by now is sent now (timers are coarse; the due time is what latency counts from)
  while (start + (sent * 1000) / rate <= now) inflight.push(send(start + (sent++ * 1000) / rate));
  await new Promise((r) => setTimeout(r, 1));
}
await Promise.all(inflight);
agent.destroy();
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify(loadResult(latencies, seconds, errors)));
