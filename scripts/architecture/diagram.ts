// The generated parts of docs/architecture.md: the layers of layers.ts, top first, each with what its
// production code really imports (from the import graph), and the list of doors. scripts/generate.ts writes
// each between two markers and `--check` fails when the code moved on without the document.
import { placeOf } from './check.ts';
import type { ImportGraph } from './graph.ts';
import { areas, doors, inner, isProduction } from './layers.ts';

export const begin =
  '<!-- generated: layers (node scripts/generate.ts; edit scripts/architecture/layers.ts) -->';
export const end = '<!-- end generated: layers -->';

const code = (names: Iterable<string>) =>
  [...names]
    .sort()
    .map((n) => `\`${n}\``)
    .join(' ') || '(nothing)';

/** The place a file stands in, at the granularity of a table row: an inner layer's entry, else its area. */
function rowOf(file: string, area: string): string | undefined {
  const place = placeOf(file);
  if (place === undefined) return undefined;
  if (place.area !== area || inner[area] === undefined) return `${place.area}/`;
  return inner[area]?.[place.layer]?.find((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
}

function importsOf(graph: ImportGraph, owns: (file: string) => boolean, area: string): Set<string> {
  const out = new Set<string>();
  for (const [from, targets] of graph) {
    if (!isProduction(from) || !owns(from)) continue;
    for (const to of targets) {
      const row = owns(to) ? undefined : rowOf(to, area);
      if (row !== undefined) out.add(row);
    }
  }
  return out;
}

type Row = { layer: number; places: readonly string[]; imports: Set<string> };

function table(rows: readonly Row[]): string[] {
  const lines = [
    '| layer | places | imports (production code, from the import graph) |',
    '| ---: | --- | --- |',
  ];
  for (const r of rows) lines.push(`| ${r.layer} | ${code(r.places)} | ${code(r.imports)} |`);
  return lines;
}

export function layersSection(graph: ImportGraph): string {
  const inArea = (names: readonly string[]) => (f: string) => names.some((n) => f.startsWith(`${n}/`));
  // One row per area: peers share a layer but not their imports.
  const top = areas
    .flatMap((line, i) =>
      line.map((a) => ({ layer: i + 1, places: [`${a}/`], imports: importsOf(graph, inArea([a]), '') })),
    )
    .reverse();
  const parts = [
    begin,
    'Areas, top first. A line imports only from lines below it; areas on one line never import each other.',
    '',
    ...table(top),
  ];
  for (const [area, layers] of Object.entries(inner)) {
    const rows = layers
      .map((line, i) => ({
        layer: i + 1,
        places: line,
        imports: importsOf(
          graph,
          (f) => line.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p)),
          area,
        ),
      }))
      .reverse();
    parts.push('', `Inside \`${area}/\`, top first:`, '', ...table(rows));
  }
  return [...parts, end].join('\n');
}

const doorsBegin =
  '<!-- generated: doors (node scripts/generate.ts; edit scripts/architecture/layers.ts) -->';
const doorsEnd = '<!-- end generated: doors -->';

/** The doors of layers.ts as one phrase, in its order ("`a/`, `b/` and `c/`"), between its markers. */
export function doorsSection(): string {
  const names = doors.map((d) => `\`${d}\``);
  const phrase = names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${doorsBegin}${phrase}${doorsEnd}`;
}

function withSection(document: string, from: string, to: string, section: string): string {
  const start = document.indexOf(from);
  const stop = document.indexOf(to);
  if (start < 0 || stop < start)
    throw new Error(`docs/architecture.md: the markers ${from} … ${to} are missing`);
  return document.slice(0, start) + section + document.slice(stop + to.length);
}

/** The document with its generated sections replaced; throws when the markers are missing. */
export function withLayersSection(document: string, graph: ImportGraph): string {
  const layered = withSection(document, begin, end, layersSection(graph));
  return withSection(layered, doorsBegin, doorsEnd, doorsSection());
}
