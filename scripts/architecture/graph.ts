// The real import graph of the repository's TypeScript sources: every relative `import`/`export … from`,
// dynamic `import()`, and `new URL('…ts', import.meta.url)` (a script a file starts as a process), read with
// the TypeScript compiler's own pre-processor. Packages (`node:`, npm) are not edges.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** file → the files it imports, both relative to the repository root with `/` separators. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const skipped = new Set(['node_modules', 'coverage', 'dist', 'data']);

/** Every .ts file under the root, except dependencies, build output, local state and dot-folders. */
export function sourceFiles(root = repositoryRoot, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.name.startsWith('.') || skipped.has(entry.name)) return [];
    if (entry.isDirectory()) return sourceFiles(root, path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const spawned = /new URL\(\s*'(\.{1,2}\/[^']+\.ts)'\s*,\s*import\.meta\.url\s*\)/g;

/** The relative specifiers a source imports or starts. */
export function specifiers(source: string): string[] {
  const pre = ts.preProcessFile(source, true, true);
  const imported = pre.importedFiles.map((f) => f.fileName).filter((f) => f.startsWith('.'));
  return [...imported, ...[...source.matchAll(spawned)].map((m) => m[1] ?? '')];
}

export function importGraph(root = repositoryRoot): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const source = readFileSync(join(root, file), 'utf8');
    const targets = specifiers(source).map((s) => relative(root, normalize(join(root, dirname(file), s))));
    graph.set(file, [...new Set(targets.map((t) => t.split('\\').join('/')))]);
  }
  return graph;
}
