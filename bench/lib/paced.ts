// Open-loop load at a fixed rate (a separate process, pinned by the caller): requests are due every
// 1/rate seconds whether or not earlier ones were answered, and each latency is measured from when the
// request was DUE, so a stalled server is not hidden by a generator that politely waited for it.
// The first second runs at the same rate uncounted: opening the connections and compiling this process's
// own code delayed the first ~100 ms of requests, which alone made the p99 of a 10 s run against a bare
// Fastify server 54–93 ms.
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

const WARMUP_MS = 1000;

function send(due: number, counted: boolean): Promise<void> {
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
          else if (counted) latencies.push(performance.now() - due);
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

const origin = performance.now();
const start = origin + WARMUP_MS;
const end = start + Number(secondsText) * 1000;
let sent = 0;
let outstanding = 0;
let drained: (() => void) | undefined;
const track = (p: Promise<void>) => {
  outstanding++;
  void p.then(() => {
    if (--outstanding === 0) drained?.();
  });
};
while (performance.now() < end) {
  const now = performance.now();
  // every request due by now is sent now (timers are coarse; the due time is what latency counts from)
  for (let due = origin + (sent * 1000) / rate; due <= now; due = origin + (sent * 1000) / rate) {
    sent++;
    track(send(due, due >= start));
  }
  await new Promise((r) => setTimeout(r, 1));
}
if (outstanding > 0) await new Promise<void>((r) => (drained = r));
agent.destroy();
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify(loadResult(latencies, seconds, errors)));
