// The rules of layers.ts applied to an import graph: each broken rule is one line naming the files.
//   cycle        files that import each other in a loop (anywhere, tests included)
//   upward       a production file imports a layer above its own
//   peers        a production file imports a peer area (the operator never imports the ingest, nor back)
//   test support a production file imports test support (e2e/, testing/, bench/)
//   door         a production file reaches behind a package's index.ts
//   unplaced     a production file in no layer (the table in layers.ts must name every place)
import type { ImportGraph } from './graph.ts';
import { areas, doors, inner, isProduction, isTestSupport } from './layers.ts';

type Place = { area: string; rank: number; layer: number };

/** Where a production file stands; undefined when layers.ts does not place it. */
export function placeOf(file: string): Place | undefined {
  const area = file.split('/')[0] ?? '';
  const rank = areas.findIndex((line) => line.includes(area));
  if (rank < 0 || !file.includes('/')) return undefined;
  const layers = inner[area];
  if (layers === undefined) return { area, rank, layer: 0 };
  const layer = layers.findIndex((line) =>
    line.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)),
  );
  return layer < 0 ? undefined : { area, rank, layer };
}

function layerRule(from: string, to: string): string | undefined {
  const a = placeOf(from);
  const b = placeOf(to);
  if (a === undefined || b === undefined) return undefined;
  if (a.area === b.area)
    return a.layer < b.layer ? `upward: ${from} imports ${to}, a layer above it` : undefined;
  if (a.rank === b.rank)
    return `peers: ${from} imports ${to}; ${a.area}/ and ${b.area}/ never import each other`;
  return a.rank < b.rank ? `upward: ${from} imports ${to} (${b.area}/ stands above ${a.area}/)` : undefined;
}

/** The innermost door between `from` and `to`: a door inside another is entered through its own index.ts. */
function doorRule(from: string, to: string): string | undefined {
  const between = doors.filter((d) => to.startsWith(d) && !from.startsWith(d));
  const door = between.sort((a, b) => b.length - a.length)[0];
  return door !== undefined && to !== `${door}index.ts`
    ? `door: ${from} imports ${to}; outside ${door} import ${door}index.ts`
    : undefined;
}

function edgeProblems(from: string, to: string): string[] {
  if (!isProduction(from)) return [];
  if (isTestSupport(to)) return [`test support: ${from} imports ${to}`];
  return [layerRule(from, to), doorRule(from, to)].filter((p) => p !== undefined);
}

type Next = (file: string) => readonly string[];

/** Depth-first from `v` over unseen files, appending each file once all it leads to is done. */
function depthFirst(v: string, next: Next, seen: Set<string>, done: string[]): void {
  seen.add(v);
  for (const w of next(v)) if (!seen.has(w)) depthFirst(w, next, seen, done);
  done.push(v);
}

/** Files that import each other in a loop: the strongly connected components (Kosaraju), sorted. */
export function cycles(graph: ImportGraph): string[][] {
  const files = [...new Set([...graph.keys(), ...[...graph.values()].flat()])];
  const reverse = new Map<string, string[]>();
  for (const [from, targets] of graph)
    for (const to of targets) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  const finished: string[] = [];
  const seen = new Set<string>();
  for (const f of files) if (!seen.has(f)) depthFirst(f, (x) => graph.get(x) ?? [], seen, finished);
  seen.clear();
  const found: string[][] = [];
  for (const f of finished.reverse()) {
    if (seen.has(f)) continue;
    const component: string[] = [];
    depthFirst(f, (x) => reverse.get(x) ?? [], seen, component);
    if (component.length > 1 || (graph.get(f) ?? []).includes(f)) found.push(component.sort());
  }
  return found;
}

/** Every broken rule of the graph, one line each; empty when the repository keeps its layering. */
export function violations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const component of cycles(graph)) out.push(`cycle: ${component.join(', ')} import each other`);
  for (const [from, targets] of graph) {
    if (isProduction(from) && from.includes('/') && placeOf(from) === undefined)
      out.push(`unplaced: ${from} is in no layer of scripts/architecture/layers.ts`);
    for (const to of targets) out.push(...edgeProblems(from, to));
  }
  return out;
}
