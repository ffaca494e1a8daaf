// Top functions of a V8 CPU profile by self time: node bench/profile-top.ts file.cpuprofile [N]
// (profiles come from `PROFILE_DIR=dir make bench`, which starts every server with --cpu-prof).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const root = new URL('..', import.meta.url).pathname;
const [file, n = '25'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node bench/profile-top.ts file.cpuprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const f = byId.get(id)?.callFrame;
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  if (f === undefined) return;
  const where = f.url.startsWith('file://') ? relative(root, new URL(f.url).pathname) : f.url;
  const key = `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
});
const busy = total - (self.get('(idle)') ?? 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((busy / total) * 100).toFixed(0)}% busy`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
