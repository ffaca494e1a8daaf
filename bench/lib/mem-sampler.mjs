// Diagnostic preload for a server under test (node --import), never part of the product: every 100 ms
// appends one JSON line to MEM_SAMPLES with the resident size split as /proc/self/smaps_rollup splits it
// (anonymous, file-backed), process.memoryUsage() and the V8 heap per space, and counts the collections
// V8 ran since the line before (PerformanceObserver 'gc'). Plain JavaScript so that loading it does not
// load Node's TypeScript stripper into the process being measured.
//
// MEM_TRACK=1 also follows large buffers (Buffer.allocUnsafe / allocUnsafeSlow / alloc / concat / from of
// 32 KiB or more, where the process's large allocations from JavaScript come from): by the caller's
// frame, the bytes allocated and still not collected, and how long the collected ones lived. It costs a
// stack trace per large buffer: read its lines for where memory goes, not for time.
import { appendFileSync, readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.MEM_SAMPLES;
const MiB = 2 ** 20;
const round = (n) => Math.round((n / MiB) * 10) / 10;
const t0 = performance.now();
const gcs = { minor: 0, major: 0, ms: 0 };
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'major', 8: 'major' };

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = GC_KINDS[e.detail?.kind] ?? 'minor';
    gcs[kind]++;
    gcs.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

function smaps() {
  const out = {};
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(Rss|Anonymous|Pss_File):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) / 1024;
  }
  return out;
}

/** Large buffers by allocating frame: { allocated, live } bytes, and lifetimes of the collected ones. */
const sites = new Map();
const registry = new FinalizationRegistry(({ site, bytes, born }) => {
  const s = sites.get(site);
  s.live -= bytes;
  s.freed++;
  s.lifeMs += performance.now() - born;
});

function siteOf() {
  const stack = new Error().stack?.split('\n') ?? [];
  // [0] "Error", [1] this function, [2] the wrapper, [3..] the callers: two frames name the site.
  return stack
    .slice(3, 5)
    .map((l) =>
      l
        .trim()
        .replace(/^at /, '')
        .replace(/\(.*\/([^/]+:\d+):\d+\)/, '($1)'),
    )
    .join(' < ');
}

function track(buf) {
  if (buf.length < 32 * 1024) return buf;
  const site = siteOf();
  const s = sites.get(site) ?? { allocated: 0, live: 0, count: 0, freed: 0, lifeMs: 0 };
  s.allocated += buf.length;
  s.live += buf.length;
  s.count++;
  sites.set(site, s);
  registry.register(buf.buffer, { site, bytes: buf.length, born: performance.now() });
  return buf;
}

if (process.env.MEM_TRACK === '1') {
  for (const name of ['allocUnsafe', 'allocUnsafeSlow', 'alloc', 'concat', 'from']) {
    const original = Buffer[name];
    Buffer[name] = function (...args) {
      const made = original.apply(this, args);
      // Buffer.from(arrayBuffer) is a view of memory already followed (or not ours): no new allocation
      return name === 'from' && made.buffer === args[0] ? made : track(made);
    };
  }
}

function sample() {
  const m = process.memoryUsage();
  const spaces = {};
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_size > 0)
      spaces[s.space_name.replace('_space', '')] = [round(s.space_used_size), round(s.space_size)];
  }
  const r = smaps();
  const line = {
    t: Math.round(performance.now() - t0),
    rss: round(r.Rss * MiB),
    anon: round(r.Anonymous * MiB),
    file: round(r.Pss_File * MiB),
    heapUsed: round(m.heapUsed),
    heapTotal: round(m.heapTotal),
    ab: round(m.arrayBuffers),
    ext: round(m.external),
    spaces,
    gc: { ...gcs, ms: Math.round(gcs.ms) },
  };
  gcs.minor = 0;
  gcs.major = 0;
  gcs.ms = 0;
  if (sites.size > 0) {
    line.sites = Object.fromEntries(
      [...sites]
        .filter(([, s]) => s.allocated > 0)
        .map(([k, s]) => [
          k,
          [round(s.allocated), round(s.live), s.count, s.freed ? Math.round(s.lifeMs / s.freed) : null],
        ]),
    );
  }
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

if (file) setInterval(sample, 100).unref();
