// Real `events` rows as the ingest writes them, into a file of JSON lines: 100-event POSTs through the app
// (normalisation, enrichment, validation) and the real data path, over a store that keeps what the data
// path inserts into `events` instead of inserting it. The events vary as a site's do: a few thousand
// visitors and sessions, a few hundred pages and referrers, user agents, campaigns and impressions.
//   node bench/engine-rows.ts OUT [ROWS]   (bench/engine.ts reads the file)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps } from '../ingest/app.ts';
import { parseConfig } from '../ingest/config.ts';
import { createDataPath } from '../ingest/datapath/index.ts';
import { disabledGeoIp } from '../ingest/geoip/geoip.ts';
import { testDeps } from '../ingest/testing/deps.ts';
import type { JsonLines } from '../store/contract.ts';
import { joinedLines } from '../store/sql.ts';

const [out = '/tmp/engine-rows.jsonl', rowsText = '50000'] = process.argv.slice(2);
const ROWS = Number(rowsText);
const kept: Buffer[] = [];
const keeping = {
  kind: 'embedded',
  insert: async () => {},
  insertJsonLines: async (table: string, lines: JsonLines) => {
    const body = await joinedLines(lines);
    if (table === 'events') kept.push(Buffer.from(body));
  },
  query: async () => [],
  command: async () => {},
  ping: async () => true,
  close: async () => {},
};

const dir = mkdtempSync(join(tmpdir(), 'bench-engine-rows-'));
const config = { spool: { dir: join(dir, 'spool') } };
const cfg = parseConfig(config);
const dataPath = await createDataPath(
  { store: cfg.store, spool: cfg.spool, batching: cfg.batching, retention: cfg.retention },
  { store: keeping as never, migrate: false },
);
const { app } = await buildApps(await testDeps(dataPath, config, { geo: disabledGeoIp }), { logger: false });

// A small deterministic generator, so every run inserts the same rows.
let seed = 1;
/** mulberry32: a uniform integer below n. */
const rand = (n: number) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const uuid = (kind: number, n: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
];
const ENAMES = ['page_view', 'page_view', 'page_view', 'click', 'scroll', 'impression', 'conversion'];
function event(): Record<string, unknown> {
  const v = rand(3000);
  const ename = ENAMES[rand(ENAMES.length)] as string;
  return {
    vid: uuid(1, v),
    sid: uuid(2, v * 3 + rand(3)),
    oid: uuid(3, rand(3)),
    ...(rand(4) === 0 ? { uid: uuid(4, v) } : {}),
    ename,
    ...(ename === 'impression' ? { etyp: 'impression' } : {}),
    url: `https://shop.example/p/${rand(300)}?q=${rand(10)}`,
    ...(rand(2) === 0 ? { last: `https://search.example/?q=${rand(200)}` } : {}),
    ...(rand(3) === 0
      ? { source: 'news', medium: 'email', campaign: `c${rand(20)}`, xid: `x${rand(4)}` }
      : {}),
    vp_w: 1280 + rand(3) * 160,
    vp_h: 720,
    ...(rand(2) === 0 ? { plan: 'pro', items: rand(9) } : {}),
  };
}

let posted = 0;
while (posted < ROWS) {
  const body = JSON.stringify(Array.from({ length: Math.min(100, ROWS - posted) }, event));
  const headers = {
    'user-agent': AGENTS[rand(AGENTS.length)] as string,
    'x-forwarded-for': `203.0.113.${rand(250)}`,
  };
  const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: body, headers });
  if (res.statusCode !== 200) throw new Error(`POST answered ${res.statusCode}: ${res.body}`);
  posted += 100;
}
await app.close();
const alive = setInterval(() => {}, 100); // the data path's timers do not hold the process
await dataPath.settled(['events']);
clearInterval(alive);
await dataPath.close(10_000);
const lines = Buffer.concat(kept);
writeFileSync(out, lines);
console.log(`${lines.toString().split('\n').filter(Boolean).length} rows, ${lines.length} bytes in ${out}`);
rmSync(dir, { recursive: true, force: true });
