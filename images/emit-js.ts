// Ahead-of-time JavaScript for an image: every TypeScript file of the image's list is written again as
// .js beside itself, its types removed by Node's own stripper (the same transform Node applies when it
// runs a .ts file, so the code is the code the tests ran) and its relative imports pointed at the .js.
// A process started from the .js files never loads Node's TypeScript stripper (a WebAssembly module and
// its source, ~18 MiB of resident memory per process). Run in the image's sources stage:
//   node images/emit-js.ts <image-root> [<files.txt>]
// It writes under <image-root> the .js of each listed .ts (the .ts stay: `node bin/tracker.ts` keeps working).
import { readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';

/**
 * Relative module specifiers ending in .ts, as import and export declarations and literal `import()`
 * calls write them; a specifier of a package, or a string that is not a specifier, is left alone.
 */
const RELATIVE_TS = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*?)\.ts\2/g;

/** The JavaScript of one TypeScript module, its relative imports pointed at .js files. */
export function emitJs(source: string): string {
  return stripTypeScriptTypes(source, { mode: 'strip' }).replace(
    RELATIVE_TS,
    (_all, head: string, quote: string, path: string) => `${head}${quote}${path}.js${quote}`,
  );
}

/** Writes `<root>/<file>.js` for every `.ts` file of the list (paths relative to `root`). */
export function emitAll(root: string, files: readonly string[]): string[] {
  const written: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const js = file.replace(/\.ts$/, '.js');
    writeFileSync(join(root, js), emitJs(readFileSync(join(root, file), 'utf8')));
    written.push(js);
  }
  return written;
}

if (import.meta.main) {
  const [root, list = join(root ?? '.', 'files.txt')] = process.argv.slice(2);
  if (root === undefined) throw new Error('usage: node images/emit-js.ts <image-root> [<files.txt>]');
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  console.log(`emitted ${emitAll(root, files).length} .js files under ${root}`);
}
