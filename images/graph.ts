// The runtime import graph of an entry point: which source files a process loads and which npm packages it
// imports, as Node runs them. Type-only imports and exports are erased before Node sees them, so they are
// not edges; dynamic `import('x')` with a literal specifier is (a lazily loaded store is still loaded), and so
// is `require.resolve('x/file')` or `import.meta.resolve('x')` (a package whose files a module reads).
// scripts/architecture/graph.ts reads the repository for the layering, where a type-only import is an
// arrow like any other and packages are not; an image needs the opposite, hence this reading of its own.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** Repository-relative source files, sorted. */
  readonly files: readonly string[];
  /** npm package names imported by those files, sorted. */
  readonly packages: readonly string[];
}

const builtins = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `typebox/value` → `typebox`; undefined for node builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0] ?? '')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  return node.importClause?.isTypeOnly === true;
}

/** `require.resolve(...)` or `import.meta.resolve(...)`. */
function isResolveCall(callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'resolve') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'require') ||
    (ts.isMetaProperty(target) && target.keywordToken === ts.SyntaxKind.ImportKeyword)
  );
}

/** Module specifiers a file loads at runtime. */
export function runtimeSpecifiers(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !isTypeOnlyImport(node)) {
      if (ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || isResolveCall(node.expression)) &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * Follows runtime imports from `entries` (repository-relative) under `root`. `leaveOut` names files and
 * packages not followed: what an entry can reach only through a lazy `import()` the caller never takes.
 */
export function importGraph(
  root: string,
  entries: readonly string[],
  leaveOut: readonly string[] = [],
): ImportGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries.map((e) => normalize(e))];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const spec of runtimeSpecifiers(file, source)) {
      if (spec.startsWith('.')) {
        const target = relative(root, join(root, dirname(file), spec));
        if (!leaveOut.includes(target)) queue.push(target);
      } else {
        const pkg = packageOf(spec);
        if (pkg !== undefined && !leaveOut.includes(pkg)) packages.add(pkg);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
