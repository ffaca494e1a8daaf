// Diagnostic preload for a server under test (node --import), never part of the product: V8's sampling
// heap profiler, keeping the samples of objects that a young-generation collection did not free (those
// that were promoted to the old generation, whether still live or freed since by a full collection).
// Every second one JSON line to PROMOTED_SAMPLES: the bytes sampled so far by allocating frame and its
// caller. The difference between two lines is what was promoted in between, by where it was allocated:
// the garbage that waits for a full collection. Plain JavaScript so that it loads no type stripper.
import { appendFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.PROMOTED_SAMPLES;
const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

function frame(node) {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\//, '')}:${f.lineNumber + 1}`;
}

function bySite(head) {
  const out = {};
  const walk = (node, caller) => {
    const here = frame(node);
    if (node.selfSize > 0) out[`${here} < ${caller}`] = (out[`${here} < ${caller}`] ?? 0) + node.selfSize;
    for (const child of node.children) walk(child, here);
  };
  walk(head, '');
  return out;
}

if (file) {
  const t0 = performance.now();
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  });
  setInterval(async () => {
    const { profile } = await post('HeapProfiler.getSamplingProfile');
    const line = { t: Math.round(performance.now() - t0), bytes: bySite(profile.head) };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000).unref();
}
